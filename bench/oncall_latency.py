"""p50/p99 latency of GET /api/v1/oncall over HTTP with five years of published plans.

    python bench/oncall_latency.py [--requests 2000] [--database-url postgres://…]

Builds a throw-away database (SQLite in a temp folder by default), fills five
years of published weeks, starts gunicorn with two workers on loopback and asks
for random moments (inside and outside windows) with a Bearer token, one new
connection per request, as a PBX's curl would.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETUP = r"""
import django, sys
django.setup()
from datetime import date, timedelta
from django.core.management import call_command
from supportdesk.accounts.models import User
from supportdesk.accounts.services import api_token_create
from supportdesk.roster.models import Assignment, Duty, PoolMember, RosterWeek
from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar

call_command("migrate", verbosity=0)
people = [User.objects.create(username=f"p{i}", display_name=f"Person {i}", email=f"p{i}@example.test",
          office_phone=f"+49 941 555{i:04d}", mobile=f"+49 170 555{i:04d}") for i in range(10)]
for p in people:
    PoolMember.objects.create(user=p, weekdays=[0, 1, 2, 3, 4])
phone, standby = Duty.objects.get(code="phone_duty"), Duty.objects.get(code="technical_standby")
cal = support_calendar()
start = bh.week_start(date(2023, 1, 2))
weeks = [RosterWeek(week_start=start + timedelta(weeks=w), status="published", version=1) for w in range(5 * 52)]
RosterWeek.objects.bulk_create(weeks)
weeks = {w.week_start: w for w in RosterWeek.objects.all()}
rows = []
for w, monday in enumerate(sorted(weeks)):
    a, b = people[(2 * w) % 10], people[(2 * w + 1) % 10]
    for i, day in enumerate(bh.support_days(cal, monday, monday + timedelta(days=6))):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        rows += [Assignment(week=weeks[monday], date=day, duty=phone, user=first),
                 Assignment(week=weeks[monday], date=day, duty=standby, user=second)]
Assignment.objects.bulk_create(rows, batch_size=1000)
admin = User.objects.create(username="bench", email="bench@example.test")
print(api_token_create(user=admin, name="bench")[1])
print(len(rows), file=sys.stderr)
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(requests: int, database_url: str | None) -> dict[str, float]:
    data_dir = tempfile.mkdtemp(prefix="sd-bench-")
    env = {**os.environ, "SUPPORTDESK_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "supportdesk.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    setup = subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    token = setup.stdout.strip().splitlines()[-1]
    rows = int(setup.stderr.strip().splitlines()[-1])
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
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/oncall", headers=headers)
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        rng = random.Random(7)
        paths = []
        for _ in range(requests):
            day = rng.randrange(0, 5 * 365)
            hour, minute = rng.choice([(16, 30), (17, 15), (12, 0), (19, 0)])
            year, doy = 2023 + day // 365, day % 365 + 1
            moment = (
                time.strftime("%Y-%m-%dT", time.strptime(f"{year} {doy}", "%Y %j"))
                + f"{hour:02d}:{minute:02d}:00%2B01:00"
            )
            paths.append(f"/api/v1/oncall?at={moment}")
        for path in paths[:200]:  # warm up both workers
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
        latencies = []
        for path in paths:
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status == 200, response.status
        latencies.sort()
        return {
            "rows": rows,
            "p50_ms": statistics.median(latencies),
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    result = run(args.requests, args.database_url)
    label = "postgresql" if args.database_url else "sqlite"
    print(f"oncall_api_{label}_assignments: {result['rows']}")
    print(f"oncall_api_{label}_p50_ms: {result['p50_ms']:.2f}")
    print(f"oncall_api_{label}_p99_ms: {result['p99_ms']:.2f}  (target <= 10)")


if __name__ == "__main__":
    main()
