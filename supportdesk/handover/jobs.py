"""Periodic jobs of the hand-over, fired by the application's scheduler (STYLE 18); each only enqueues."""

from collections.abc import Callable
from datetime import datetime, timedelta

from supportdesk.core.scheduler import periodic
from supportdesk.handover import conf, selectors, tasks
from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar


def window_slot(*, now: datetime, edge: str, offset: timedelta) -> datetime | None:
    """The latest window start or end (``edge``) plus ``offset`` at or before ``now`` within the past week."""
    cal = support_calendar()
    local = now.astimezone(cal.tz)
    for back in range(8):
        window = bh.window_on(cal, local.date() - timedelta(days=back))
        if window is not None:
            slot = (window.start if edge == "start" else window.end) + offset
            if slot <= local:
                return slot
    return None


def _slot(edge: str, offset: Callable[[], timedelta]) -> Callable[[datetime], datetime | None]:
    return lambda now: window_slot(now=now, edge=edge, offset=offset())


def every_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


@periodic(name="handover.minute", last_slot=every_minute, grace=timedelta(minutes=2))
def minute(slot: datetime) -> None:
    tasks.routing_sync.enqueue(now=slot.isoformat())
    tasks.handover_escalate.enqueue(now=slot.isoformat())


def leaving_slot(now: datetime) -> datetime | None:
    """The end of the mailbox head's part of today once it has come ("leaving at", or core start when the
    roster has her absent); a changed time is a new slot."""
    return selectors.leaving_due(now=now)


@periodic(name="handover.leaving", last_slot=leaving_slot, grace=timedelta(minutes=30))
def leaving(slot: datetime) -> None:
    tasks.handover_leaving.enqueue(slot=slot.isoformat())


@periodic(name="handover.auto", last_slot=_slot("start", timedelta), grace=timedelta(minutes=30))
def auto(slot: datetime) -> None:
    tasks.handover_auto.enqueue(slot=slot.isoformat())


@periodic(
    name="handover.readiness_request",
    last_slot=_slot("start", lambda: -conf.readiness_lead()),
    grace=timedelta(minutes=10),
)
def readiness_request(slot: datetime) -> None:
    tasks.readiness_request.enqueue(slot=slot.isoformat())


@periodic(name="handover.readiness_alert", last_slot=_slot("start", conf.readiness_grace), grace=timedelta(minutes=30))
def readiness_alert(slot: datetime) -> None:
    tasks.readiness_alert.enqueue(slot=slot.isoformat())


@periodic(name="handover.closing", last_slot=_slot("end", timedelta), grace=timedelta(minutes=30))
def closing(slot: datetime) -> None:
    tasks.closing_request.enqueue(slot=slot.isoformat())


@periodic(name="handover.closing_overdue", last_slot=_slot("end", conf.closing_grace), grace=timedelta(minutes=30))
def closing_overdue(slot: datetime) -> None:
    tasks.closing_overdue.enqueue(slot=slot.isoformat())
