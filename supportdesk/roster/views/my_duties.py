"""My duties: the viewer's past and upcoming duties with the partner of each day."""

import logging
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.contacts import Contact
from supportdesk.roster.models import Assignment
from supportdesk.roster.views.common import Request, _ask_url, _holder_visible

logger = logging.getLogger(__name__)


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
