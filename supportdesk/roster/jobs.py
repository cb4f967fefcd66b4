"""Periodic jobs of the roster, fired by the application's scheduler (STYLE 18)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from supportdesk.core.scheduler import periodic
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
