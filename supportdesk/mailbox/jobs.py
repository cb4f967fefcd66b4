"""Periodic jobs of the mailbox, fired by the application's scheduler (STYLE 18); each only enqueues."""

from datetime import datetime, timedelta

from supportdesk.core.scheduler import periodic
from supportdesk.mailbox import tasks


def _every_five_minutes(now: datetime) -> datetime:
    return now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)


@periodic(name="mailbox.outbound_sweep", last_slot=_every_five_minutes, grace=timedelta(minutes=10))
def outbound_sweep(slot: datetime) -> None:
    tasks.outbound_mail_sweep.enqueue()
