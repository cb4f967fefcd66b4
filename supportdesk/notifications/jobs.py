from datetime import datetime, timedelta

from supportdesk.core.scheduler import periodic
from supportdesk.notifications import tasks


def _every_five_minutes(now: datetime) -> datetime:
    return now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)


@periodic(name="notifications.sweep", last_slot=_every_five_minutes, grace=timedelta(minutes=10))
def sweep(slot: datetime) -> None:
    tasks.sweep_deliveries.enqueue()
