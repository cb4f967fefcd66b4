"""The support calendar's pure time functions around DST, holidays and window edges."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.roster import business_hours as bh

BERLIN = ZoneInfo("Europe/Berlin")


def calendar(**kwargs) -> bh.SupportCalendar:
    defaults = {"tz": BERLIN, "windows": {d: (time(16), time(18)) for d in range(5)}, "holiday_state": "BY"}
    return bh.SupportCalendar(**{**defaults, **kwargs})


CAL = calendar()


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_window_is_1600_to_1800_local_on_both_sides_of_the_march_dst_change():
    # Friday before and Monday after the last Sunday of March 2026 (29 March).
    before = bh.window_on(CAL, date(2026, 3, 27))
    after = bh.window_on(CAL, date(2026, 3, 30))
    assert before.start.astimezone(UTC).hour == 15  # CET = UTC+1
    assert after.start.astimezone(UTC).hour == 14  # CEST = UTC+2
    assert (after.end - after.start) == timedelta(hours=2)
    assert after.start.astimezone(BERLIN).time() == time(16)


def test_window_after_october_dst_change_is_two_real_hours():
    window = bh.window_on(CAL, date(2026, 10, 26))  # Monday after 25 October
    assert window.start.astimezone(UTC) == datetime(2026, 10, 26, 15, 0, tzinfo=UTC)
    assert window.end - window.start == timedelta(hours=2)


def test_no_window_on_weekend_and_bavarian_holidays():
    assert bh.window_on(CAL, date(2026, 11, 28)) is None  # Saturday
    assert bh.window_on(CAL, date(2026, 6, 4)) is None  # Fronleichnam (Corpus Christi), Bavaria
    assert bh.window_on(CAL, date(2026, 1, 6)) is None  # Heilige Drei Könige, Bavaria
    assert CAL.holiday_name(date(2026, 6, 4)) == "Fronleichnam"


@pytest.mark.parametrize(
    ("language", "christmas", "corpus_christi"),
    [
        (None, "Erster Weihnachtstag", "Fronleichnam"),
        ("de", "Erster Weihnachtstag", "Fronleichnam"),
        ("en", "Christmas Day", "Corpus Christi"),
        ("en-gb", "Christmas Day", "Corpus Christi"),
        ("fr", "Erster Weihnachtstag", "Fronleichnam"),  # not available: German
    ],
)
def test_holiday_names_in_the_readers_language(language, christmas, corpus_christi):
    assert CAL.holiday_name(date(2026, 12, 25), language) == christmas
    assert CAL.holiday_name(date(2026, 6, 4), language) == corpus_christi
    assert CAL.holiday_name(date(2026, 6, 5), language) is None
    # Berlin has no Corpus Christi, whatever the language.
    assert calendar(holiday_state="BE").holiday_name(date(2026, 6, 4), language) is None


def test_holiday_language_maps_django_codes_to_the_packages():
    assert bh.holiday_language("en") == "en_US"
    assert bh.holiday_language("en-us") == "en_US"
    assert bh.holiday_language("de-at") == "de"
    assert bh.holiday_language("uk") == "uk"
    assert bh.holiday_language("fr") == "de"
    assert bh.holiday_language(None) == "de"


def test_corpus_christi_is_a_normal_day_in_berlin_state():
    berlin_state = calendar(holiday_state="BE")
    assert bh.window_on(berlin_state, date(2026, 6, 4)) is not None


def test_closing_days_have_no_window_and_are_no_working_days():
    cal = calendar(closing_days=frozenset({date(2026, 12, 24), date(2026, 12, 31)}))
    assert bh.window_on(cal, date(2026, 12, 24)) is None
    assert not bh.is_working_day(cal, date(2026, 12, 31))
    assert bh.is_working_day(cal, date(2026, 12, 30))


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (berlin(2026, 11, 30, 15, 59, 59), False),
        (berlin(2026, 11, 30, 16, 0), True),
        (berlin(2026, 11, 30, 17, 59, 59), True),
        (berlin(2026, 11, 30, 18, 0), False),
        (datetime(2026, 11, 30, 15, 30, tzinfo=UTC), True),  # 16:30 in Berlin
    ],
)
def test_window_edges(moment, inside):
    assert (bh.window_at(CAL, moment) is not None) is inside


def test_windows_between_skips_holidays_and_weekends():
    windows = bh.windows_between(CAL, berlin(2026, 12, 21, 0, 0), berlin(2027, 1, 1, 0, 0))
    days = [w.date for w in windows]
    assert date(2026, 12, 25) not in days and date(2026, 12, 26) not in days
    assert date(2026, 12, 28) in days
    assert all(d.weekday() < 5 for d in days)


def test_windows_between_includes_partial_overlap():
    windows = bh.windows_between(CAL, berlin(2026, 11, 30, 17, 0), berlin(2026, 12, 1, 16, 30))
    assert [w.date for w in windows] == [date(2026, 11, 30), date(2026, 12, 1)]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Afternoon support on a Friday → Monday 09:00.
        (berlin(2026, 11, 27, 16, 30), berlin(2026, 11, 30, 9, 0)),
        # Early morning on a working day → same day 09:00.
        (berlin(2026, 12, 1, 7, 0), berlin(2026, 12, 1, 9, 0)),
        # Exactly at 09:00 → next day.
        (berlin(2026, 12, 1, 9, 0), berlin(2026, 12, 2, 9, 0)),
        # Wednesday before Corpus Christi (Thursday 4 June 2026) → Friday.
        (berlin(2026, 6, 3, 17, 0), berlin(2026, 6, 5, 9, 0)),
        # Christmas: 23 Dec evening → 28 Dec (24 is a normal day without closing days configured).
        (berlin(2026, 12, 23, 17, 0), berlin(2026, 12, 24, 9, 0)),
        # Saturday before the March DST change → Monday 09:00 CEST.
        (berlin(2026, 3, 28, 12, 0), berlin(2026, 3, 30, 9, 0)),
    ],
)
def test_next_working_day_start(moment, expected):
    assert bh.next_working_day_start(CAL, moment) == expected


def test_next_working_day_start_respects_closing_days_over_christmas():
    cal = calendar(closing_days=frozenset({date(2026, 12, 24), date(2026, 12, 31)}))
    assert bh.next_working_day_start(cal, berlin(2026, 12, 23, 17, 0)) == berlin(2026, 12, 28, 9, 0)
    assert bh.next_working_day_start(cal, berlin(2026, 12, 30, 17, 0)) == berlin(2027, 1, 4, 9, 0)


def test_core_hours():
    assert bh.in_core_hours(CAL, berlin(2026, 12, 1, 9, 0))
    assert not bh.in_core_hours(CAL, berlin(2026, 12, 1, 16, 0))
    assert not bh.in_core_hours(CAL, berlin(2026, 6, 4, 10, 0))  # holiday


def test_configurable_windows_per_weekday():
    cal = calendar(windows={0: (time(15), time(17)), 4: (time(14), time(16))})
    assert bh.window_on(cal, date(2026, 11, 30)).start == berlin(2026, 11, 30, 15, 0)
    assert bh.window_on(cal, date(2026, 12, 1)) is None  # Tuesday has no window now
    assert bh.window_on(cal, date(2026, 12, 4)).end == berlin(2026, 12, 4, 16, 0)


def test_week_start_is_monday():
    assert bh.week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert bh.week_start(date(2026, 11, 30)) == date(2026, 11, 30)


# hypothesis takes naive bounds and attaches the zone itself.
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)))  # noqa: DTZ001
def test_next_working_day_start_is_a_later_working_morning(moment):
    result = bh.next_working_day_start(CAL, moment)
    assert result > moment
    assert bh.is_working_day(CAL, result.date())
    assert result.astimezone(BERLIN).time() == time(9)
    # Nothing in between: no working-day start is skipped.
    day = moment.astimezone(BERLIN).date()
    while day < result.date():
        start = datetime.combine(day, time(9), tzinfo=BERLIN)
        assert not (bh.is_working_day(CAL, day) and start > moment)
        day += timedelta(days=1)


# hypothesis takes naive bounds and attaches the zone itself.
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)))  # noqa: DTZ001
def test_window_at_agrees_with_windows_between(moment):
    window = bh.window_at(CAL, moment)
    around = bh.windows_between(CAL, moment, moment + timedelta(microseconds=1))
    assert (window is not None) == bool(around)
