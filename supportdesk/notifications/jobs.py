from datetime import datetime, timedelta

from supportdesk.core.scheduler import periodic
from supportdesk.notifications import tasks


def _every_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


@periodic(name="notifications.sweep", last_slot=_every_minute, grace=timedelta(minutes=5))
def sweep(slot: datetime) -> None:
    tasks.sweep_deliveries.enqueue()
