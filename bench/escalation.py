"""Delay from a Prio 1 save to the first notice accepted by an SMTP server (p50/p99).

    python bench/escalation.py [--cases 200] [--database-url postgres://…/db] [--interval 0.05] [--workers 1]

Builds a throw-away database (SQLite in a temp folder by default; with --database-url the
given PostgreSQL database is flushed first), starts a real ``db_worker`` and an aiosmtpd sink
on loopback, then saves Prio 1 tickets one every ``--gap`` seconds. The delay of each case is
the SMTP server's acceptance time minus the commit of the ticket.
"""

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--gap", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=1, help="more than one only on PostgreSQL (row locks)")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="sd-bench-esc-")
    os.environ["SUPPORTDESK_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "supportdesk.settings"
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["SUPPORTDESK_LOG_LEVEL"] = "WARNING"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from supportdesk.accounts.models import Role, User
    from supportdesk.core.testing.smtp import start_sink
    from supportdesk.escalation.testing import roster_covering_now, start_worker, worker_env
    from supportdesk.tickets.models import Priority
    from supportdesk.tickets.services import ticket_create

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
    log = Path(data_dir) / "worker.log"
    workers = [start_worker(env=env, log=log, interval=args.interval) for _ in range(args.workers)]
    time.sleep(3)  # Django start-up of the worker
    saved: dict[str, float] = {}
    try:
        for i in range(args.cases):
            subject = f"Bench case {i:04d}"
            with transaction.atomic():
                ticket_create(actor=boss, subject=subject, priority=Priority.P1, customer=customer)
            saved[subject] = time.time()  # the commit has returned
            time.sleep(args.gap)
        deadline = time.monotonic() + 60
        while len(accepted) < args.cases and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=15)
        controller.stop()
    delays = []
    for subject, at in saved.items():
        match = next((t for s, t in accepted.items() if subject in s), None)
        if match is not None:
            delays.append(max(match - at, 0.0))
    delays.sort()
    missing = args.cases - len(delays)
    if not delays:
        print("no notice arrived; worker log:", log.read_text()[-2000:])
        sys.exit(1)
    p50 = statistics.median(delays)
    p99 = delays[min(len(delays) - 1, round(0.99 * len(delays)) - 1)]
    print(
        f"{connection.vendor}, {args.workers} worker(s), a case every {args.gap * 1000:.0f} ms: "
        f"{len(delays)}/{args.cases} first notices, "
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms, missing {missing}"
    )
    with open("/proc/loadavg") as handle:
        print("loadavg:", handle.read().strip())


if __name__ == "__main__":
    main()
