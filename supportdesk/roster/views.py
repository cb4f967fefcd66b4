"""HTML pages of the roster: today, week, month, my duties, team, calendar settings, feeds.

Views stay thin: parse the request, authorise, call one service (writes) or a
few selectors (reads), render. Domain errors become messages in the page.
Agents see published plans only; coordinators also see and edit drafts.
"""

import logging
import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails
from django_stubs_ext import StrOrPromise

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_active
from supportdesk.core.exceptions import DomainError
from supportdesk.core.templatetags.sd import weekday_short
from supportdesk.handover import selectors as handover_selectors
from supportdesk.roster import business_hours as bh
from supportdesk.roster import planning, selectors, services
from supportdesk.roster.exceptions import ReasonRequired
from supportdesk.roster.forms import (
    HOLIDAY_STATE_CHOICES,
    ICAL_MAX_BYTES,
    WEEKDAY_CHOICES,
    AbsenceForm,
    CellForm,
    ClosingDayForm,
    FeedRenewForm,
    IcalImportForm,
    PoolMemberForm,
    RequestDecisionForm,
    RosterSettingsForm,
    SickForm,
    SupportWindowForm,
    SwapRequestForm,
)
from supportdesk.roster.models import (
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Assignment,
    ClosingDay,
    Duty,
    PoolMember,
    RosterWeek,
    SupportWindow,
    SwapRequest,
    SwapStatus,
    WeekStatus,
)
from supportdesk.tickets import selectors as ticket_selectors

logger = logging.getLogger(__name__)

ROSTER_CHANGED = "roster-changed"
"""Client event after an in-place edit; the week's status and side panel reload on it."""

PROBLEM_REASONS = {
    planning.REASON_NOBODY_IN_POOL: gettext_lazy("nobody in the pool"),
    planning.REASON_ONE_IN_POOL: gettext_lazy("only 1 person in the pool; two different people are needed"),
    planning.REASON_NOBODY: gettext_lazy("nobody available"),
    planning.REASON_ONE: gettext_lazy("only 1 person available"),
}
"""The planner's reasons (plain English, stored on the week) as the page shows them."""


# --- helpers ------------------------------------------------------------------


class Request(HttpRequest):
    """A request as the middleware shapes it; ``login_required`` guarantees a real user."""

    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def _forbidden(request: Request) -> HttpResponse:
    return render(request, "roster/forbidden.html", status=403)


def _monday_of(year: int, week: int) -> date:
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise Http404("no such ISO week") from exc


def _week_url(monday: date) -> str:
    iso = monday.isocalendar()
    return reverse("roster:week_of", args=[iso.year, iso.week])


def _redirect(request: Request, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _error_text(exc: DomainError) -> str:
    """The user-facing text of a domain error, translated where the type says enough."""
    if isinstance(exc, ReasonRequired):
        return _("A change to a published plan needs a reason.")
    return domain_message(exc.message)


def tel_uri(number: str) -> str:
    """``tel:`` URI of a number as people type it (``0941 555-0100`` → ``tel:+499415550100``)."""
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return "tel:" + "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _closing_names(start: date, end: date) -> dict[date, str]:
    """Names of company closing days in a range (no selector for it yet)."""
    return {c.date: c.name for c in ClosingDay.objects.filter(date__gte=start, date__lte=end)}


def _closed_reason(cal: bh.SupportCalendar, day: date, closing: dict[date, str]) -> str:
    """Why ``day`` has no support window, or "" if it has one."""
    if bh.is_support_day(cal, day):
        return ""
    if day in cal.closing_days:
        return closing.get(day) or _("company closing day")
    holiday = cal.holiday_name(day)
    if holiday:
        return holiday
    if day.weekday() >= 5:
        return _("weekend")
    return _("no support window on this weekday")


def _holder_visible(user: User, assignment: Assignment | None) -> bool:
    """Agents see holders of published weeks only; coordinators see drafts too."""
    return assignment is not None and (user.is_coordinator or assignment.week.is_published)


@dataclass
class Contact:
    """A holder with the number callers need for the duty (R10, R16)."""

    duty: Duty
    user: User | None
    number: str = ""
    tel: str = ""
    is_substitute: bool = False
    planned: bool = False
    """An assignment exists: without a holder the duty is open, without one it is not planned yet."""

    @classmethod
    def of(cls, duty: Duty, assignment: Assignment | None) -> "Contact":
        user = assignment.user if assignment else None
        number = getattr(user, duty.contact_field, "") if user else ""
        return cls(
            duty=duty,
            user=user,
            number=number,
            tel=tel_uri(number) if number else "",
            is_substitute=bool(assignment and assignment.is_substitute),
            planned=assignment is not None,
        )


# --- today --------------------------------------------------------------------


@dataclass
class DayCard:
    day: date
    label: str
    start: time | None
    end: time | None
    closed: str
    contacts: list[Contact]
    planned: bool
    """A published plan covers the day."""

    @property
    def open_duties(self) -> list[Duty]:
        return [c.duty for c in self.contacts if c.user is None] if not self.closed else []


def _day_card(cal: bh.SupportCalendar, day: date, label: str, duties: list[Duty], closing: dict[date, str]) -> DayCard:
    window = bh.window_on(cal, day)
    holders = selectors.holders_on(day=day, published_only=True) if window else {}
    return DayCard(
        day=day,
        label=label,
        start=window.start.time() if window else None,
        end=window.end.time() if window else None,
        closed=_closed_reason(cal, day, closing),
        contacts=[Contact.of(duty, holders.get(duty.code)) for duty in duties] if window else [],
        planned=bool(holders),
    )


@login_required
@require_GET
def today(request: Request) -> HttpResponse:
    cal = selectors.support_calendar()
    duties = selectors.duty_list()
    day = selectors.today()
    tomorrow = day + timedelta(days=1)
    closing = _closing_names(day, day + timedelta(days=31))
    cards = [_day_card(cal, day, _("Today"), duties, closing), _day_card(cal, tomorrow, _("Tomorrow"), duties, closing)]
    if cards[1].closed:
        following = next(bh.support_days(cal, tomorrow, tomorrow + timedelta(days=30)), None)
        if following is not None:
            cards.append(_day_card(cal, following, _("Next support day"), duties, closing))
    now = timezone.localtime(timezone.now(), cal.tz)
    window = bh.window_on(cal, day)
    offers = _open_offers_for_cells((day, duty.pk) for duty in cards[0].open_duties)
    in_window = bool(window and window.contains(now))
    context: dict[str, object] = {
        "cards": cards,
        "today": cards[0],
        "in_window": in_window,
        "open_today": [{"duty": duty, "offer": offers.get((day, duty.pk))} for duty in cards[0].open_duties],
        # The day's other turning points come from the tickets app (R11, R13).
        "prio1_cases": ticket_selectors.prio1_cases_open(),
        "intake": ticket_selectors.intake_check_current(now) if in_window else None,
        "show_intake": in_window,
        "day_status": handover_selectors.day_status(now=timezone.now()),
    }
    if request.user.is_coordinator:
        context.update(_coordinator_boxes(day))
    return render(request, "roster/today.html", context)


COORDINATOR_HORIZON_DAYS = 14


def _coordinator_boxes(day: date) -> dict[str, object]:
    """Open duties in the next two weeks (with their offers) and vacations still missing cover."""
    end = day + timedelta(days=COORDINATOR_HORIZON_DAYS)
    cells = list(selectors.open_assignments(start=day, end=end).select_related("week").order_by("date", "duty__order"))
    offers = _open_offers_for_cells((c.date, c.duty_id) for c in cells)
    vacations = selectors.absence_list(start=day).filter(kind=AbsenceKind.VACATION)
    missing = [row for row in _absence_rows(vacations, _duty_names()) if row.status == AbsenceStatus.COVER_MISSING]
    return {
        "coordinator_boxes": True,
        "open_cells": [
            {"cell": c, "offer": offers.get((c.date, c.duty_id)), "week_url": _week_url(bh.week_start(c.date))}
            for c in cells
        ],
        "cover_missing": missing,
        "horizon_days": COORDINATOR_HORIZON_DAYS,
    }


# --- week ---------------------------------------------------------------------


@dataclass
class CellView:
    day: date
    duty: Duty
    assignment: Assignment | None
    visible: bool
    edit_url: str
    editable: bool
    form: CellForm | None = None
    error: str = ""
    ask_url: str = ""
    """Set on the viewer's own future cells of a published week: ask for a swap or takeover."""

    @property
    def dom_id(self) -> str:
        return f"cell-{self.day:%Y%m%d}-{self.duty.code}"

    @property
    def user(self) -> User | None:
        return self.assignment.user if self.assignment and self.visible else None

    @property
    def is_open(self) -> bool:
        return self.visible and self.user is None


@dataclass
class DayRow:
    day: date
    closed: str
    cells: list[CellView]
    is_today: bool = False

    @property
    def dom_id(self) -> str:
        return f"day-{self.day:%Y%m%d}"


@dataclass
class WeekPage:
    monday: date
    week: RosterWeek | None
    rows: list[DayRow]
    duties: list[Duty]
    can_edit: bool
    holders_visible: bool
    problems: list[dict[str, object]] = field(default_factory=list)
    open_count: int = 0

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def iso(self) -> tuple[int, int]:
        iso = self.monday.isocalendar()
        return iso.year, iso.week

    @property
    def has_cells(self) -> bool:
        return any(c.assignment for r in self.rows for c in r.cells)


def _week_page(user: User, monday: date, cal: bh.SupportCalendar, duties: list[Duty]) -> WeekPage:
    grid = selectors.week_grid(week_start=monday, cal=cal)
    week = grid.week
    holders_visible = user.is_coordinator or bool(week and week.is_published)
    closing = _closing_names(monday, monday + timedelta(days=6)) if grid.closed else {}
    iso = monday.isocalendar()
    today = selectors.today()
    rows = []
    for day in grid.days:
        closed = _closed_reason(cal, day, closing) if day in grid.closed else ""
        cells = [
            CellView(
                day=day,
                duty=duty,
                assignment=grid.cells.get((day, duty.code)),
                visible=holders_visible,
                edit_url=reverse("roster:cell_edit", args=[iso.year, iso.week, day.isoformat(), duty.code]),
                editable=user.is_coordinator and not closed,
            )
            for duty in duties
        ]
        if week is not None and week.is_published and day >= today and not closed:
            for cell in cells:
                if cell.assignment is not None and cell.assignment.user_id == user.pk:
                    cell.ask_url = _ask_url(day, cell.duty.code)
        rows.append(DayRow(day=day, closed=closed, cells=cells, is_today=day == today))
    page = WeekPage(
        monday=monday,
        week=week,
        rows=rows,
        duties=duties,
        can_edit=user.is_coordinator,
        holders_visible=holders_visible,
    )
    if week is not None and holders_visible:
        names = {d.code: d for d in duties}
        open_cells = {(c.day, c.duty.code) for r in rows if not r.closed for c in r.cells if c.is_open}
        page.open_count = len(open_cells)
        # week.problems is written when the draft is generated; show only what is still open.
        for problem in week.problems:
            try:
                day = date.fromisoformat(str(problem.get("date")))
            except ValueError:
                continue
            code = str(problem.get("duty", ""))
            if (day, code) in open_cells:
                reason = str(problem.get("reason", ""))
                page.problems.append(
                    {"date": day, "duty": names.get(code, code), "reason": PROBLEM_REASONS.get(reason, reason)}
                )
    return page


def _fairness(monday: date) -> dict[str, object]:
    cfg = selectors.roster_settings_get()
    end = monday + timedelta(days=6)
    start = end - timedelta(weeks=cfg.fairness_horizon_weeks) + timedelta(days=1)
    rows = selectors.fairness_table(start=start, end=end)
    return {
        "fairness": [
            {
                "user": row.user,
                "phone": row.counts.get(Duty.PHONE_DUTY, 0),
                "standby": row.counts.get(Duty.TECHNICAL_STANDBY, 0),
                "total": row.total,
                "weekdays": [row.weekdays.get(i, 0) for i in range(5)],
            }
            for row in rows
        ],
        "fairness_start": start,
        "fairness_end": end,
        "fairness_weeks": cfg.fairness_horizon_weeks,
        "weekday_labels": [label for _n, label in WEEKDAY_CHOICES[:5]],
    }


def _week_context(user: User, monday: date) -> dict[str, object]:
    cal = selectors.support_calendar()
    page = _week_page(user, monday, cal, selectors.duty_list())
    context: dict[str, object] = {
        "page": page,
        "prev_url": _week_url(monday - timedelta(weeks=1)),
        "next_url": _week_url(monday + timedelta(weeks=1)),
        "this_week_url": _week_url(bh.week_start(selectors.today())),
        "week_url": _week_url(monday),
    }
    if user.is_coordinator:
        context.update(_fairness(monday))
    if page.week is not None and page.week.is_published:
        context["changes"] = list(selectors.week_changes(week=page.week))
    return context


@login_required
@require_GET
def week(request: Request, year: int | None = None, week: int | None = None) -> HttpResponse:
    monday = bh.week_start(selectors.today()) if year is None or week is None else _monday_of(year, week)
    context = _week_context(request.user, monday)
    if request.htmx and request.htmx.target in {"week-status", "week-side"}:
        return render(request, f"roster/week.html#{request.htmx.target}", context)
    return render(request, "roster/week.html", context)


@login_required
@require_POST
def week_generate(request: Request, year: int, week: int) -> HttpResponse:
    monday = _monday_of(year, week)
    if not request.user.is_coordinator:
        return _forbidden(request)
    try:
        report = services.plan_generate(actor=request.user, start=monday, end=monday + timedelta(days=6))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return _redirect(request, _week_url(monday))
    for skipped in report.skipped_published:
        messages.warning(
            request,
            _("Week %(week)s is published and was left as it is; change it cell by cell.")
            % {"week": skipped.isocalendar().week},
        )
    if report.weeks:
        if report.problems:
            messages.warning(
                request,
                ngettext(
                    "Draft generated. %(count)d duty could not be filled; see the problems below.",
                    "Draft generated. %(count)d duties could not be filled; see the problems below.",
                    len(report.problems),
                )
                % {"count": len(report.problems)},
            )
        else:
            messages.success(request, _("Draft generated. Every duty is filled."))
    return _redirect(request, _week_url(monday))


@login_required
@require_POST
def week_publish(request: Request, year: int, week: int) -> HttpResponse:
    monday = _monday_of(year, week)
    if not request.user.is_coordinator:
        return _forbidden(request)
    roster_week = selectors.week_get(week_start=monday)
    if roster_week is None:
        messages.error(request, _("There is nothing to publish yet: generate a draft first."))
    elif roster_week.is_published:
        messages.info(request, _("This week is already published."))
    else:
        try:
            published = services.week_publish(actor=request.user, week=roster_week)
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("Week %(week)s is published as version %(version)s. Everyone on it gets a notice.")
                % {"week": monday.isocalendar().week, "version": published.version},
            )
    return _redirect(request, _week_url(monday))


def _parse_cell(year: int, week: int, day: str, duty_code: str) -> tuple[date, date, Duty]:
    monday = _monday_of(year, week)
    try:
        cell_day = date.fromisoformat(day)
    except ValueError as exc:
        raise Http404("bad date") from exc
    if bh.week_start(cell_day) != monday:
        raise Http404("day not in that week")
    duty = next((d for d in selectors.duty_list() if d.code == duty_code), None)
    if duty is None:
        raise Http404("no such duty")
    return monday, cell_day, duty


def _cell_form(cell: CellView, current: User | None, published: bool, data: object = None) -> CellForm:
    eligible = selectors.eligible_users(day=cell.day)
    if current is not None and current not in eligible:
        # Keep the current holder selectable, so saving the other field does not silently drop them.
        eligible = [current, *eligible]
    return CellForm(
        data,  # type: ignore[arg-type]
        eligible=eligible,
        published=published,
        initial={"user": str(current.pk) if current else ""},
        auto_id=f"{cell.dom_id}-%s",
    )


@login_required
@require_http_methods(["GET", "POST"])
def cell_edit(request: Request, year: int, week: int, day: str, duty: str) -> HttpResponse:
    """In-place edit of one cell: GET the form (or ``?cancel``), POST the change."""
    monday, cell_day, cell_duty = _parse_cell(year, week, day, duty)
    if not request.user.is_coordinator:
        return _forbidden(request)
    context = _week_context(request.user, monday)
    page: WeekPage = context["page"]  # type: ignore[assignment]
    row = next((r for r in page.rows if r.day == cell_day), None)
    if row is None or row.closed:
        messages.error(request, _("%(day)s has no support window.") % {"day": cell_day.strftime("%d.%m.%Y")})
        return _redirect(request, _week_url(monday))
    cell = next(c for c in row.cells if c.duty.code == cell_duty.code)
    published = bool(page.week and page.week.is_published)
    current = cell.assignment.user if cell.assignment else None

    if request.method == "GET":
        if "cancel" not in request.GET:
            cell.form = _cell_form(cell, current, published)
        context.update(cell=cell, row=row)
        return render(request, "roster/week.html#cell" if request.htmx else "roster/week.html", context)

    form = _cell_form(cell, current, published, data=request.POST)
    if form.is_valid():
        try:
            services.assignment_set(
                actor=request.user,
                day=cell_day,
                duty=cell_duty,
                user=form.cleaned_data["user"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            cell.error = _error_text(exc)
        else:
            if not request.htmx:
                messages.success(request, _("The roster was changed."))
                return redirect(_week_url(monday))
            context = _week_context(request.user, monday)
            page = context["page"]  # type: ignore[assignment]
            context["row"] = next(r for r in page.rows if r.day == cell_day)
            return trigger_client_event(render(request, "roster/week.html#row", context), ROSTER_CHANGED)
    else:
        cell.error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        messages.error(request, cell.error)
        return redirect(_week_url(monday))
    cell.form = form
    context["row"] = row
    return render(request, "roster/week.html#row", context)


# --- month --------------------------------------------------------------------


@dataclass
class MonthDay:
    day: date
    in_month: bool
    closed: str
    contacts: list[Contact]
    draft: bool = False
    is_today: bool = False


@login_required
@require_GET
def month(request: Request, year: int | None = None, month: int | None = None) -> HttpResponse:
    today = selectors.today()
    if year is None or month is None:
        year, month = today.year, today.month
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404("no such month")
    first = date(year, month, 1)
    last = date(year, month, monthrange(year, month)[1])
    start, end = bh.week_start(first), bh.week_start(last) + timedelta(days=6)
    cal = selectors.support_calendar()
    duties = selectors.duty_list()
    closing = _closing_names(start, end)
    by_day: dict[date, dict[str, Assignment]] = {}
    for a in selectors.roster_entries(start=start, end=end):
        if _holder_visible(request.user, a):
            by_day.setdefault(a.date, {})[a.duty.code] = a
    weekdays = [d for d in range(7) if d < 5 or d in cal.windows]
    weeks = []
    monday = start
    while monday <= end:
        days = []
        for offset in weekdays:
            day = monday + timedelta(days=offset)
            held = by_day.get(day, {})
            closed = _closed_reason(cal, day, closing)
            days.append(
                MonthDay(
                    day=day,
                    in_month=day.month == month,
                    closed=closed,
                    contacts=[] if closed else [Contact.of(duty, held.get(duty.code)) for duty in duties],
                    draft=any(not a.week.is_published for a in held.values()),
                    is_today=day == today,
                )
            )
        weeks.append({"monday": monday, "url": _week_url(monday), "days": days})
        monday += timedelta(weeks=1)
    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = last + timedelta(days=1)
    return render(
        request,
        "roster/month.html",
        {
            "first": first,
            "weeks": weeks,
            "weekday_labels": [WEEKDAY_CHOICES[d][1] for d in weekdays],
            "duties": duties,
            "prev_url": reverse("roster:month_of", args=[prev_first.year, prev_first.month]),
            "next_url": reverse("roster:month_of", args=[next_first.year, next_first.month]),
            "this_month_url": reverse("roster:month"),
        },
    )


# --- my duties ----------------------------------------------------------------


@dataclass
class MyDuty:
    assignment: Assignment
    partner: Contact | None
    start: time | None
    end: time | None
    ask_url: str = ""

    @property
    def draft(self) -> bool:
        return not self.assignment.week.is_published


@login_required
@require_GET
def my_duties(request: Request) -> HttpResponse:
    today = selectors.today()
    start, end = today - timedelta(weeks=4), today + timedelta(weeks=8)
    cal = selectors.support_calendar()
    entries = [a for a in selectors.roster_entries(start=start, end=end) if _holder_visible(request.user, a)]
    by_day: dict[date, list[Assignment]] = {}
    for a in entries:
        by_day.setdefault(a.date, []).append(a)
    upcoming: list[MyDuty] = []
    past: list[MyDuty] = []
    for a in entries:
        if a.user_id != request.user.pk:
            continue
        other = next((o for o in by_day[a.date] if o.pk != a.pk), None)
        window = bh.window_on(cal, a.date)
        item = MyDuty(
            assignment=a,
            partner=Contact.of(other.duty, other) if other else None,
            start=window.start.time() if window else None,
            end=window.end.time() if window else None,
            ask_url=_ask_url(a.date, a.duty.code) if a.date >= today and a.week.is_published else "",
        )
        (upcoming if a.date >= today else past).append(item)
    past.reverse()
    return render(
        request,
        "roster/my_duties.html",
        {"upcoming": upcoming, "past": past, "today": today, "feeds_url": reverse("roster:feeds")},
    )


# --- team ---------------------------------------------------------------------


@dataclass
class TeamRow:
    user: User
    membership: PoolMember | None
    form: PoolMemberForm | None = None

    @property
    def dom_id(self) -> str:
        return f"member-{self.user.pk}"

    @property
    def in_pool(self) -> bool:
        return bool(self.membership and self.membership.active)


def _team_rows() -> list[TeamRow]:
    members = {m.user_id: m for m in selectors.pool_members(active_only=False)}
    return [TeamRow(user=u, membership=members.get(u.pk)) for u in user_list_active()]


def _team_context(rows: list[TeamRow]) -> dict[str, object]:
    return {"rows": rows, "pool_count": sum(r.in_pool for r in rows), "weekday_labels": WEEKDAY_CHOICES[:5]}


@login_required
@require_GET
def team(request: Request) -> HttpResponse:
    return render(request, "roster/team.html", _team_context(_team_rows()))


@login_required
@require_http_methods(["GET", "POST"])
def pool_member_edit(request: Request, user_id: int) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    rows = _team_rows()
    row = next((r for r in rows if r.user.pk == user_id), None)
    if row is None:
        raise Http404("no such active user")
    context = {**_team_context(rows), "row": row}
    membership = row.membership
    if request.method == "GET":
        if "cancel" not in request.GET:
            row.form = PoolMemberForm(
                initial={
                    "weekdays": membership.weekdays if membership else [0, 1, 2, 3, 4],
                    "active": membership.active if membership else True,
                }
            )
        return render(request, "roster/team.html#member" if request.htmx else "roster/team.html", context)
    form = PoolMemberForm(request.POST)
    if form.is_valid():
        try:
            row.membership = services.pool_member_set(
                actor=request.user,
                user=row.user,
                weekdays=form.cleaned_data["weekdays"],
                active=form.cleaned_data["active"],
            )
        except DomainError as exc:
            messages.error(request, _error_text(exc))
            row.form = form
        else:
            if not request.htmx:
                messages.success(request, _("%(name)s was saved.") % {"name": row.user.name})
                return redirect("roster:team")
    else:
        row.form = form
    if not request.htmx:
        return render(request, "roster/team.html", context)
    return render(request, "roster/team.html#member", context)


# --- support calendar settings --------------------------------------------------


def _window_forms(data: object = None) -> list[tuple[StrOrPromise, SupportWindowForm]]:
    existing = {w.weekday: w for w in SupportWindow.objects.all()}
    forms: list[tuple[StrOrPromise, SupportWindowForm]] = []
    for weekday, label in WEEKDAY_CHOICES:
        window = existing.get(weekday)
        initial = {
            "active": window.active if window else False,
            "start": window.start if window else bh.DEFAULT_WINDOW[0],
            "end": window.end if window else bh.DEFAULT_WINDOW[1],
        }
        forms.append((label, SupportWindowForm(data, prefix=f"w{weekday}", initial=initial)))  # type: ignore[arg-type]
    return forms


def _next_holidays(cal: bh.SupportCalendar, start: date, count: int = 8) -> list[tuple[date, str]]:
    result: list[tuple[date, str]] = []
    day = start
    while len(result) < count and day < start + timedelta(days=400):
        name = cal.holiday_name(day)
        if name:
            result.append((day, name))
        day += timedelta(days=1)
    return result


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: Request) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    cfg = selectors.roster_settings_get()
    windows = _window_forms()
    settings_form = RosterSettingsForm(initial=RosterSettingsForm.initial_from(cfg))
    if request.method == "POST":
        try:
            if request.POST.get("form") == "windows":
                windows = _window_forms(request.POST)
                if all(form.is_valid() for _label, form in windows):
                    for weekday, (_label, form) in enumerate(windows):
                        services.support_window_set(actor=request.user, weekday=weekday, **form.cleaned_data)
                    messages.success(request, _("The support windows were saved."))
                    return redirect("roster:calendar_settings")
            else:
                settings_form = RosterSettingsForm(request.POST)
                if settings_form.is_valid():
                    services.roster_settings_update(actor=request.user, **settings_form.cleaned_data)
                    messages.success(request, _("The settings were saved."))
                    return redirect("roster:calendar_settings")
        except DomainError as exc:
            messages.error(request, _error_text(exc))
    cal = selectors.support_calendar()
    today = selectors.today()
    return render(
        request,
        "roster/calendar_settings.html",
        {
            "windows": windows,
            "settings_form": settings_form,
            "closing_days": ClosingDay.objects.filter(date__gte=today - timedelta(days=31)),
            "closing_form": ClosingDayForm(),
            "holidays": _next_holidays(cal, today),
            "holiday_state": dict(HOLIDAY_STATE_CHOICES).get(cal.holiday_state, cal.holiday_state),
        },
    )


@login_required
@require_POST
def closing_day_add(request: Request) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    form = ClosingDayForm(request.POST)
    if form.is_valid():
        try:
            services.closing_day_add(actor=request.user, day=form.cleaned_data["date"], name=form.cleaned_data["name"])
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The closing day was saved."))
    else:
        messages.error(request, _("Please enter a valid date."))
    return redirect("roster:calendar_settings")


@login_required
@require_POST
def closing_day_delete(request: Request, pk: int) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    closing = ClosingDay.objects.filter(pk=pk).first()
    if closing is None:
        raise Http404("no such closing day")
    try:
        services.closing_day_remove(actor=request.user, closing_day=closing)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The closing day was removed."))
    return redirect("roster:calendar_settings")


# --- feeds --------------------------------------------------------------------


def _feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("roster:calendar_feed", args=[token])


def _webcal(url: str) -> str:
    """The same feed as a ``webcal://`` link, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


@login_required
@require_GET
def feeds(request: Request) -> HttpResponse:
    personal = services.feed_token_ensure(user=request.user)
    team = services.feed_token_ensure(user=None) if request.user.is_coordinator else None
    personal_url = _feed_url(personal.token)
    team_url = _feed_url(team.token) if team else ""
    return render(
        request,
        "roster/feeds.html",
        {
            "personal_url": personal_url,
            "personal_webcal": _webcal(personal_url),
            "team_url": team_url,
            "team_webcal": _webcal(team_url) if team_url else "",
        },
    )


@login_required
@require_POST
def feed_renew(request: Request) -> HttpResponse:
    form = FeedRenewForm(request.POST)
    team = form.is_valid() and form.cleaned_data["scope"] == "team"
    if team and not request.user.is_coordinator:
        return _forbidden(request)
    try:
        services.feed_token_renew(actor=request.user, team=team)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("The team feed has a new address; the old one no longer works.")
            if team
            else _("Your feed has a new address; the old one no longer works."),
        )
    return _redirect(request, reverse("roster:feeds"))


# --- plan changes: domain messages ----------------------------------------------

_DAY = r"(?P<day>\d\d\.\d\d\.\d{4})"
DOMAIN_MESSAGES: list[tuple[re.Pattern[str], StrOrPromise]] = [
    (re.compile(pattern), text)
    for pattern, text in [
        (r"^(?P<name>.+) is not in the afternoon pool\.$", gettext_lazy("%(name)s is not in the afternoon pool.")),
        (r"^(?P<name>.+) does not work on that weekday\.$", gettext_lazy("%(name)s does not work on that weekday.")),
        (rf"^(?P<name>.+) is absent on {_DAY}\.$", gettext_lazy("%(name)s is absent on %(day)s.")),
        (
            rf"^(?P<name>.+) already holds the other duty on {_DAY}\.$",
            gettext_lazy("%(name)s already holds the other duty on %(day)s."),
        ),
        (rf"^{_DAY} has no support window\.$", gettext_lazy("%(day)s has no support window.")),
        (
            rf"^{_DAY} has passed; the request has expired\.$",
            gettext_lazy("%(day)s has passed; the request has expired."),
        ),
        (rf"^You do not hold (?P<duty>.+) on {_DAY}\.$", gettext_lazy("You do not hold %(duty)s on %(day)s.")),
        (r"^You cannot ask yourself\.$", gettext_lazy("You cannot ask yourself.")),
        (
            r"^A swap needs the duty you take in return \(target date and duty\)\.$",
            gettext_lazy("A swap needs the colleague's duty you take in return."),
        ),
        (
            rf"^Nobody holds (?P<duty>.+) on {_DAY} to swap with\.$",
            gettext_lazy("Nobody holds %(duty)s on %(day)s to swap with."),
        ),
        (
            rf"^(?P<duty>.+) on {_DAY} is held by (?P<name>.+)\.$",
            gettext_lazy("%(duty)s on %(day)s is held by %(name)s."),
        ),
        (r"^You cannot swap with yourself\.$", gettext_lazy("You cannot swap with yourself.")),
        (
            rf"^There is already an open request for (?P<duty>.+) on {_DAY}; withdraw it first\.$",
            gettext_lazy("There is already an open request for %(duty)s on %(day)s; withdraw it first."),
        ),
        (r"^This link is not valid\.$", gettext_lazy("This link is not valid.")),
        (
            r"^This request is no longer open \((?P<status>.+)\)\.$",
            gettext_lazy("This request is no longer open (%(status)s)."),
        ),
        (r"^You cannot accept your own request\.$", gettext_lazy("You cannot accept your own request.")),
        (r"^This request is addressed to (?P<name>.+)\.$", gettext_lazy("This request is addressed to %(name)s.")),
        (r"^The duty is no longer in the plan\.$", gettext_lazy("The duty is no longer in the plan.")),
        (
            rf"^(?P<duty>.+) on {_DAY} has been taken already\.$",
            gettext_lazy("%(duty)s on %(day)s has been taken already."),
        ),
        (
            rf"^(?P<duty>.+) on {_DAY} has changed hands since the request\.$",
            gettext_lazy("%(duty)s on %(day)s has changed hands since the request."),
        ),
        (
            r"^You no longer hold the duty offered in exchange\.$",
            gettext_lazy("You no longer hold the duty offered in exchange."),
        ),
        (
            r"^Only the requester or a coordinator may withdraw a request\.$",
            gettext_lazy("Only the requester or a coordinator may withdraw a request."),
        ),
        (
            r"^Only the person or a coordinator may enter an absence\.$",
            gettext_lazy("Only the person or a coordinator may enter an absence."),
        ),
        (
            r"^Only the person or a coordinator may change an absence\.$",
            gettext_lazy("Only the person or a coordinator may change an absence."),
        ),
        (r"^Only a coordinator may change the roster\.$", gettext_lazy("Only a coordinator may change the roster.")),
        (
            r"^The absence ends \((?P<end>[\d.]+)\) before it starts \((?P<start>[\d.]+)\)\.$",
            gettext_lazy("The absence ends (%(end)s) before it starts (%(start)s)."),
        ),
        (
            r"^An absence may last at most (?P<days>\d+) days\.$",
            gettext_lazy("An absence may last at most %(days)s days."),
        ),
        (
            r"^(?P<name>.+) is already absent from (?P<start>[\d.]+) to (?P<end>[\d.]+); "
            r"absences of one person may not overlap\.$",
            gettext_lazy(
                "%(name)s is already absent from %(start)s to %(end)s; absences of one person may not overlap."
            ),
        ),
        (
            r"^The file is not an iCalendar file \(it must start with BEGIN:VCALENDAR\)\.$",
            gettext_lazy("The file is not an iCalendar file (it must start with BEGIN:VCALENDAR)."),
        ),
        (
            r"^The iCalendar file cannot be read: (?P<detail>.*)$",
            gettext_lazy("The iCalendar file cannot be read: %(detail)s"),
        ),
        (rf"^(?P<duty>.+) on {_DAY} is not open\.$", gettext_lazy("%(duty)s on %(day)s is not open.")),
        (rf"^(?P<duty>.+) on {_DAY} is already offered\.$", gettext_lazy("%(duty)s on %(day)s is already offered.")),
        (
            r"^A change to a published plan needs a reason\.$",
            gettext_lazy("A change to a published plan needs a reason."),
        ),
        # The calendar import's reasons for not importing an event.
        (r"^event without UID$", gettext_lazy("event without UID")),
        (r"^event without DTSTART$", gettext_lazy("event without a start")),
        (r"^not an all-day event$", gettext_lazy("not an all-day event")),
        (r"^event ends before it starts$", gettext_lazy("event ends before it starts")),
        (r"^repeating events are not imported$", gettext_lazy("repeating events are not imported")),
        (r"^no user with that mail$", gettext_lazy("no user with that mail address")),
        (r"^unreadable: (?P<detail>.*)$", gettext_lazy("unreadable: %(detail)s")),
    ]
]
"""The services' plain-English messages (with names and dates in them) as the pages show them."""


def domain_message(text: str) -> str:
    """``text`` from a service translated into the user's language, or as it is if unknown."""
    for pattern, translated in DOMAIN_MESSAGES:
        match = pattern.match(text)
        if match:
            return str(translated) % match.groupdict() if match.groupdict() else str(translated)
    return _(text)


# --- plan changes: shared reads ---------------------------------------------------


def requests_to_me(user: User, requests: Iterable[SwapRequest]) -> list[SwapRequest]:
    """Open requests ``user`` can answer: addressed to them, or to everyone with them among those asked."""
    today = selectors.today()
    return [
        r
        for r in requests
        if r.is_open
        and r.date >= today
        and r.requester_id != user.pk
        and (
            r.candidate_id == user.pk
            or (r.candidate_id is None and user.pk in r.offered_to and user.pk not in r.declined_by)
        )
    ]


def requests_to_me_count(user: User) -> int:
    """For the badge in the navigation: one query over the open requests that may concern ``user``."""
    candidates = (
        SwapRequest.objects.filter(status=SwapStatus.OPEN, date__gte=selectors.today())
        .filter(Q(candidate=user) | Q(candidate__isnull=True))
        .exclude(requester=user)
        .only("pk", "status", "date", "requester_id", "candidate_id", "offered_to", "declined_by")
    )
    return len(requests_to_me(user, candidates))


def _open_offers_for_cells(cells: Iterable[tuple[date, int]]) -> dict[tuple[date, int], SwapRequest]:
    """Open requests for the given cells by (date, duty id); a small read the selectors lack."""
    found = selectors.open_swap_requests_for_cells(cells)
    return {(r.date, r.duty_id): r for r in found}


def _people_for(user: User) -> list[User] | None:
    """Whom ``user`` may enter absences for: a coordinator anyone active, others only themselves (None)."""
    return list(user_list_active()) if user.is_coordinator else None


def _duty_names() -> dict[str, Duty]:
    return {d.code: d for d in selectors.duty_list()}


@dataclass
class AbsenceRow:
    cover: selectors.AbsenceCover
    uncovered: list[tuple[date, Duty | str]]
    hit: int

    @property
    def absence(self) -> Absence:
        return self.cover.absence

    @property
    def status(self) -> str:
        return self.cover.status

    @property
    def status_label(self) -> str:
        return str(AbsenceStatus(self.cover.status).label)


def _absence_rows(absences: Iterable[Absence], duties: dict[str, Duty]) -> list[AbsenceRow]:
    return [
        AbsenceRow(
            cover=cover,
            uncovered=[(day, duties.get(code, code)) for day, code in cover.uncovered],
            hit=len(cover.absence.duties_hit),
        )
        for cover in selectors.absences_cover(absences)
    ]


# --- absences -------------------------------------------------------------------


def _absences_context(request: Request, form: AbsenceForm) -> dict[str, object]:
    user = request.user
    today = selectors.today()
    duties = _duty_names()
    mine = _absence_rows(selectors.absence_list(user=user, start=today - timedelta(days=90)), duties)
    context: dict[str, object] = {"form": form, "mine": mine, "today": today}
    if user.is_coordinator:
        cover_filter = request.GET.get("cover", "")
        team = _absence_rows(selectors.absence_list(start=today - timedelta(days=14)), duties)
        if cover_filter == "missing":
            team = [row for row in team if row.status == AbsenceStatus.COVER_MISSING]
        context.update(team=team, cover_filter=cover_filter)
    return context


def _cover_message(row: AbsenceRow) -> str:
    if row.status == AbsenceStatus.CONFIRMED:
        return _("The absence is entered and confirmed: it hits none of your duties.")
    if row.status == AbsenceStatus.COVERED:
        return _("The absence is entered; all duties it hits are covered.")
    return ngettext(
        "The absence is entered, but %(count)d duty is still uncovered: ask a colleague to take it.",
        "The absence is entered, but %(count)d duties are still uncovered: ask colleagues to take them.",
        len(row.uncovered),
    ) % {"count": len(row.uncovered)}


def _foreign_person(request: Request) -> bool:
    """An agent posted an absence for someone else (the form offers them only themselves)."""
    value = request.POST.get("user", "")
    return bool(value) and value != str(request.user.pk) and not request.user.is_coordinator


@login_required
@require_http_methods(["GET", "POST"])
def absences(request: Request) -> HttpResponse:
    """My absences and the form to enter one; coordinators also see everyone's, with a cover filter."""
    people = _people_for(request.user)
    if request.method == "GET":
        form = AbsenceForm(people=people, initial={"user": str(request.user.pk)})
        return render(request, "roster/absences.html", _absences_context(request, form))
    if _foreign_person(request):
        return _forbidden(request)
    form = AbsenceForm(request.POST, people=people)
    if form.is_valid():
        try:
            absence = services.absence_create(
                actor=request.user,
                user=form.cleaned_data.get("user") or request.user,
                kind=form.cleaned_data["kind"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            row = _absence_rows([absence], _duty_names())[0]
            (messages.warning if row.uncovered else messages.success)(request, _cover_message(row))
            return redirect("roster:absence_detail", pk=absence.pk)
    return render(request, "roster/absences.html", _absences_context(request, form), status=200)


@login_required
@require_GET
def absence_detail(request: Request, pk: int) -> HttpResponse:
    absence = selectors.absence_list().filter(pk=pk).first()
    if absence is None:
        raise Http404("no such absence")
    if absence.user_id != request.user.pk and not request.user.is_coordinator:
        return _forbidden(request)
    row = _absence_rows([absence], _duty_names())[0]
    offers = _open_offers_for_cells((day, duty.pk) for day, duty in row.uncovered if isinstance(duty, Duty))
    today = selectors.today()
    items = [
        {
            "day": day,
            "duty": duty,
            "request": offers.get((day, duty.pk)) if isinstance(duty, Duty) else None,
            "ask_url": _ask_url(day, duty.code)
            if isinstance(duty, Duty) and absence.user_id == request.user.pk and day >= today
            else "",
            "week_url": _week_url(bh.week_start(day)),
        }
        for day, duty in row.uncovered
    ]
    covered = [
        (date.fromisoformat(d), _duty_names().get(code, code))
        for d, code in absence.duties_hit
        if (date.fromisoformat(d), code) not in set(row.cover.uncovered)
    ]
    return render(request, "roster/absence_detail.html", {"row": row, "items": items, "covered": covered})


@login_required
@require_http_methods(["GET", "POST"])
def report_sick(request: Request) -> HttpResponse:
    """Report sick (R7): today or a range, for oneself or (a coordinator) for anyone."""
    people = _people_for(request.user)
    today = selectors.today()
    if request.method == "GET":
        form = SickForm(people=people, initial={"user": str(request.user.pk), "start": today, "end": today})
        return render(request, "roster/report_sick.html", {"form": form})
    if _foreign_person(request):
        return _forbidden(request)
    form = SickForm(request.POST, people=people)
    if form.is_valid():
        person = form.cleaned_data.get("user") or request.user
        try:
            absence = services.absence_create(
                actor=request.user,
                user=person,
                kind=AbsenceKind.SICK,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            count = len(absence.duties_hit)
            if count:
                messages.warning(
                    request,
                    ngettext(
                        "Get well soon. %(count)d duty was freed and offered to the fairest substitutes.",
                        "Get well soon. %(count)d duties were freed and offered to the fairest substitutes.",
                        count,
                    )
                    % {"count": count}
                    if person == request.user
                    else ngettext(
                        "%(name)s is reported sick. %(count)d duty was freed and offered to substitutes.",
                        "%(name)s is reported sick. %(count)d duties were freed and offered to substitutes.",
                        count,
                    )
                    % {"count": count, "name": person.name},
                )
            else:
                messages.success(
                    request,
                    _("Get well soon. No duties are affected.")
                    if person == request.user
                    else _("%(name)s is reported sick. No duties are affected.") % {"name": person.name},
                )
            return redirect("roster:absence_detail", pk=absence.pk)
    return render(request, "roster/report_sick.html", {"form": form})


def _fetch_ical(url: str) -> bytes:
    """Read a calendar from ``url`` (http or https, at most 2 MB); raises DomainError with a message for the user."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise DomainError(_("Only http and https addresses can be imported."))
    try:
        with urlopen(url, timeout=10) as response:  # noqa: S310 - the scheme is checked above
            data = response.read(ICAL_MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        logger.info("calendar import from %s failed: %s", url, exc)
        raise DomainError(_("The calendar could not be loaded from that address.")) from exc
    if len(data) > ICAL_MAX_BYTES:
        raise DomainError(_("The file is too large (at most 2 MB)."))
    return data


@login_required
@require_http_methods(["GET", "POST"])
def absences_import(request: Request) -> HttpResponse:
    """Import absences from an iCalendar file or address (coordinators); shows what happened."""
    if not request.user.is_coordinator:
        return _forbidden(request)
    report = None
    unmatched: list[dict[str, str]] = []
    if request.method == "GET":
        form = IcalImportForm()
    else:
        form = IcalImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                upload = form.cleaned_data["file"]
                data = upload.read(ICAL_MAX_BYTES + 1) if upload else _fetch_ical(form.cleaned_data["url"])
                report = services.absences_import_ical(actor=request.user, data=data, kind=form.cleaned_data["kind"])
            except DomainError as exc:
                messages.error(request, _error_text(exc))
            else:
                unmatched = [{**item, "reason": domain_message(item.get("reason", ""))} for item in report.unmatched]
                messages.success(
                    request,
                    _(
                        "Import finished: %(created)d new, %(updated)d moved, %(unchanged)d unchanged, "
                        "%(unmatched)d not imported."
                    )
                    % {
                        "created": len(report.created),
                        "updated": len(report.updated),
                        "unchanged": len(report.unchanged),
                        "unmatched": len(report.unmatched),
                    },
                )
    return render(request, "roster/absences_import.html", {"form": form, "report": report, "unmatched": unmatched})


# --- swap requests --------------------------------------------------------------


def _ask_url(day: date, duty_code: str) -> str:
    return f"{reverse('roster:request_new')}?{urlencode({'date': day.isoformat(), 'duty': duty_code})}"


def _swap_targets(user: User, today: date) -> list[tuple[str, str]]:
    """Colleagues' published duties in the next eight weeks, as choices "date|duty"."""
    entries = (
        selectors.roster_entries(start=today, end=today + timedelta(weeks=8))
        .filter(user__isnull=False, week__status=WeekStatus.PUBLISHED)
        .exclude(user=user)
    )
    return [
        (
            f"{a.date.isoformat()}|{a.duty.code}",
            f"{weekday_short(a.date)} {date_format(a.date, 'SHORT_DATE_FORMAT')} · {a.duty.name} · {a.user.name}",
        )
        for a in entries
        if a.user is not None
    ]


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: Request) -> HttpResponse:
    """Ask for a takeover or a swap of one of my duties (from My duties and the week)."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        day = date.fromisoformat(source.get("date", ""))
    except ValueError as exc:
        raise Http404("bad date") from exc
    duties = _duty_names()
    duty = duties.get(source.get("duty", ""))
    if duty is None:
        raise Http404("no such duty")
    today = selectors.today()
    cell = selectors.holders_on(day=day).get(duty.code)
    if cell is None or cell.user_id != request.user.pk or day < today:
        messages.error(
            request,
            _("You do not hold %(duty)s on %(day)s.") % {"duty": duty.name, "day": day.strftime("%d.%m.%Y")},
        )
        return redirect("roster:my_duties")
    candidates = selectors.substitute_candidates(day=day, duty_code=duty.code, exclude=[request.user.pk])
    targets = _swap_targets(request.user, today)
    form = SwapRequestForm(request.POST or None, candidates=candidates, targets=targets)
    if request.method == "POST" and form.is_valid():
        target_day = target_duty = None
        if form.cleaned_data["target"]:
            target_iso, target_code = form.cleaned_data["target"].split("|", 1)
            target_day, target_duty = date.fromisoformat(target_iso), duties[target_code]
        try:
            swap = services.swap_request_create(
                actor=request.user,
                day=day,
                duty=duty,
                kind=form.cleaned_data["kind"],
                candidate=form.cleaned_data["candidate"],
                target_day=target_day,
                target_duty=target_duty,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            if swap.candidate is not None:
                messages.success(request, _("Your request was sent to %(name)s.") % {"name": swap.candidate.name})
            elif swap.offered_to:
                messages.success(
                    request,
                    ngettext(
                        "Your request was sent to %(count)d eligible colleague.",
                        "Your request was sent to %(count)d eligible colleagues.",
                        len(swap.offered_to),
                    )
                    % {"count": len(swap.offered_to)},
                )
            else:
                messages.warning(request, _("Your request is open, but nobody is eligible to take it right now."))
            return redirect("roster:requests")
    return render(
        request,
        "roster/request_new.html",
        {"form": form, "day": day, "duty": duty, "cell": cell, "no_candidates": not candidates},
    )


@dataclass
class RequestLists:
    to_me: list[SwapRequest]
    offers: list[SwapRequest]
    mine: list[SwapRequest]
    others_open: list[SwapRequest]
    """Coordinators: every other open request (they may withdraw them)."""
    history: list[SwapRequest]


HISTORY_LIMIT = 30


def _request_lists(user: User) -> RequestLists:
    today = selectors.today()
    open_requests = list(
        selectors.swap_requests_for(user=user, status=SwapStatus.OPEN)
        .filter(date__gte=today)
        .select_related("absence__user")
    )
    answerable = requests_to_me(user, open_requests)
    to_me = [r for r in answerable if not r.is_system_offer]
    offers = [r for r in answerable if r.is_system_offer]
    mine = [r for r in open_requests if r.requester_id == user.pk]
    shown = {r.pk for r in (*to_me, *offers, *mine)}
    others_open = [r for r in open_requests if r.pk not in shown] if user.is_coordinator else []
    history_qs = selectors.swap_requests_for(user=user).exclude(status=SwapStatus.OPEN, date__gte=today)
    if not user.is_coordinator:
        history_qs = history_qs.filter(Q(requester=user) | Q(candidate=user) | Q(decided_by=user))
    history = list(history_qs.select_related("absence__user").order_by("-created_at")[:HISTORY_LIMIT])
    return RequestLists(to_me=to_me, offers=offers, mine=mine, others_open=others_open, history=history)


def _requests_context(user: User) -> dict[str, object]:
    return {"lists": _request_lists(user)}


@login_required
@require_GET
def requests_page(request: Request) -> HttpResponse:
    context = _requests_context(request.user)
    if request.htmx and request.htmx.target == "request-lists":
        return render(request, "roster/requests.html#request-lists", context)
    return render(request, "roster/requests.html", context)


def _visible_request(user: User, pk: int) -> SwapRequest:
    found = selectors.swap_requests_for(user=user).select_related("absence__user").filter(pk=pk).first()
    if found is None:
        raise Http404("no such request")
    return found


def _safe_next(request: Request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


ACCEPTED_TEXT = gettext_lazy("Done: you now hold %(duty)s on %(day)s.")


@login_required
@require_POST
def request_act(request: Request, pk: int, action: str) -> HttpResponse:
    """Accept, decline or withdraw a request in one click (htmx: the lists reload in place)."""
    swap = _visible_request(request.user, pk)
    try:
        if action == "accept":
            services.swap_request_accept(actor=request.user, request=swap)
            outcome = ACCEPTED_TEXT % {"duty": swap.duty.name, "day": date_format(swap.date, "SHORT_DATE_FORMAT")}
        elif action == "decline":
            services.swap_request_decline(actor=request.user, request=swap)
            outcome = _("You declined. The requester is told.") if swap.candidate_id else _("You declined.")
        elif action == "withdraw":
            services.swap_request_withdraw(actor=request.user, request=swap)
            outcome = _("The request was withdrawn.")
        else:
            raise Http404("no such action")
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, outcome)
    if request.htmx:
        response = render(request, "roster/requests.html#request-lists", _requests_context(request.user))
        return trigger_client_event(response, ROSTER_CHANGED)
    return redirect(_safe_next(request, reverse("roster:requests")))


def _request_page(request: Request, swap: SwapRequest, *, token: str = "", status: int = 200) -> HttpResponse:
    today = selectors.today()
    passed = swap.date < today or bool(swap.target_date and swap.target_date < today)
    may_answer = swap.is_open and not passed and swap.requester_id != request.user.pk
    if swap.candidate_id is not None and swap.candidate_id != request.user.pk:
        may_answer = False
    if swap.candidate_id is None and request.user.pk in swap.declined_by:
        may_answer = False
    action_url = (
        reverse("roster:request_token", args=[token]) if token else reverse("roster:request_detail", args=[swap.pk])
    )
    return render(
        request,
        "roster/request_detail.html",
        {
            "swap": swap,
            "passed": passed,
            "may_answer": may_answer,
            "may_withdraw": swap.is_open and (swap.requester_id == request.user.pk or request.user.is_coordinator),
            "action_url": action_url,
            "week_url": _week_url(bh.week_start(swap.date)),
        },
        status=status,
    )


def _decide(request: Request, swap: SwapRequest, token: str | None) -> None:
    form = RequestDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose accept or decline."))
        return
    try:
        if form.cleaned_data["action"] == "accept":
            services.swap_request_accept(actor=request.user, request=swap, token=token)
            messages.success(
                request, ACCEPTED_TEXT % {"duty": swap.duty.name, "day": date_format(swap.date, "SHORT_DATE_FORMAT")}
            )
        else:
            services.swap_request_decline(actor=request.user, request=swap, token=token)
            messages.success(request, _("You declined. Thank you for answering."))
    except DomainError as exc:
        messages.error(request, _error_text(exc))


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: Request, pk: int) -> HttpResponse:
    """One request with Accept / Decline (the "take it" link on Today leads here)."""
    swap = _visible_request(request.user, pk)
    if request.method == "POST":
        _decide(request, swap, token=None)
        return redirect("roster:request_detail", pk=pk)
    return _request_page(request, swap)


@login_required
@require_http_methods(["GET", "POST"])
def request_token(request: Request, token: str) -> HttpResponse:
    """The one-click link of a notice: GET only shows the request, the buttons POST."""
    swap = selectors.swap_request_by_token(token=token)
    if swap is None:
        return render(request, "roster/request_missing.html", status=404)
    if request.method == "POST":
        _decide(request, swap, token=token)
        return redirect("roster:request_token", token=token)
    return _request_page(request, swap, token=token)
