"""Shared by the real-worker tests and bench/escalation.py: a roster that covers "now", a worker
and a scheduler process, and an SMTP sink that can hold a message mid-send."""

import asyncio
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from supportdesk.accounts.models import User
from supportdesk.core.testing.smtp import SmtpSink, free_port
from supportdesk.escalation.models import CustomerEscalationPolicy, EscalationPolicy, OutsideWindowMode
from supportdesk.roster.business_hours import week_start
from supportdesk.roster.models import Assignment, Duty, RosterWeek, SupportWindow, WeekStatus
from supportdesk.roster.selectors import support_calendar_invalidate, today
from supportdesk.tickets.models import Customer

MANAGE = Path(settings.BASE_DIR).parent / "manage.py"


def roster_covering_now(*, standby: User, phone_duty: User, renotify_seconds: int, renotify_count: int) -> Customer:
    """Make ``standby`` the recipient of a Prio 1 raised now, whatever the real clock says.

    Today's window spans the whole day and today's published cells name the two people; on a
    holiday (no window) the customer's outside-window policy names the same person.
    """
    day = today()
    SupportWindow.objects.update_or_create(
        weekday=day.weekday(), defaults={"start": time(0), "end": time(23, 59, 59), "active": True}
    )
    week, _created = RosterWeek.objects.get_or_create(week_start=week_start(day))
    RosterWeek.objects.filter(pk=week.pk).update(status=WeekStatus.PUBLISHED, version=1)
    for code, user in ((Duty.TECHNICAL_STANDBY, standby), (Duty.PHONE_DUTY, phone_duty)):
        Assignment.objects.update_or_create(
            date=day, duty=Duty.objects.get(code=code), defaults={"week": week, "user": user}
        )
    customer, _created = Customer.objects.get_or_create(code="bench", defaults={"name": "Bench GmbH"})
    CustomerEscalationPolicy.objects.update_or_create(
        customer=customer, defaults={"mode": OutsideWindowMode.PERSON, "person": standby}
    )
    EscalationPolicy.objects.update_or_create(
        pk=1,
        defaults={"renotify_seconds": renotify_seconds, "renotify_count": renotify_count, "escalate_to_pool": False},
    )
    support_calendar_invalidate()
    return customer


def worker_env(*, smtp_port: int, database_url: str | None = None) -> dict[str, str]:
    """The environment of a worker on this process's (committed) database."""
    db = settings.DATABASES["default"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SUPPORTDESK_LOG_LEVEL": "WARNING"}
    env["SUPPORTDESK_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}?timeout=5"
    if database_url:
        env["DATABASE_URL"] = database_url
    elif connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        )
    return env


def start_worker(*, env: dict[str, str], log: Path, interval: float = 0.05) -> subprocess.Popen:
    with log.open("ab") as handle:
        return subprocess.Popen(  # noqa: S603 - our own manage.py
            [
                sys.executable,
                str(MANAGE),
                "db_worker",
                "--interval",
                str(interval),
                "--no-startup-delay",
                "--no-reload",
                "--queue-name",
                "*",
            ],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def start_scheduler(*, env: dict[str, str], log: Path) -> subprocess.Popen:
    """``manage.py run_scheduler`` as in production: one tick a second, every registered job."""
    with log.open("ab") as handle:
        return subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, str(MANAGE), "run_scheduler", "--interval", "1"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


@dataclass
class StallingSmtpSink(SmtpSink):
    """An SMTP sink that holds the first message to ``stall_to`` in DATA without answering.

    ``stalled`` is set while it holds it, so a test can kill the sending worker mid-send. A
    message whose client went away meanwhile is never accepted (aiosmtpd cancels the handler
    when the connection is lost), like a real server that never said 250.
    """

    stall_to: str = ""
    stalled: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        if self.stall_to and self.stall_to in envelope.rcpt_tos and not self.stalled.is_set():
            self.stalled.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
            if server.transport is None or server.transport.is_closing():
                return "451 4.3.0 Client gone (test)"
        return await super().handle_DATA(server, session, envelope)


def start_stalling_sink(*, stall_to: str) -> tuple[StallingSmtpSink, object]:
    from aiosmtpd.controller import Controller

    sink = StallingSmtpSink(stall_to=stall_to)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    return sink, controller
