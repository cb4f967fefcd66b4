"""Periodic jobs of tickets, fired by the application's scheduler (STYLE 18); each only enqueues."""

from datetime import datetime, timedelta

from supportdesk.core.scheduler import periodic
from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets import selectors, tasks


def intake_check_slot(now: datetime) -> datetime | None:
    return selectors.intake_check_last_slot(now=now)


def intake_overdue_slot(now: datetime) -> datetime | None:
    return selectors.intake_check_last_slot(now=now, offset=selectors.INTAKE_CHECK_OVERDUE)


def digest_slot(now: datetime) -> datetime | None:
    """The latest start of core hours on a working day at or before ``now``."""
    cal = support_calendar()
    local = now.astimezone(cal.tz)
    for back in range(15):
        day = local.date() - timedelta(days=back)
        if bh.is_working_day(cal, day):
            start = datetime.combine(day, cal.core_hours[0], tzinfo=cal.tz)
            if start <= local:
                return start
    return None


@periodic(name="tickets.intake_check", last_slot=intake_check_slot, grace=timedelta(minutes=30))
def intake_check(slot: datetime) -> None:
    tasks.intake_check_open.enqueue(due_at=slot.isoformat())


@periodic(name="tickets.intake_check_overdue", last_slot=intake_overdue_slot, grace=timedelta(minutes=30))
def intake_check_overdue(slot: datetime) -> None:
    tasks.intake_checks_escalate.enqueue(slot=slot.isoformat())


@periodic(name="tickets.digest", last_slot=digest_slot, grace=timedelta(hours=3))
def digest(slot: datetime) -> None:
    tasks.digests_send.enqueue(slot=slot.isoformat())
