"""Delay to the first Prio 1 notice accepted by an SMTP server (p50/p99/max), two ways.

    python bench/escalation.py [--cases 200] [--database-url postgres://…/db] [--interval 0.05] [--workers 1]
    python bench/escalation.py --via-imap [--cases 200] [--database-url postgres://…/db]

Builds a throw-away database (SQLite in a temp folder by default; with --database-url the
given PostgreSQL database is flushed first), starts a real ``db_worker`` (polling every
``--interval`` seconds) and an aiosmtpd sink on loopback, and a roster whose technical standby
is reachable by mail only.

Default mode, Prio 1 save → notice (target p99 ≤ 1 s): saves Prio 1 tickets one every ``--gap``
seconds; the delay of each case is the SMTP server's acceptance time minus the commit of the
ticket.

``--via-imap``, mail delivered → notice (target p99 ≤ 2 s): also starts a throw-away Dovecot
(needs root, as the tests) and the real listener process (``manage.py mailbox_listen``, IMAP
IDLE) on a mailbox pointing at it. A customer with a 24/7 contract has a contact, and a keyword
rule ("down", "Ausfall", 24/7 customers only) makes their mail Prio 1. The bench delivers
"Server down / Ausfall …" mails from that contact (its 25 addresses in turn: 200 mails from one
sender within 10 minutes would be held as a flood) one at a time with ``doveadm save``; the
delay of each is from the moment ``doveadm save`` returned (the mail is in the inbox) to the
SMTP server's acceptance of the standby's notice, and the next mail follows ``--gap`` seconds
after that notice (or after 15 s without one). A warm-up mail is not counted.

Both print one line with the figures, then ``/proc/loadavg``; ``--via-imap`` also prints where the
time goes (p50/p99 of three stages, read from the rows the processes wrote): *listener*, delivery
→ start of the listener pass that took the mail; *ingest*, pass start → the worker's first step
(parse, keyword rule, ticket and case, commit, worker poll); *send*, step → SMTP acceptance. About
500 ms of *listener* is Dovecot's own: it announces a new mail to an IDLE client only after a fixed
0.5 s delay (``NOTIFY_DELAY_MSECS`` in its mailbox watcher), so that figure is the floor with
Dovecot whatever the listener does.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supportdesk.accounts.models import User
    from supportdesk.mailbox.testing import Dovecot
    from supportdesk.tickets.models import Customer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOTICE_WAIT = 15.0
"""--via-imap: seconds to wait for one mail's notice before the next mail is delivered."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--interval", type=float, default=0.05, help="the worker's poll interval in seconds")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between two cases")
    parser.add_argument("--workers", type=int, default=1, help="more than one only on PostgreSQL (row locks)")
    parser.add_argument("--via-imap", action="store_true", help="mail delivered to Dovecot → notice accepted")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="sd-bench-esc-")
    os.environ["SUPPORTDESK_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "supportdesk.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SUPPORTDESK_IMAP_URL", None)  # the listener uses the bench's mailbox only
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["SUPPORTDESK_LOG_LEVEL"] = "ERROR"  # the bench prints figures; its processes log warnings
    os.environ["SUPPORTDESK_DEBUG"] = "0"  # as in production: no query log

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from supportdesk.accounts.models import Role, User
    from supportdesk.core.testing.smtp import start_sink
    from supportdesk.escalation.testing import roster_covering_now, start_worker, worker_env

    call_command("migrate", verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0, run_syncdb=True)
        from conftest import restore_migration_data

        restore_migration_data()
    standby = User.objects.create(username="standby", email="standby@example.test", display_name="Standby")
    phone = User.objects.create(username="phone", email="phone@example.test", display_name="Phone")
    boss = User.objects.create(username="boss", email="boss@example.test", role=Role.COORDINATOR)
    customer = roster_covering_now(standby=standby, phone_duty=phone, renotify_seconds=3600, renotify_count=0)

    sink, controller = start_sink()
    accepted: dict[str, float] = {}
    original = sink.handle_DATA

    async def handle_data(server, session, envelope):  # type: ignore[no-untyped-def]
        at = time.time()
        result = await original(server, session, envelope)
        message = sink.messages[-1]
        accepted.setdefault(str(message["Subject"]), at)
        return result

    sink.handle_DATA = handle_data  # type: ignore[method-assign]
    url = args.database_url
    env = worker_env(smtp_port=sink.port, database_url=url or f"sqlite:///{connection.settings_dict['NAME']}")
    env.pop("SUPPORTDESK_IMAP_URL", None)
    log = Path(data_dir) / "worker.log"
    processes = [start_worker(env=env, log=log, interval=args.interval) for _ in range(args.workers)]

    def notice_at(key: str) -> float | None:
        return next((t for s, t in list(accepted.items()) if key in s), None)

    server = None
    try:
        if args.via_imap:
            from supportdesk.mailbox.testing import Dovecot

            server = Dovecot().start()
            senders = imap_setup(server=server, customer=customer)
            listener_log = Path(data_dir) / "listener.log"
            processes.append(start_listener(env=env, log=listener_log))
            saved = deliver_mails(server=server, senders=senders, cases=args.cases, gap=args.gap, notice_at=notice_at)
            what = "mail delivered to IMAP → first notice accepted"
        else:
            time.sleep(3)  # Django start-up of the worker
            saved = save_tickets(boss=boss, customer=customer, cases=args.cases, gap=args.gap)
            what = "Prio 1 save → first notice accepted"
        deadline = time.monotonic() + 60
        while sum(1 for key in saved if notice_at(key) is not None) < len(saved) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()
        if server is not None:
            server.cleanup()
    delays = []
    for key, at in saved.items():
        match = notice_at(key)
        if match is not None:
            delays.append(max(match - at, 0.0))
    delays.sort()
    missing = args.cases - len(delays)
    if not delays:
        print("no notice arrived; worker log:", log.read_text()[-2000:])
        if args.via_imap:
            print("listener log:", (Path(data_dir) / "listener.log").read_text()[-2000:])
        sys.exit(1)
    p50 = statistics.median(delays)
    p99 = delays[min(len(delays) - 1, round(0.99 * len(delays)) - 1)]
    pace = "one mail at a time" if args.via_imap else f"a case every {args.gap * 1000:.0f} ms"
    print(
        f"{what}: {connection.vendor}, {args.workers} worker(s) polling every {args.interval * 1000:.0f} ms, "
        f"{pace}: {len(delays)}/{args.cases} first notices, "
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms, missing {missing}"
    )
    if args.via_imap:
        print(stages(saved=saved, notice_at=notice_at))
    with open("/proc/loadavg") as handle:
        print("loadavg:", handle.read().strip())


def stages(*, saved: dict[str, float], notice_at: Callable[[str], float | None]) -> str:
    """Where the time goes, p50/p99 per stage, from the rows the processes wrote.

    listener: delivered → start of the listener pass that took the mail (IDLE wake-up, fetch);
    ingest: pass start → the worker's step (parse, rule, ticket, commit, worker poll);
    send: step → SMTP acceptance (notice task poll, render, SMTP).
    """
    from supportdesk.escalation.models import EscalationEvent, EventKind

    events = EscalationEvent.objects.filter(kind=EventKind.NOTIFIED).select_related("escalation__case__ticket")
    rows = {event.escalation.case.ticket.subject: event for event in events}
    parts: dict[str, list[float]] = {"listener": [], "ingest": [], "send": []}
    for key, delivered in saved.items():
        event, accepted = rows.get(key), notice_at(key)
        if event is None or accepted is None:
            continue
        pass_start = event.escalation.started_at.timestamp()
        step = event.at.timestamp()
        parts["listener"].append(pass_start - delivered)
        parts["ingest"].append(step - pass_start)
        parts["send"].append(accepted - step)
    out = []
    for name, values in parts.items():
        values.sort()
        if values:
            p99 = values[min(len(values) - 1, round(0.99 * len(values)) - 1)]
            out.append(f"{name} p50 {statistics.median(values) * 1000:.0f} ms / p99 {p99 * 1000:.0f} ms")
    return "stages: " + ", ".join(out)


def save_tickets(*, boss: "User", customer: "Customer", cases: int, gap: float) -> dict[str, float]:
    """Save ``cases`` Prio 1 tickets; the commit time of each, by its subject."""
    from django.db import transaction

    from supportdesk.tickets.models import Priority
    from supportdesk.tickets.services import ticket_create

    saved: dict[str, float] = {}
    for i in range(cases):
        subject = f"Bench case {i:04d}"
        with transaction.atomic():
            ticket_create(actor=boss, subject=subject, priority=Priority.P1, customer=customer)
        saved[subject] = time.time()  # the commit has returned
        time.sleep(gap)
    return saved


SENDERS = 25
"""Distinct contact addresses the mails rotate through: one sender's 200 mails would be held as a flood."""


def imap_setup(*, server: "Dovecot", customer: "Customer") -> list[str]:
    """The mailbox on ``server``, the customer's 24/7 contract, its contact, the keyword rule; the senders."""
    from supportdesk.escalation.models import CustomerContract, Prio1Rule
    from supportdesk.mailbox.models import Mailbox
    from supportdesk.tickets.models import Contact, ContactEmail

    Mailbox.objects.create(**server.mailbox_fields())
    CustomerContract.objects.update_or_create(customer=customer, defaults={"support_24x7": True})
    contact = Contact.objects.create(customer=customer, name="Kunde Betrieb")
    senders = [f"betrieb{n}@bench-kunde.example" for n in range(SENDERS)]
    ContactEmail.objects.bulk_create(ContactEmail(contact=contact, address=address) for address in senders)
    Prio1Rule.objects.create(name="Ausfall", phrases="down\nAusfall\ngeht nicht mehr", only_24x7=True)
    return senders


def outage_mail(*, sender: str, subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Kunde Betrieb <{sender}>"
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="bench-kunde.example")
    msg["Date"] = formatdate(localtime=True)
    msg.set_content("Hallo,\n\nunser Server ist seit eben nicht mehr erreichbar, die Anwendung geht nicht mehr.\n")
    return bytes(msg)


def start_listener(*, env: dict[str, str], log: Path) -> subprocess.Popen:
    """The real IMAP listener process (``manage.py mailbox_listen``) on the bench's database."""
    from supportdesk.escalation.testing import MANAGE

    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, str(MANAGE), "mailbox_listen", "--poll-interval", "1", "--rescan", "5"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def deliver_mails(
    *, server: "Dovecot", senders: list[str], cases: int, gap: float, notice_at: Callable[[str], float | None]
) -> dict[str, float]:
    """Deliver the outage mails one at a time; the time each was in the inbox, by its subject key."""
    warm_up = "Server down / Ausfall warm-up"
    server.deliver(outage_mail(sender=senders[-1], subject=warm_up))
    deadline = time.monotonic() + 60  # start-up of both processes, first IMAP connection
    while notice_at(warm_up) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if notice_at(warm_up) is None:
        raise SystemExit(
            "the warm-up mail got no notice within 60 s; see the logs in " + os.environ["SUPPORTDESK_DATA_DIR"]
        )
    time.sleep(1.0)  # the listener is back in IDLE
    delivered: dict[str, float] = {}
    for i in range(cases):
        key = f"Server down / Ausfall {i:04d}"
        server.deliver(outage_mail(sender=senders[i % len(senders)], subject=key))
        delivered[key] = time.time()  # doveadm save returned: the mail is in the inbox
        wait_until = time.monotonic() + NOTICE_WAIT
        while notice_at(key) is None and time.monotonic() < wait_until:
            time.sleep(0.005)
        time.sleep(gap)
    return delivered


if __name__ == "__main__":
    main()
