"""When a person's quiet hours end: a pure function of the clock, their window and their time zone."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_until(*, now: datetime, start: time, end: time, tz: ZoneInfo) -> datetime | None:
    """The aware end of the quiet time ``now`` falls in, or None when ``now`` is not quiet."""
    if start == end:
        return None
    local = now.astimezone(tz)
    current = local.time().replace(tzinfo=None)
    day = local.date()
    if start < end:
        quiet = start <= current < end
        end_day = day
    elif current >= start:
        quiet, end_day = True, day + timedelta(days=1)
    else:
        quiet, end_day = current < end, day
    if not quiet:
        return None
    # Wall-clock end in the person's zone (a DST change in between is honoured by zoneinfo).
    return datetime.combine(end_day, end, tzinfo=tz)
