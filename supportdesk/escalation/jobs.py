"""The escalation sweep and the R19 nudge check, fired every minute by the application's scheduler (STYLE 18)."""

from datetime import datetime, timedelta

from supportdesk.core.scheduler import periodic
from supportdesk.escalation import tasks


def every_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


@periodic(name="escalation.sweep", last_slot=every_minute, grace=timedelta(minutes=2))
def sweep(slot: datetime) -> None:
    tasks.escalation_sweep.enqueue()


@periodic(name="escalation.nudge", last_slot=every_minute, grace=timedelta(minutes=2))
def nudge(slot: datetime) -> None:
    tasks.escalation_nudge_sweep.enqueue()
