"""The sweeps that find deliveries lost with a worker: all of them every five minutes, the
urgent (Prio 1) ones every minute (STYLE 18: the jobs only enqueue)."""

from datetime import datetime, timedelta

from supportdesk.core.scheduler import periodic
from supportdesk.notifications import tasks


def _every_five_minutes(now: datetime) -> datetime:
    return now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)


def _every_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


@periodic(name="notifications.sweep", last_slot=_every_five_minutes, grace=timedelta(minutes=10))
def sweep(slot: datetime) -> None:
    tasks.sweep_deliveries.enqueue()


@periodic(name="notifications.sweep_urgent", last_slot=_every_minute, grace=timedelta(minutes=2))
def sweep_urgent(slot: datetime) -> None:
    tasks.sweep_deliveries.enqueue(urgent_only=True)
