"""Test helpers for the hand-over: the mailbox head, a published week, pinned moments."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from supportdesk.accounts.tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
"""ISO week 50 of 2026; no public holiday in it. Anna has phone duty on Monday, Bernd the standby."""
HOLIDAY = date(2026, 12, 25)
SATURDAY = date(2026, 12, 12)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=BERLIN)


def mailbox_head():
    return UserFactory(
        username="sabine", display_name="Sabine Neumann", email="sabine@example.test", is_mailbox_head=True
    )
