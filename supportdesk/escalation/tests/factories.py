"""Test helpers: a published week with a Prio 1 ticket in its window."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from supportdesk.escalation.models import Escalation
from supportdesk.tickets.models import Priority, Ticket
from supportdesk.tickets.services import ticket_create

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 30)
TUESDAY_1630 = datetime(2026, 12, 1, 16, 30, tzinfo=BERLIN)
"""Inside Tuesday's window: with ``alternating(anna, bernd)`` Bernd has phone duty, Anna the standby."""
TUESDAY_1900 = datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)
"""After the window."""


def prio1_ticket(*, actor, now: datetime, customer=None, subject: str = "Leitsystem steht") -> Ticket:
    return ticket_create(actor=actor, subject=subject, priority=Priority.P1, customer=customer, now=now)


def escalation_of(ticket: Ticket) -> Escalation:
    return Escalation.objects.get(case__ticket=ticket)
