"""Periodic jobs of the roster, fired by the application's scheduler (STYLE 18)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from supportdesk.core.scheduler import periodic
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, tasks


def weekly_draft_slot(now: datetime) -> datetime:
    """The latest ``draft_weekday`` at ``draft_time`` (team's wall clock) at or before ``now``.

    Computed on the calendar day, not by subtracting 168 hours, so the slot stays
    at 08:00 local time across the DST changes.
    """
    cfg = selectors.roster_settings_get()
    tz = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - cfg.draft_weekday) % 7)
    slot = datetime.combine(day, cfg.draft_time, tzinfo=tz)
    if slot > local:
        slot = datetime.combine(day - timedelta(weeks=1), cfg.draft_time, tzinfo=tz)
    return slot


@periodic(name="roster.weekly_draft", last_slot=weekly_draft_slot, grace=timedelta(days=1))
def weekly_draft(slot: datetime) -> None:
    tasks.draft_next_week.enqueue(slot=slot.isoformat())


VACATION_REMINDER_TIME = time(7)
"""Team's wall clock: the coordinator finds the vacation cover reminder at the start of the day (R6)."""
EXPIRY_TIME = time(0, 5)
"""Just after midnight: swap requests of the day before expire."""


def daily_slot(now: datetime, at: time) -> datetime:
    """The latest ``at`` (team's wall clock) at or before ``now``; stays at ``at`` across DST."""
    tz = ZoneInfo(settings.TIME_ZONE)
    day = now.astimezone(tz).date()
    slot = datetime.combine(day, at, tzinfo=tz)
    # Compare in UTC: aware datetimes with the same tzinfo compare by wall clock.
    if slot.astimezone(UTC) > now.astimezone(UTC):
        slot = datetime.combine(day - timedelta(days=1), at, tzinfo=tz)
    return slot


def vacation_reminder_slot(now: datetime) -> datetime:
    return daily_slot(now, VACATION_REMINDER_TIME)


def expiry_slot(now: datetime) -> datetime:
    return daily_slot(now, EXPIRY_TIME)


def open_duty_notice_slot(now: datetime) -> datetime | None:
    """The latest "window start minus N minutes" on a support day at or before ``now`` (R7).

    N is ``RosterSettings.open_duty_notice_minutes``; the window comes from the calendar
    (holidays and closing days have none), and N is real minutes, also on a DST change day.
    """
    cal = selectors.support_calendar()
    lead = timedelta(minutes=selectors.roster_settings_get().open_duty_notice_minutes)
    today = now.astimezone(cal.tz).date()
    for back in range(-1, 15):
        window = bh.window_on(cal, today - timedelta(days=back))
        if window is None:
            continue
        slot = (window.start.astimezone(UTC) - lead).astimezone(cal.tz)
        if slot <= now:
            return slot
    return None


@periodic(name="roster.vacation_cover_reminder", last_slot=vacation_reminder_slot, grace=timedelta(hours=12))
def vacation_cover_reminder(slot: datetime) -> None:
    tasks.remind_vacation_cover.enqueue(slot=slot.isoformat())


@periodic(name="roster.open_duty_notice", last_slot=open_duty_notice_slot, grace=timedelta(hours=2))
def open_duty_notice(slot: datetime) -> None:
    tasks.notify_open_duties.enqueue(slot=slot.isoformat())


@periodic(name="roster.swap_requests_expire", last_slot=expiry_slot, grace=timedelta(hours=23))
def swap_requests_expire(slot: datetime) -> None:
    tasks.expire_swap_requests.enqueue(slot=slot.isoformat())
