"""The month page: both duties of every support day at a glance."""

import logging
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.contacts import Contact
from supportdesk.roster.forms import WEEKDAY_CHOICES
from supportdesk.roster.models import Assignment
from supportdesk.roster.views.common import Request, _closed_reason, _closing_names, _holder_visible, _week_url

logger = logging.getLogger(__name__)


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
