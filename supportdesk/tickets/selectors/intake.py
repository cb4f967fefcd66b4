"""The hourly intake check (R11): its moments, the day's checks and what the current one shows."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets.models import (
    OPEN_STATUSES,
    IntakeCheck,
    Ticket,
)

ZERO = timedelta(0)


DEFAULT_INTAKE_CHECK_TIMES = ("16:00", "17:00")
INTAKE_CHECK_OVERDUE = timedelta(minutes=15)


def intake_check_times() -> list[time]:
    """Wall-clock times of the check on every support day (``SUPPORTDESK_INTAKE_CHECK_TIMES``)."""
    raw = getattr(settings, "SUPPORTDESK_INTAKE_CHECK_TIMES", DEFAULT_INTAKE_CHECK_TIMES)
    return sorted(time.fromisoformat(t) if isinstance(t, str) else t for t in raw)


def intake_check_slots_on(*, cal: bh.SupportCalendar, day: date) -> list[datetime]:
    """The day's check moments (aware), or none on a day without a support window."""
    if bh.window_on(cal, day) is None:
        return []
    return [datetime.combine(day, t, tzinfo=cal.tz) for t in intake_check_times()]


def intake_check_last_slot(
    *, now: datetime, cal: bh.SupportCalendar | None = None, offset: timedelta = ZERO
) -> datetime | None:
    """The latest check moment plus ``offset`` at or before ``now`` within the past week, or None."""
    cal = cal or support_calendar()
    local = now.astimezone(cal.tz)
    for back in range(8):
        day = local.date() - timedelta(days=back)
        for slot in reversed(intake_check_slots_on(cal=cal, day=day)):
            if slot + offset <= local:
                return slot + offset
    return None


@dataclass(frozen=True)
class IntakeCheckView:
    check: IntakeCheck
    since: datetime
    """New tickets are counted from here: the previous check (when done) or one hour before."""
    new_tickets: list[Ticket]
    prio1_open: list[Ticket]
    overdue: bool


INTAKE_LIST_LIMIT = 50


def intake_checks_of_day(*, day: date, cal: bh.SupportCalendar | None = None) -> list[IntakeCheck]:
    """The intake checks due on ``day`` and the latest one before it, oldest first, in one query: all that
    ``intake_check_current(now, checks=...)`` needs for any moment of ``day``."""
    cal = cal or support_calendar()
    start = datetime.combine(day, time(0), tzinfo=cal.tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=cal.tz)
    before = IntakeCheck.objects.filter(due_at__lt=start).order_by("-due_at").values("pk")[:1]
    return list(
        IntakeCheck.objects.filter(Q(due_at__gte=start, due_at__lt=end) | Q(pk__in=before))
        .select_related("checked_by")
        .order_by("due_at")
    )


def intake_check_current(
    now: datetime | None = None, *, checks: Collection[IntakeCheck] | None = None
) -> IntakeCheckView | None:
    """Today's latest due intake check with what to look at, or None before the first one of the day.

    ``checks``: the caller's ``intake_checks_of_day(day=<the local day of now>)``; the checks are then
    taken from it instead of read (the tickets it lists are read either way)."""
    now = now or timezone.now()
    cal = support_calendar()
    local = now.astimezone(cal.tz)
    day_start = datetime.combine(local.date(), time(0), tzinfo=cal.tz)
    check: IntakeCheck | None
    previous: IntakeCheck | None
    if checks is None:
        check = (
            IntakeCheck.objects.filter(due_at__lte=now, due_at__gte=day_start)
            .select_related("checked_by")
            .order_by("-due_at")
            .first()
        )
        if check is None:
            return None
        previous = IntakeCheck.objects.filter(due_at__lt=check.due_at).order_by("-due_at").first()
    else:
        check = max((c for c in checks if day_start <= c.due_at <= now), key=lambda c: c.due_at, default=None)
        if check is None:
            return None
        due_at = check.due_at
        previous = max((c for c in checks if c.due_at < due_at), key=lambda c: c.due_at, default=None)
    since = check.due_at - timedelta(hours=1)
    if previous is not None and previous.checked_at is not None:
        since = min(previous.checked_at, check.due_at)
    related = ("customer", "contact", "assignee", "assignee_group")
    new_tickets = list(
        Ticket.objects.filter(created_at__gt=since, created_at__lte=now)
        .select_related(*related)
        .order_by("priority", "-created_at")[:INTAKE_LIST_LIMIT]
    )
    prio1 = list(
        Ticket.objects.filter(priority=1, status__in=OPEN_STATUSES)
        .select_related(*related)
        .order_by("created_at")[:INTAKE_LIST_LIMIT]
    )
    overdue = check.checked_at is None and now >= check.due_at + INTAKE_CHECK_OVERDUE
    return IntakeCheckView(check=check, since=since, new_tickets=new_tickets, prio1_open=prio1, overdue=overdue)


def intake_check_get(*, pk: int) -> IntakeCheck | None:
    return IntakeCheck.objects.filter(pk=pk).first()
