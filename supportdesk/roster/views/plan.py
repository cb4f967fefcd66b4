"""The week plan: the grid with in-place editing, generating a draft and publishing (R9)."""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import business_hours as bh
from supportdesk.roster import planning, selectors, services
from supportdesk.roster.forms import WEEKDAY_CHOICES, CellForm
from supportdesk.roster.models import Assignment, Duty, RosterWeek
from supportdesk.roster.views.common import (
    ROSTER_CHANGED,
    Request,
    _ask_url,
    _closed_reason,
    _closing_names,
    _forbidden,
    _monday_of,
    _redirect,
    _week_url,
)

logger = logging.getLogger(__name__)


PROBLEM_REASONS = {
    planning.REASON_NOBODY_IN_POOL: gettext_lazy("nobody in the pool"),
    planning.REASON_ONE_IN_POOL: gettext_lazy("only 1 person in the pool; two different people are needed"),
    planning.REASON_NOBODY: gettext_lazy("nobody available"),
    planning.REASON_ONE: gettext_lazy("only 1 person available"),
}
"""The planner's reasons (plain English, stored on the week) as the page shows them."""


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
        messages.error(request, exc.message)
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
            messages.error(request, exc.message)
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
        messages.error(
            request, _("%(day)s has no support window.") % {"day": date_format(cell_day, "SHORT_DATE_FORMAT")}
        )
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
            cell.error = exc.message
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
