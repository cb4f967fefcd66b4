"""The support calendar as pure functions (R2).

Nothing here touches the database or reads the clock: callers pass a
:class:`SupportCalendar` (built by ``selectors.support_calendar()``) and the
moment they mean. All datetimes going in must be aware; all coming out are
aware in the calendar's time zone. Windows and core hours are wall-clock
times, so 16:00 stays 16:00 across the DST changes.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_WINDOW = (time(16), time(18))


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def date(self) -> date:
        return self.start.date()

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class SupportCalendar:
    tz: ZoneInfo
    windows: Mapping[int, tuple[time, time]]
    """Weekday (Monday = 0) → (start, end) of the afternoon window."""
    core_hours: tuple[time, time] = (time(9), time(16))
    working_weekdays: frozenset[int] = frozenset(range(5))
    holiday_state: str = "BY"
    closing_days: frozenset[date] = frozenset()

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("DE", subdiv=self.holiday_state or None, language="de")

    def holiday_name(self, day: date, language: str | None = None) -> str | None:
        """The name of the public holiday on ``day``, or ``None``.

        In ``language`` (a Django language code such as ``"en"`` or ``"de-at"``) where the
        ``holidays`` package has the names in it (:func:`holiday_language`), else German.
        """
        name = self._holidays.get(day)
        if not name:
            return None
        wanted = holiday_language(language)
        if wanted != HOLIDAY_DEFAULT_LANGUAGE:
            name = _holiday_table(self.holiday_state, wanted).get(day) or name
        return str(name)


HOLIDAY_DEFAULT_LANGUAGE = "de"
"""The language of the holiday names when the reader's is not available."""


def holiday_language(language: str | None) -> str:
    """The ``holidays`` package's language for German holidays closest to ``language``.

    An exact match (``en_US`` for ``en-us``), else the first with the same base language
    (``en_US`` for ``en`` or ``en-gb``), else German.
    """
    if not language:
        return HOLIDAY_DEFAULT_LANGUAGE
    supported = _supported_holiday_languages()
    code = language.replace("-", "_").lower()
    for candidate in supported:
        if candidate.lower() == code:
            return candidate
    base = code.split("_")[0]
    for candidate in supported:
        if candidate.split("_")[0].lower() == base:
            return candidate
    return HOLIDAY_DEFAULT_LANGUAGE


@lru_cache(maxsize=1)
def _supported_holiday_languages() -> tuple[str, ...]:
    return tuple(holidays.country_holidays("DE").supported_languages)


@lru_cache(maxsize=32)
def _holiday_table(state: str, language: str) -> holidays.HolidayBase:
    """German holidays of ``state`` named in ``language``, shared within the process."""
    return holidays.country_holidays("DE", subdiv=state or None, language=language)


def is_closed(cal: SupportCalendar, day: date) -> bool:
    """A public holiday of the state or a company closing day."""
    return day in cal.closing_days or cal.holiday_name(day) is not None


def is_working_day(cal: SupportCalendar, day: date) -> bool:
    return day.weekday() in cal.working_weekdays and not is_closed(cal, day)


def is_support_day(cal: SupportCalendar, day: date) -> bool:
    return day.weekday() in cal.windows and not is_closed(cal, day)


def _at(cal: SupportCalendar, day: date, wall: time) -> datetime:
    return datetime.combine(day, wall, tzinfo=cal.tz)


def window_on(cal: SupportCalendar, day: date) -> Window | None:
    if not is_support_day(cal, day):
        return None
    start, end = cal.windows[day.weekday()]
    return Window(_at(cal, day, start), _at(cal, day, end))


def window_at(cal: SupportCalendar, moment: datetime) -> Window | None:
    """The support window that contains ``moment``, or None."""
    local = moment.astimezone(cal.tz)
    window = window_on(cal, local.date())
    return window if window and window.contains(local) else None


def support_days(cal: SupportCalendar, start: date, end: date) -> Iterator[date]:
    """Days with a support window from ``start`` to ``end`` inclusive."""
    day = start
    while day <= end:
        if is_support_day(cal, day):
            yield day
        day += timedelta(days=1)


def windows_between(cal: SupportCalendar, start: datetime, end: datetime) -> list[Window]:
    """Windows that overlap the half-open interval [start, end)."""
    if end <= start:
        return []
    first = start.astimezone(cal.tz).date()
    last = end.astimezone(cal.tz).date()
    result = []
    for day in support_days(cal, first, last):
        window = window_on(cal, day)
        if window and window.start < end and window.end > start:
            result.append(window)
    return result


def in_core_hours(cal: SupportCalendar, moment: datetime) -> bool:
    local = moment.astimezone(cal.tz)
    if not is_working_day(cal, local.date()):
        return False
    core_start, core_end = cal.core_hours
    return _at(cal, local.date(), core_start) <= local < _at(cal, local.date(), core_end)


def next_working_day_start(cal: SupportCalendar, moment: datetime) -> datetime:
    """The first start of core hours strictly after ``moment``.

    A request at 16:30 on a Friday before a holiday Monday is due on Tuesday
    at 09:00; one at 07:00 on a working day is due at 09:00 the same day.
    """
    local = moment.astimezone(cal.tz)
    day = local.date()
    for _ in range(400):
        if is_working_day(cal, day):
            start = _at(cal, day, cal.core_hours[0])
            if start > local:
                return start
        day += timedelta(days=1)
    raise ValueError("no working day within 400 days; check the working weekdays")


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())
