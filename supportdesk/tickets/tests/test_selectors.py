"""Reads of the tickets app that other apps share: the intake check from checks the caller has read."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from supportdesk.tickets import selectors, services

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY = date(2026, 6, 5)
MONDAY = date(2026, 6, 8)
TUESDAY = date(2026, 6, 9)
pytestmark = pytest.mark.django_db


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def checks(agent) -> None:
    """Friday's 16:00 done late on Monday morning, Friday's 17:00 never; Monday's 16:00 done at 16:12 and
    17:00 at 17:20; Tuesday's 16:00 open. Tickets before and between the checks, one of them Prio 1."""
    friday = services.intake_check_open(due_at=at(FRIDAY, 16))
    services.intake_check_open(due_at=at(FRIDAY, 17))
    services.intake_check_done(check=friday, actor=agent, now=at(MONDAY, 9))
    first = services.intake_check_open(due_at=at(MONDAY, 16))
    services.intake_check_done(check=first, actor=agent, now=at(MONDAY, 16, 12))
    second = services.intake_check_open(due_at=at(MONDAY, 17))
    services.intake_check_done(check=second, actor=agent, now=at(MONDAY, 17, 20))
    services.intake_check_open(due_at=at(TUESDAY, 16))
    services.ticket_create(actor=agent, subject="Anruf", now=at(MONDAY, 15, 50))
    services.ticket_create(actor=agent, subject="Kasse steht", priority=1, now=at(MONDAY, 16, 30))
    services.ticket_create(actor=agent, subject="Abends", now=at(MONDAY, 17, 40))
    services.ticket_create(actor=agent, subject="Drucker", now=at(TUESDAY, 15, 30))


def _fields(view: selectors.IntakeCheckView | None) -> tuple | None:
    if view is None:
        return None
    return (view.check, view.since, view.new_tickets, view.prio1_open, view.overdue)


def test_checks_of_a_day_are_its_own_and_the_latest_before_oldest_first(checks):
    assert [c.due_at for c in selectors.intake_checks_of_day(day=MONDAY)] == [
        at(FRIDAY, 17),
        at(MONDAY, 16),
        at(MONDAY, 17),
    ]
    assert [c.due_at for c in selectors.intake_checks_of_day(day=TUESDAY)] == [at(MONDAY, 17), at(TUESDAY, 16)]
    assert selectors.intake_checks_of_day(day=FRIDAY)[0].due_at == at(FRIDAY, 16)


@pytest.mark.parametrize(
    "moment",
    [
        at(MONDAY, 10),
        at(MONDAY, 16),
        at(MONDAY, 16, 10),
        at(MONDAY, 16, 20),
        at(MONDAY, 17, 5),
        at(MONDAY, 17, 30),
        at(MONDAY, 23, 59),
        at(TUESDAY, 16, 5),
        at(TUESDAY, 16, 20),
        at(FRIDAY, 16, 30),
    ],
)
def test_current_check_from_given_checks_is_the_one_read(checks, moment):
    day = moment.astimezone(BERLIN).date()
    read = selectors.intake_check_current(moment)
    given = selectors.intake_check_current(moment, checks=selectors.intake_checks_of_day(day=day))
    assert _fields(given) == _fields(read)
    if moment != at(MONDAY, 10):
        assert read is not None


def test_since_comes_from_the_previous_check_of_the_day_before(checks):
    """Monday 16:00 follows Friday 17:00 (never done): new tickets count from one hour before; Tuesday 16:00
    follows Monday 17:00 (done at 17:20): from then; Friday 17:00 follows Friday 16:00, done only on
    Monday: from its own time."""
    view = selectors.intake_check_current(at(MONDAY, 16, 5), checks=selectors.intake_checks_of_day(day=MONDAY))
    assert view is not None and view.since == at(MONDAY, 15)
    assert [t.subject for t in view.new_tickets] == ["Anruf"]
    view = selectors.intake_check_current(at(TUESDAY, 16, 20), checks=selectors.intake_checks_of_day(day=TUESDAY))
    assert view is not None and (view.since, view.overdue) == (at(MONDAY, 17, 20), True)
    assert [t.subject for t in view.new_tickets] == ["Drucker", "Abends"]  # newest first
    view = selectors.intake_check_current(at(FRIDAY, 17, 5), checks=selectors.intake_checks_of_day(day=FRIDAY))
    assert view is not None and view.since == at(FRIDAY, 17)


def test_given_checks_spare_the_check_queries(checks, django_assert_num_queries):
    given = selectors.intake_checks_of_day(day=MONDAY)
    with django_assert_num_queries(2):  # the new tickets and the open Prio 1 tickets
        view = selectors.intake_check_current(at(MONDAY, 17, 5), checks=given)
    assert view is not None and view.check.due_at == at(MONDAY, 17)
    with django_assert_num_queries(4):
        selectors.intake_check_current(at(MONDAY, 17, 5))
    with django_assert_num_queries(0):
        assert selectors.intake_check_current(at(MONDAY, 10), checks=given) is None


def test_no_checks_given_means_no_check_yet(checks):
    assert selectors.intake_check_current(at(MONDAY, 17, 5), checks=[]) is None
