"""Ticket pages and search at 100,000 tickets / 1,000,000 articles on PostgreSQL.

    python bench/tickets.py [--tickets 100000] [--articles-per-ticket 10] [--requests 200]
                            [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates the database ``supportdesk_bench`` afresh, migrates it, fills it with
COPY, builds the search documents, then starts gunicorn with two workers on
loopback and measures p50/p95 over HTTP (session cookie, one new connection per
request) of the ticket list, a ticket page, the Today page and a search. The
SQL query count per page is measured in-process with the test client against
the same database. Prints ``name: value`` lines.
"""

import argparse
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "supportdesk_bench"

SETUP = r"""
import io, random, sys, time
from datetime import datetime, timedelta, timezone as tz
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection
from supportdesk.accounts.models import User
from supportdesk.tickets.models import Team
from supportdesk.tickets.search import search_documents_rebuild

n_tickets, per_ticket = int(sys.argv[1]), int(sys.argv[2])
started = time.monotonic()
call_command("migrate", verbosity=0)
rng = random.Random(11)
WORDS = ("Drucker Störung Datenbankserver Anmeldung Kennwort Netzwerk VPN Zugang Rechnung Export Schnittstelle "
         "Fehlermeldung Server Backup Mail Postfach Telefonanlage Update Lizenz Benutzer Rechte Ordner Freigabe "
         "langsam defekt abgestürzt gesperrt erneut bitte prüfen Rückruf Kunde meldet seit heute morgen nicht mehr "
         "printer login password network invoice export interface error message slow broken locked again please "
         "check callback customer reports since this morning no longer works Zählerstand Abrechnung Firewall "
         "Zertifikat abgelaufen Webseite Portal Termin Wartung Speicher voll Festplatte Tastatur Monitor").split()
RARE = [f"Sonderfall{i}" for i in range(5000)]

def text(n):
    words = rng.choices(WORDS, k=n)
    if rng.random() < 0.2:
        words[rng.randrange(n)] = rng.choice(RARE)
    return " ".join(words)

users = [User.objects.create(username=f"u{i}", display_name=f"Person {i}", email=f"u{i}@example.test")
         for i in range(30)]
teams = list(Team.objects.values_list("id", flat=True))
cur = connection.cursor()
with cur.connection.cursor().copy("COPY tickets_customer (code, name) FROM STDIN") as copy:
    for i in range(500):
        copy.write_row((f"kunde-{i}", f"Kunde {i} {rng.choice(['Stadtwerke', 'Klinikum', 'Landratsamt', 'GmbH'])}"))
cur.execute("SELECT id FROM tickets_customer ORDER BY id")
customers = [r[0] for r in cur.fetchall()]
with cur.connection.cursor().copy("COPY tickets_contact (customer_id, name, created_at) FROM STDIN") as copy:
    now = datetime.now(tz.utc)
    for i in range(5000):
        copy.write_row((customers[i % 500], f"Kontakt {i}", now))
cur.execute("SELECT id, customer_id FROM tickets_contact ORDER BY id")
contacts = cur.fetchall()
start = datetime(2021, 1, 4, 8, tzinfo=tz.utc)
span = (datetime.now(tz.utc) - start).total_seconds()
statuses = ["closed"] * 80 + ["resolved"] * 8 + ["new"] * 4 + ["open"] * 5 + ["waiting"] * 3
with cur.connection.cursor().copy(
    "COPY tickets_ticket (number, subject, customer_id, contact_id, channel, priority, status, assignee_group_id, "
    "assignee_id, due_at, created_at, created_by_id, updated_at, version) FROM STDIN"
) as copy:
    for i in range(n_tickets):
        created = start + timedelta(seconds=span * i / n_tickets)
        contact_id, customer_id = contacts[rng.randrange(len(contacts))]
        assignee = rng.choice(users).pk if rng.random() < 0.7 else None
        copy.write_row((f"SD-{created.year}-{i:06d}", text(rng.randint(3, 7)), customer_id, contact_id, "phone",
                        rng.choice([1, 2, 3, 3, 3, 4]) if rng.random() < 0.99 else 1, rng.choice(statuses),
                        None if assignee else rng.choice(teams), assignee, created + timedelta(days=1), created,
                        users[0].pk, created, 1))
print(f"tickets_s: {time.monotonic() - started:.1f}", file=sys.stderr)
cur.execute("SELECT id, created_at FROM tickets_ticket ORDER BY id")
tickets = cur.fetchall()
SENTENCES = [text(rng.randint(15, 60)) for _ in range(20000)]
with cur.connection.cursor().copy(
    "COPY tickets_article (ticket_id, kind, body, author_id, created_at) FROM STDIN") as copy:
    for ticket_id, created in tickets:
        for k in range(per_ticket):
            copy.write_row((ticket_id, "internal_note" if k else "phone_note", rng.choice(SENTENCES),
                            users[k % 30].pk, created + timedelta(minutes=k)))
cur.execute("SELECT count(*) FROM tickets_article")
print(f"articles: {cur.fetchone()[0]}", file=sys.stderr)
print(f"articles_s: {time.monotonic() - started:.1f}", file=sys.stderr)
search_documents_rebuild(batch=5000)
print(f"search_documents_s: {time.monotonic() - started:.1f}", file=sys.stderr)
cur.execute("VACUUM ANALYZE")
bench = User.objects.create(username="bench", display_name="Bench", email="bench@example.test", is_staff=True)
session = SessionStore()
session[SESSION_KEY] = str(bench.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = bench.get_session_auth_hash()
session.create()
cur.execute("SELECT number FROM tickets_ticket ORDER BY random() LIMIT 50")
print(" ".join(r[0] for r in cur.fetchall()))
print(session.session_key)
print(f"generation_s: {time.monotonic() - started:.1f}", file=sys.stderr)
"""

QUERY_COUNTS = r"""
import sys, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from supportdesk.accounts.models import User
client = Client()
client.force_login(User.objects.get(username="bench"))
for name, path in [line.split(" ", 1) for line in sys.argv[1:]]:
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    print(f"{name}_queries: {len(ctx.captured_queries)} (status {status})")
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, parts.fragment))


def get(port: int, path: str, cookie: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--articles-per-ticket", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    args = parser.parse_args()

    parts = urlsplit(args.admin_url)
    database_url = urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, parts.fragment))
    env = {
        **os.environ,
        "SUPPORTDESK_DATA_DIR": tempfile.mkdtemp(prefix="sd-bench-"),
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "DATABASE_URL": database_url,
        "SUPPORTDESK_LOG_LEVEL": "WARNING",
    }
    state = Path(tempfile.gettempdir()) / "sd-bench-tickets.state"
    if args.reuse and state.exists():
        numbers_line, cookie = state.read_text().splitlines()
        # the kept data gets the migrations added since (a no-op when there are none)
        subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env=env, cwd=ROOT, check=True)
    else:
        recreate_database(args.admin_url)
        setup = subprocess.run(
            [sys.executable, "-c", SETUP, str(args.tickets), str(args.articles_per_ticket)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        for line in setup.stderr.splitlines():
            if ":" in line and line.split(":")[0] in {
                "tickets_s",
                "articles",
                "articles_s",
                "search_documents_s",
                "generation_s",
            }:
                print(line)
        if setup.returncode:
            sys.exit(setup.stderr[-3000:])
        numbers_line, cookie = setup.stdout.strip().splitlines()[-2:]
        state.write_text(f"{numbers_line}\n{cookie}\n")
    numbers = numbers_line.split()
    print(f"tickets: {args.tickets}")

    pages = {
        "ticket_list": ["/tickets/"],
        "ticket_list_open": ["/tickets/?status=open_all&sort=priority"],
        "ticket_page": [f"/tickets/{n}/" for n in numbers],
        "today_page": ["/roster/today/"],
        "search_rare": [f"/tickets/?q=Sonderfall{i}" for i in range(0, 5000, 97)],
        "search_common": ["/tickets/?q=Datenbankserver", "/tickets/?q=Drucker+St%C3%B6rung", "/tickets/?q=printer"],
        "search_api": ["/api/v1/tickets?q=Zertifikat+abgelaufen"],
    }
    counts = subprocess.run(
        [sys.executable, "-c", QUERY_COUNTS, *(f"{name} {paths[0]}" for name, paths in pages.items())],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    print(counts.stdout.strip() or counts.stderr[-2000:])

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "supportdesk.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(port, "/tickets/", cookie)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        rng = random.Random(3)
        for name, paths in pages.items():
            for path in paths[:5] * 4:  # warm both workers
                get(port, path, cookie)
            latencies = []
            for _ in range(args.requests):
                status, ms = get(port, rng.choice(paths), cookie)
                assert status == 200, (name, status)
                latencies.append(ms)
            latencies.sort()
            target = 100 if name.startswith("search") else 50
            print(f"{name}_p50_ms: {statistics.median(latencies):.1f}")
            print(f"{name}_p95_ms: {latencies[int(len(latencies) * 0.95) - 1]:.1f}  (target <= {target})")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    print(f"loadavg: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
