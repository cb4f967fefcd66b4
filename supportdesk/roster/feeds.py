"""Calendar feeds of the published roster (R9: everyone "sees it in their calendar").

One iCalendar URL per person (their duties) and one for the team (all
duties). The secret token in the URL is the only credential, because calendar
clients cannot log in; renewing it (``services.feed_token_renew``) deletes the
row, so the old URL answers 404.

Each event is the support window of one day, in the team's time zone with its
VTIMEZONE. Its UID is derived from (date, duty, feed owner) and its SEQUENCE is
the week's version, so a client that refreshes the feed updates the events
instead of adding copies when the plan changes.
"""

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from supportdesk.accounts.models import User
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.models import Assignment, WeekStatus

logger = logging.getLogger(__name__)

WEEKS_BACK = 8
WEEKS_AHEAD = 26
TEAM_LANGUAGE = "de"
"""The team feed is shared, so it speaks the team's language, not a person's."""
REFRESH = timedelta(hours=1)
"""How often clients should fetch the feed again (REFRESH-INTERVAL, X-PUBLISHED-TTL)."""


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = selectors.feed_token_resolve(token=token)
    if feed is None or (feed.user is not None and not feed.user.is_active):
        raise Http404("No such calendar feed.")
    body = feed_render(owner=feed.user, today=selectors.today())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="supportdesk.ics"'
    # The URL is a secret: keep it and the plan out of shared caches and search engines.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def feed_range(today: date) -> tuple[date, date]:
    """First and last day a feed covers: whole weeks, 8 back and 26 ahead."""
    monday = bh.week_start(today)
    return monday - timedelta(weeks=WEEKS_BACK), monday + timedelta(weeks=WEEKS_AHEAD, days=6)


def feed_uid(*, day: date, duty_code: str, owner: User | None) -> str:
    """Stable per (day, duty, feed): regenerating or changing the plan keeps it."""
    return f"{day:%Y%m%d}-{duty_code}-{_owner_key(owner)}@supportdesk"


def _owner_key(owner: User | None) -> str:
    # The primary key, not the user name: renaming someone must not duplicate their events.
    return "team" if owner is None else f"u{owner.pk}"


def _number(user: User, contact_field: str) -> str:
    """The number callers need for the duty the person holds, else any number they have."""
    return getattr(user, contact_field, "") or user.office_phone or user.mobile


def _published_assignments(*, start: date, end: date, owner: User | None) -> list[Assignment]:
    """Published cells in the range; for a person only the days they serve, with their partners."""
    qs = selectors.roster_entries(start=start, end=end).filter(week__status=WeekStatus.PUBLISHED)
    if owner is not None:
        own_days = Assignment.objects.filter(
            user=owner, date__gte=start, date__lte=end, week__status=WeekStatus.PUBLISHED
        ).values("date")
        qs = qs.filter(date__in=own_days)
    return list(qs)


def feed_render(*, owner: User | None, today: date, now: datetime | None = None) -> bytes:
    """The iCalendar document of ``owner``'s duties, or of the team's when ``owner`` is None.

    A constant number of queries however many weeks it covers.
    """
    start, end = feed_range(today)
    cal = selectors.support_calendar()
    assignments = _published_assignments(start=start, end=end, owner=owner)
    by_day: dict[date, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_day[a.date].append(a)

    language = TEAM_LANGUAGE if owner is None else (owner.language or settings.LANGUAGE_CODE)
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", "-//Supportdesk//Roster//DE")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        name = _("Support duties – team") if owner is None else _("Support duties – %(name)s") % {"name": owner.name}
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", REFRESH)
        for a in assignments:
            if owner is not None and a.user_id != owner.pk:
                continue  # a partner's cell, only needed for the description
            window = bh.window_on(cal, a.date)
            if window is None:
                continue  # the day became a holiday or closing day after publishing: no support
            partners = [p for p in by_day[a.date] if p.pk != a.pk]
            calendar.add_component(_event(assignment=a, partners=partners, owner=owner, window=window))
        # Transitions only for the covered range keep the VTIMEZONE short and exact.
        calendar.add_missing_timezones(first_date=start - timedelta(days=7), last_date=end + timedelta(days=7))
    return calendar.to_ical()


def _event(*, assignment: Assignment, partners: list[Assignment], owner: User | None, window: bh.Window) -> Event:
    a = assignment
    duty = a.duty
    # The team feed names the holder; in a personal feed the holder is the reader.
    summary = f"{duty.name}: {a.user.name if a.user else _('open')}" if owner is None else duty.name
    lines = []
    if owner is None and a.user is not None:
        lines.append(f"{a.user.name}: {_number(a.user, duty.contact_field) or '–'}")
    if duty.description:
        lines.append(duty.description)
    for partner in partners:
        if partner.user is None:
            lines.append(_("Partner: nobody yet (%(duty)s is open)") % {"duty": partner.duty.name})
        else:
            lines.append(
                _("Partner: %(name)s (%(duty)s), %(number)s")
                % {
                    "name": partner.user.name,
                    "duty": partner.duty.name,
                    "number": _number(partner.user, partner.duty.contact_field) or "–",
                }
            )
    # Last revised: the later of the publication and the last change to that day's cells.
    stamps = [a.updated_at, *(p.updated_at for p in partners)]
    if a.week.published_at is not None:
        stamps.append(a.week.published_at)
    stamp = max(stamps)
    iso_year, iso_week, _weekday = a.date.isocalendar()

    event = Event()
    event.add("uid", feed_uid(day=a.date, duty_code=duty.code, owner=owner))
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", a.week.version)
    event.add("dtstart", window.start)
    event.add("dtend", window.end)
    event.add("summary", summary)
    event.add("description", "\n\n".join(lines))
    event.add("categories", [duty.name])
    event.add("status", "CONFIRMED" if a.user_id else "TENTATIVE")
    event.add("transp", "OPAQUE")
    event.add("url", settings.SITE_URL + reverse("roster:week_of", args=[iso_year, iso_week]))
    return event
