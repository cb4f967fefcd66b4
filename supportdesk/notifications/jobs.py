"""Periodic jobs of the notifications app (STYLE 18: the jobs only enqueue): the sweeps that find
deliveries lost with a worker, all of them every five minutes, the urgent (Prio 1) ones every
minute; and the nightly pruning of the attempt log."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from supportdesk.core.scheduler import periodic
from supportdesk.notifications import tasks

PRUNE_TIME = time(3, 30)
"""Team's wall clock: the attempt log is pruned at night, when few notices go out."""


def _every_five_minutes(now: datetime) -> datetime:
    return now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)


def _every_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def prune_slot(now: datetime) -> datetime:
    """The latest :data:`PRUNE_TIME` (team's wall clock) at or before ``now``."""
    tz = ZoneInfo(settings.TIME_ZONE)
    day = now.astimezone(tz).date()
    slot = datetime.combine(day, PRUNE_TIME, tzinfo=tz)
    # Compare in UTC: aware datetimes with the same tzinfo compare by wall clock.
    if slot.astimezone(UTC) > now.astimezone(UTC):
        slot = datetime.combine(day - timedelta(days=1), PRUNE_TIME, tzinfo=tz)
    return slot


@periodic(name="notifications.sweep", last_slot=_every_five_minutes, grace=timedelta(minutes=10))
def sweep(slot: datetime) -> None:
    tasks.sweep_deliveries.enqueue()


@periodic(name="notifications.sweep_urgent", last_slot=_every_minute, grace=timedelta(minutes=2))
def sweep_urgent(slot: datetime) -> None:
    tasks.sweep_deliveries.enqueue(urgent_only=True)


@periodic(name="notifications.prune_attempts", last_slot=prune_slot, grace=timedelta(hours=20))
def prune_attempts(slot: datetime) -> None:
    tasks.prune_delivery_attempts.enqueue()
