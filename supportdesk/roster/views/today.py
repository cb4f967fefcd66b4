"""The Today page: who is on duty today and next, the day's open duties and, for coordinators, what needs cover."""

import logging
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.contacts import Contact
from supportdesk.roster.models import AbsenceKind, AbsenceStatus, Assignment, Duty
from supportdesk.roster.views.common import (
    Request,
    _absence_rows,
    _closed_reason,
    _closing_names,
    _duty_names,
    _open_offers_for_cells,
    _week_url,
)

logger = logging.getLogger(__name__)


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


def _day_card(
    cal: bh.SupportCalendar,
    day: date,
    label: str,
    duties: list[Duty],
    closing: dict[date, str],
    holders: dict[str, Assignment] | None = None,
) -> DayCard:
    """``holders``: the day's published cells when the caller has read them already."""
    window = bh.window_on(cal, day)
    if holders is None:
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
    # Read once: the duty cards and the live part ({% today_live %}, through ``today_holders``) both show them.
    today_holders = selectors.holders_on(day=day, published_only=True) if bh.window_on(cal, day) else None
    cards = [
        _day_card(cal, day, _("Today"), duties, closing, holders=today_holders or {}),
        _day_card(cal, tomorrow, _("Tomorrow"), duties, closing),
    ]
    if cards[1].closed:
        following = next(bh.support_days(cal, tomorrow, tomorrow + timedelta(days=30)), None)
        if following is not None:
            cards.append(_day_card(cal, following, _("Next support day"), duties, closing))
    now = timezone.localtime(timezone.now(), cal.tz)
    window = bh.window_on(cal, day)
    offers = _open_offers_for_cells((day, duty.pk) for duty in cards[0].open_duties)
    # Prio 1 cases, the intake check and the day's hand-over steps are the live part, which
    # the page gets from the hand-over app (``{% today_live %}``), not from this view.
    context: dict[str, object] = {
        "cards": cards,
        "today": cards[0],
        "in_window": bool(window and window.contains(now)),
        "open_today": [{"duty": duty, "offer": offers.get((day, duty.pk))} for duty in cards[0].open_duties],
        "today_holders": (day, today_holders) if today_holders is not None else None,
    }
    if request.user.is_coordinator:
        context.update(_coordinator_boxes(day, duties))
    return render(request, "roster/today.html", context)


COORDINATOR_HORIZON_DAYS = 14


def _coordinator_boxes(day: date, duties: list[Duty] | None = None) -> dict[str, object]:
    """Open duties in the next two weeks (with their offers) and vacations still missing cover."""
    end = day + timedelta(days=COORDINATOR_HORIZON_DAYS)
    cells = list(selectors.open_assignments(start=day, end=end).select_related("week").order_by("date", "duty__order"))
    offers = _open_offers_for_cells((c.date, c.duty_id) for c in cells)
    vacations = selectors.absence_list(start=day).filter(kind=AbsenceKind.VACATION)
    names = {d.code: d for d in duties} if duties is not None else _duty_names()
    missing = [row for row in _absence_rows(vacations, names) if row.status == AbsenceStatus.COVER_MISSING]
    return {
        "coordinator_boxes": True,
        "open_cells": [
            {"cell": c, "offer": offers.get((c.date, c.duty_id)), "week_url": _week_url(bh.week_start(c.date))}
            for c in cells
        ],
        "cover_missing": missing,
        "horizon_days": COORDINATOR_HORIZON_DAYS,
    }
