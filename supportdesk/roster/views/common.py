"""What the roster pages share: the request type, URLs, open requests and absence rows
(the contacts of duty holders are in ``roster.contacts``)."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_active
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.models import Absence, AbsenceStatus, Assignment, ClosingDay, Duty, SwapRequest, SwapStatus

logger = logging.getLogger(__name__)


ROSTER_CHANGED = "roster-changed"
"""Client event after an in-place edit; the week's status and side panel reload on it."""


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


def _closing_names(start: date, end: date) -> dict[date, str]:
    """Names of company closing days in a range (no selector for it yet)."""
    return {c.date: c.name for c in ClosingDay.objects.filter(date__gte=start, date__lte=end)}


def _closed_reason(cal: bh.SupportCalendar, day: date, closing: dict[date, str]) -> str:
    """Why ``day`` has no support window, or "" if it has one."""
    if bh.is_support_day(cal, day):
        return ""
    if day in cal.closing_days:
        return closing.get(day) or _("company closing day")
    holiday = cal.holiday_name(day, get_language())
    if holiday:
        return holiday
    if day.weekday() >= 5:
        return _("weekend")
    return _("no support window on this weekday")


def _holder_visible(user: User, assignment: Assignment | None) -> bool:
    """Agents see holders of published weeks only; coordinators see drafts too."""
    return assignment is not None and (user.is_coordinator or assignment.week.is_published)


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


def _ask_url(day: date, duty_code: str) -> str:
    return f"{reverse('roster:request_new')}?{urlencode({'date': day.isoformat(), 'duty': duty_code})}"
