"""Reads of the roster: the support calendar, who is on duty, plans and fairness."""

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.roster import business_hours as bh
from supportdesk.roster.models import (
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Assignment,
    AssignmentChange,
    ChangeReason,
    ClosingDay,
    Duty,
    FeedToken,
    PoolMember,
    ReminderSent,
    RosterSettings,
    RosterWeek,
    SupportWindow,
    SwapRequest,
    SwapStatus,
    WeekStatus,
)


def roster_settings_get() -> RosterSettings:
    obj, _created = RosterSettings.objects.get_or_create(pk=1)
    return obj


@lru_cache(maxsize=8)
def _holidays_for(state: str) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=state or None, language="de")


_calendar_cache: tuple[float, bh.SupportCalendar] | None = None
CALENDAR_TTL_SECONDS = 30.0
"""Other processes see a calendar change within this time; this process at once."""


def support_calendar_invalidate() -> None:
    global _calendar_cache
    _calendar_cache = None


def support_calendar() -> bh.SupportCalendar:
    """The team's calendar as the pure time functions need it.

    Read on every page and every on-call lookup, changed a few times a year:
    kept in the process for a few seconds (services that change it clear it).
    """
    global _calendar_cache
    now = time.monotonic()
    if _calendar_cache is not None and now - _calendar_cache[0] < CALENDAR_TTL_SECONDS:
        return _calendar_cache[1]
    cfg = roster_settings_get()
    windows = {w.weekday: (w.start, w.end) for w in SupportWindow.objects.filter(active=True).order_by("weekday")}
    cal = bh.SupportCalendar(
        tz=ZoneInfo(settings.TIME_ZONE),
        windows=windows,
        core_hours=(cfg.core_start, cfg.core_end),
        working_weekdays=frozenset(cfg.core_weekdays or range(5)),
        holiday_state=cfg.holiday_state or settings.SUPPORTDESK_HOLIDAY_STATE,
        closing_days=frozenset(ClosingDay.objects.values_list("date", flat=True)),
    )
    # Share the holiday table between calendars of one process: building it costs milliseconds.
    cal.__dict__["_holidays"] = _holidays_for(cal.holiday_state)
    _calendar_cache = (now, cal)
    return cal


def today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE)).date()


def duty_list() -> list[Duty]:
    return list(Duty.objects.order_by("order", "code"))


def pool_members(*, active_only: bool = True) -> QuerySet[PoolMember]:
    qs = PoolMember.objects.select_related("user").filter(user__is_active=True)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("user__display_name", "user__username")


def absences_between(*, start: date, end: date, user_ids: Iterable[int] | None = None) -> QuerySet[Absence]:
    qs = Absence.objects.filter(start__lte=end, end__gte=start)
    if user_ids is not None:
        qs = qs.filter(user_id__in=list(user_ids))
    return qs


def absent_days_by_user(*, start: date, end: date) -> dict[int, set[date]]:
    result: dict[int, set[date]] = defaultdict(set)
    for absence in absences_between(start=start, end=end):
        day = max(absence.start, start)
        while day <= min(absence.end, end):
            result[absence.user_id].add(day)
            day += timedelta(days=1)
    return result


def user_is_absent(*, user: User, day: date) -> bool:
    return Absence.objects.filter(user=user, start__lte=day, end__gte=day).exists()


def eligible_users(*, day: date) -> list[User]:
    """Pool members who may hold a duty on ``day``: available that weekday, not absent."""
    absent = absent_days_by_user(start=day, end=day)
    return [
        member.user
        for member in pool_members()
        if member.available_on(day) and day not in absent.get(member.user_id, set())
    ]


def week_get(*, week_start: date) -> RosterWeek | None:
    return RosterWeek.objects.filter(week_start=week_start).first()


@dataclass(frozen=True)
class WeekGrid:
    week_start: date
    week: RosterWeek | None
    days: list[date]
    """Monday to Friday (and any other weekday with a window)."""
    cells: dict[tuple[date, str], Assignment]
    closed: dict[date, str]
    """Days in the week without a window, with the reason (holiday name, closing day, weekend)."""


def week_grid(*, week_start: date, cal: bh.SupportCalendar | None = None) -> WeekGrid:
    cal = cal or support_calendar()
    week = week_get(week_start=week_start)
    days = [week_start + timedelta(days=i) for i in range(7)]
    days = [d for d in days if d.weekday() in cal.windows or d.weekday() < 5]
    cells: dict[tuple[date, str], Assignment] = {}
    if week is not None:
        for a in week.assignments.select_related("duty", "user"):
            cells[(a.date, a.duty.code)] = a
    closed = {}
    for day in days:
        if not bh.is_support_day(cal, day):
            closed[day] = cal.holiday_name(day) or ("closing day" if day in cal.closing_days else "no window")
    return WeekGrid(week_start=week_start, week=week, days=days, cells=cells, closed=closed)


@dataclass(frozen=True)
class Holder:
    duty: Duty
    user: User | None
    published: bool


@dataclass(frozen=True)
class OnCall:
    at: datetime
    window: bh.Window | None
    holders: dict[str, Holder]
    """Duty code → holder on the day of ``at`` (published plans only)."""


def oncall_at(*, at: datetime, cal: bh.SupportCalendar | None = None) -> OnCall:
    """Who holds the duties in the window that contains ``at`` (published plans only)."""
    cal = cal or support_calendar()
    window = bh.window_at(cal, at)
    holders: dict[str, Holder] = {}
    if window is not None:
        for a in Assignment.objects.filter(date=window.date, week__status=WeekStatus.PUBLISHED).select_related(
            "duty", "user"
        ):
            holders[a.duty.code] = Holder(duty=a.duty, user=a.user, published=True)
    return OnCall(at=at, window=window, holders=holders)


def holders_on(*, day: date, published_only: bool = False) -> dict[str, Assignment]:
    qs = Assignment.objects.filter(date=day).select_related("duty", "user", "week")
    if published_only:
        qs = qs.filter(week__status=WeekStatus.PUBLISHED)
    return {a.duty.code: a for a in qs}


def roster_entries(*, start: date, end: date, user: User | None = None) -> QuerySet[Assignment]:
    qs = Assignment.objects.filter(date__gte=start, date__lte=end).select_related("duty", "user", "week")
    if user is not None:
        qs = qs.filter(user=user)
    return qs.order_by("date", "duty__order")


@dataclass
class FairnessRow:
    user: User
    counts: dict[str, int]
    weekdays: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def fairness_table(*, start: date, end: date) -> list[FairnessRow]:
    """Per pool member: duties held per duty and per weekday between ``start`` and ``end``."""
    rows = {
        m.user_id: FairnessRow(user=m.user, counts=defaultdict(int), weekdays=defaultdict(int)) for m in pool_members()
    }
    for user_id, day, code in Assignment.objects.filter(date__gte=start, date__lte=end, user__isnull=False).values_list(
        "user_id", "date", "duty__code"
    ):
        row = rows.get(user_id)
        if row is not None:
            row.counts[code] += 1
            row.weekdays[day.weekday()] += 1
    return sorted(rows.values(), key=lambda r: (-r.total, r.user.name))


def open_assignments(*, start: date, end: date) -> QuerySet[Assignment]:
    return Assignment.objects.filter(date__gte=start, date__lte=end, user__isnull=True).select_related("duty")


def feed_token_for(*, user: User | None) -> FeedToken | None:
    return FeedToken.objects.filter(user=user).first() if user else FeedToken.objects.filter(user__isnull=True).first()


def feed_token_resolve(*, token: str) -> FeedToken | None:
    return FeedToken.objects.select_related("user").filter(token=token).first()


# --- Absence cover (R6, R7) and swaps (R5) --------------------------------------------------------


@dataclass(frozen=True)
class AbsenceCover:
    absence: Absence
    uncovered: list[tuple[date, str]]
    """Duties of the absence still held by the absent person or open, by date and duty code."""

    @property
    def status(self) -> str:
        if self.uncovered:
            return AbsenceStatus.COVER_MISSING
        return AbsenceStatus.COVERED if self.absence.duties_hit else AbsenceStatus.CONFIRMED


def absences_cover(absences: Iterable[Absence]) -> list[AbsenceCover]:
    """The cover state of each absence, computed from the current plan (one query for the cells).

    A duty is uncovered while the absent person still holds it, or while a duty they held
    when the absence was entered is open. It is covered once someone else holds it.
    """
    absences = list(absences)
    if not absences:
        return []
    start, end = min(a.start for a in absences), max(a.end for a in absences)
    cells = list(Assignment.objects.filter(date__gte=start, date__lte=end).values_list("date", "duty__code", "user_id"))
    result = []
    for absence in absences:
        hit = {(date.fromisoformat(d), code) for d, code in absence.duties_hit}
        uncovered = sorted(
            (day, code)
            for day, code, user_id in cells
            if absence.start <= day <= absence.end
            and (user_id == absence.user_id or (user_id is None and (day, code) in hit))
        )
        result.append(AbsenceCover(absence=absence, uncovered=uncovered))
    return result


def absence_cover(absence: Absence) -> AbsenceCover:
    return absences_cover([absence])[0]


def absence_list(*, start: date | None = None, end: date | None = None, user: User | None = None) -> QuerySet[Absence]:
    qs = Absence.objects.select_related("user")
    if start is not None:
        qs = qs.filter(end__gte=start)
    if end is not None:
        qs = qs.filter(start__lte=end)
    if user is not None:
        qs = qs.filter(user=user)
    return qs.order_by("start", "user__username")


def absence_overlapping(*, user: User, start: date, end: date, exclude_pk: int | None = None) -> Absence | None:
    qs = Absence.objects.filter(user=user, start__lte=end, end__gte=start)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("start").first()


def duty_counts(*, start: date, end: date) -> dict[int, int]:
    """Duties per user between ``start`` and ``end`` (inclusive)."""
    counts: dict[int, int] = defaultdict(int)
    for user_id in Assignment.objects.filter(date__gte=start, date__lte=end, user__isnull=False).values_list(
        "user_id", flat=True
    ):
        counts[user_id] += 1
    return counts


def substitute_candidates(*, day: date, duty_code: str, exclude: Iterable[int] = ()) -> list[User]:
    """Who may take ``duty_code`` on ``day``, fairest first (R7).

    Eligible that day (pool, weekday, not absent), not on the day's other duty;
    ordered by fewest duties over the fairness horizon around the day, then by name.
    """
    excluded = set(exclude)
    others = set(
        Assignment.objects.filter(date=day, user__isnull=False)
        .exclude(duty__code=duty_code)
        .values_list("user_id", flat=True)
    )
    horizon = timedelta(weeks=roster_settings_get().fairness_horizon_weeks)
    counts = duty_counts(start=day - horizon, end=day + horizon)
    people = [u for u in eligible_users(day=day) if u.pk not in excluded and u.pk not in others]
    return sorted(people, key=lambda u: (counts.get(u.pk, 0), u.name, u.pk))


def swap_request_get(*, pk: int) -> SwapRequest | None:
    return SwapRequest.objects.select_related("requester", "candidate", "duty", "target_duty").filter(pk=pk).first()


def swap_request_by_token(*, token: str) -> SwapRequest | None:
    """For the one-click links in the notice; the token is the only credential there."""
    if not token:
        return None
    return (
        SwapRequest.objects.select_related("requester", "candidate", "duty", "target_duty").filter(token=token).first()
    )


def swap_requests_for(*, user: User, status: str | None = None) -> QuerySet[SwapRequest]:
    """Requests ``user`` may see: a coordinator all, anyone else those they made, were asked or may take."""
    qs = SwapRequest.objects.select_related("requester", "candidate", "duty", "target_duty", "decided_by")
    if not user.is_coordinator:
        qs = qs.filter(Q(requester=user) | Q(candidate=user) | Q(candidate__isnull=True) | Q(decided_by=user))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("date", "duty__order", "-created_at")


def open_swap_requests_for_cells(cells: Iterable[tuple[date, int]]) -> list[SwapRequest]:
    """Open requests that give away or ask for any of the cells (date, duty id)."""
    query = Q()
    for day, duty_id in cells:
        query |= Q(date=day, duty_id=duty_id) | Q(target_date=day, target_duty_id=duty_id)
    if not query:
        return []
    return list(SwapRequest.objects.filter(query, status=SwapStatus.OPEN))


# --- Reminders (R6, R7) and the working-time report (R8) -------------------------------------------


def absent_user_ids_on(*, day: date) -> set[int]:
    """Everyone absent on ``day`` (``user_list_coordinators(day=…)`` reads the same in its own query)."""
    return set(Absence.objects.filter(start__lte=day, end__gte=day).values_list("user_id", flat=True))


def uncovered_absence_duties_on(*, day: date) -> list[tuple[Absence, Assignment]]:
    """Duties on ``day`` that a planned absence (vacation or other) hits and nobody else has taken yet (R6).

    Sick reports are left out: they open their duties at once and the coordinator hears of
    them then (``duty_opened``) and again before the window (the open-duty notice).
    """
    absences = list(
        Absence.objects.select_related("user")
        .filter(start__lte=day, end__gte=day)
        .exclude(kind=AbsenceKind.SICK)
        .order_by("user__display_name", "user__username")
    )
    covers = [cover for cover in absences_cover(absences) if any(d == day for d, _code in cover.uncovered)]
    if not covers:
        return []
    cells = {a.duty.code: a for a in Assignment.objects.filter(date=day).select_related("duty", "user", "week")}
    result = [
        (cover.absence, cells[code]) for cover in covers for d, code in cover.uncovered if d == day and code in cells
    ]
    return sorted(result, key=lambda pair: (pair[1].duty.order, pair[1].duty.code, pair[0].user.name))


@dataclass(frozen=True)
class UnheldDuty:
    duty: Duty
    assignment: Assignment | None
    """The cell; None when the day has not been planned at all."""

    @property
    def published(self) -> bool:
        return self.assignment is not None and self.assignment.week.is_published


def unheld_duties_on(*, day: date) -> list[UnheldDuty]:
    """The duties of ``day`` that nobody knowingly holds: open, only in a draft, or not planned (R7).

    Agents see published plans only, so a holder in a draft does not know about the duty.
    """
    cells = {a.duty_id: a for a in Assignment.objects.filter(date=day).select_related("duty", "user", "week")}
    result = []
    for duty in duty_list():
        cell = cells.get(duty.pk)
        if cell is None or cell.user_id is None or not cell.week.is_published:
            result.append(UnheldDuty(duty=duty, assignment=cell))
    return result


def reminder_was_sent(*, kind: str, key: str, day: date) -> bool:
    return ReminderSent.objects.filter(kind=kind, key=key, date=day).exists()


def published_entries(*, start: date, end: date, user_ids: Iterable[int] | None = None) -> QuerySet[Assignment]:
    """Held cells of published weeks between ``start`` and ``end``: the basis of the report (R8)."""
    qs = Assignment.objects.filter(
        date__gte=start, date__lte=end, user__isnull=False, week__status=WeekStatus.PUBLISHED
    ).select_related("duty", "user")
    if user_ids is not None:
        qs = qs.filter(user_id__in=list(user_ids))
    return qs.order_by("date", "duty__order")


# --- change history of a published week -------------------------------------------------------


def week_changes(*, week: RosterWeek, limit: int = 50) -> QuerySet[AssignmentChange]:
    """Later changes to a published week, newest first: who, when, why (R9)."""
    return (
        AssignmentChange.objects.filter(week=week)
        .select_related("duty", "old_user", "new_user", "changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )


def _param_day(params: Mapping[str, object], key: str) -> str:
    """An ISO date of ``params`` as the active language writes it; ValueError if it is none."""
    return date_format(date.fromisoformat(str(params[key])), "SHORT_DATE_FORMAT")


def change_reason_text(change: AssignmentChange) -> str:
    """Why a cell changed, in the active language: "Krank gemeldet (07.12.2026–08.12.2026)".

    A note is the coordinator's own words, shown as written. Parameters that do not fit
    their code (hand-edited data) give the code's name rather than an error.
    """
    params: Mapping[str, object] = change.reason_params if isinstance(change.reason_params, dict) else {}
    try:
        match change.reason_code:
            case ChangeReason.NOTE:
                return change.reason
            case ChangeReason.SICK_REPORT:
                start, end = _param_day(params, "start"), _param_day(params, "end")
                if start == end:
                    return _("Reported sick (%(day)s)") % {"day": start}
                return _("Reported sick (%(start)s–%(end)s)") % {"start": start, "end": end}
            case ChangeReason.SWAP_ACCEPTED:
                return _("Swap accepted (request %(request)s)") % {"request": int(str(params["request"]))}
            case ChangeReason.TAKEOVER_ACCEPTED:
                return _("Takeover accepted (request %(request)s)") % {"request": int(str(params["request"]))}
    except (KeyError, ValueError):
        pass
    return str(change.get_reason_code_display()) or change.reason
