"""due_at: weekends, holidays (Bavaria), DST and the edges of core hours and the window."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from supportdesk.roster.business_hours import DEFAULT_WINDOW, SupportCalendar
from supportdesk.tickets.due import DEFAULT_TARGETS, due_at, ticket_targets

BERLIN = ZoneInfo("Europe/Berlin")
CAL = SupportCalendar(tz=BERLIN, windows={d: DEFAULT_WINDOW for d in range(5)}, holiday_state="BY")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def due(moment: datetime, priority: int) -> datetime:
    return due_at(CAL, moment, priority, DEFAULT_TARGETS)


@pytest.mark.parametrize("moment", [at(2026, 6, 6, 3, 0), at(2026, 6, 3, 10, 0), at(2026, 6, 3, 17, 0)])
def test_prio_1_is_due_at_once_at_any_hour(moment):
    assert due(moment, 1) == moment


def test_in_core_hours_each_priority_follows_its_target():
    wednesday = at(2026, 6, 10, 10, 30)

    assert due(wednesday, 2) == at(2026, 6, 10, 14, 30)
    assert due(wednesday, 3) == at(2026, 6, 11, 9, 0)
    assert due(wednesday, 4) == at(2026, 6, 15, 9, 0)  # Thu, Fri, (weekend), Mon


@pytest.mark.parametrize("priority", [2, 3])
def test_in_the_afternoon_window_it_is_due_next_working_day_start(priority):
    assert due(at(2026, 6, 10, 16, 30), priority) == at(2026, 6, 11, 9, 0)


def test_window_and_core_hour_edges():
    assert due(at(2026, 6, 10, 15, 59), 3) == at(2026, 6, 11, 9, 0)
    assert due(at(2026, 6, 10, 15, 59), 2) == at(2026, 6, 10, 19, 59)  # still core hours: 4 clock hours
    assert due(at(2026, 6, 10, 16, 0), 2) == at(2026, 6, 11, 9, 0)  # the window has begun
    assert due(at(2026, 6, 10, 8, 59), 2) == at(2026, 6, 10, 9, 0)  # before core hours: same day 09:00
    assert due(at(2026, 6, 10, 9, 0), 2) == at(2026, 6, 10, 13, 0)


def test_friday_afternoon_is_due_monday():
    assert due(at(2026, 6, 12, 16, 45), 2) == at(2026, 6, 15, 9, 0)
    assert due(at(2026, 6, 13, 11, 0), 3) == at(2026, 6, 15, 9, 0)  # Saturday


def test_fronleichnam_in_bavaria_is_skipped():
    """Thursday 2026-06-04 is a holiday in Bavaria: Wednesday's tickets are due on Friday."""
    assert due(at(2026, 6, 3, 10, 0), 3) == at(2026, 6, 5, 9, 0)
    assert due(at(2026, 6, 3, 17, 0), 2) == at(2026, 6, 5, 9, 0)
    assert due(at(2026, 6, 4, 10, 0), 2) == at(2026, 6, 5, 9, 0)  # on the holiday itself: not core hours
    assert due(at(2026, 6, 3, 10, 0), 4) == at(2026, 6, 9, 9, 0)  # Fri, Mon, Tue


def test_outside_core_hours_prio_4_counts_the_next_working_day_as_the_first():
    assert due(at(2026, 6, 10, 17, 0), 4) == at(2026, 6, 15, 9, 0)  # Thu, Fri, Mon
    assert due(at(2026, 6, 10, 10, 0), 4) == at(2026, 6, 15, 9, 0)


def test_dst_change_keeps_wall_clock_nine_o_clock():
    """Clocks go forward on Sunday 2026-03-29 and back on 2026-10-25."""
    spring = due(at(2026, 3, 27, 17, 0), 3)
    autumn = due(at(2026, 10, 23, 17, 0), 3)

    assert (spring.time(), spring.date().isoformat(), spring.utcoffset()) == (time(9), "2026-03-30", timedelta(hours=2))
    assert (autumn.time(), autumn.date().isoformat(), autumn.utcoffset()) == (time(9), "2026-10-26", timedelta(hours=1))


def test_prio_2_hours_across_dst_are_real_hours():
    """A ticket on the Saturday night of the change is not in core hours anyway; in core hours 4h are 4h."""
    created = at(2026, 3, 27, 13, 0)
    assert due(created, 2) - created == timedelta(hours=4)


def test_settings_override_one_priority(settings):
    settings.SUPPORTDESK_TICKET_TARGETS = {2: {"hours": 2}}
    targets = ticket_targets()

    assert targets[2] == {"hours": 2} and targets[4] == DEFAULT_TARGETS[4]
    assert due_at(CAL, at(2026, 6, 10, 10, 0), 2, targets) == at(2026, 6, 10, 12, 0)


def test_utc_input_gives_the_same_moment():
    utc = at(2026, 6, 10, 16, 30).astimezone(ZoneInfo("UTC"))
    assert due(utc, 3) == at(2026, 6, 11, 9, 0)
