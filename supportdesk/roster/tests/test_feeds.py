"""Calendar feeds, read back the way calendar clients read them."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, services
from supportdesk.roster.feeds import feed_uid
from supportdesk.roster.models import Assignment, Duty, FeedToken, RosterWeek
from supportdesk.roster.tests.factories import ClosingDayFactory
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
# Summer time ends on Sunday 25 October 2026: the week before is CEST (+02:00), the week after CET (+01:00).
SUMMER_MONDAY = date(2026, 10, 19)
WINTER_MONDAY = date(2026, 10, 26)
TODAY = datetime(2026, 10, 21, 10, 0, tzinfo=BERLIN)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def feed_url(token: FeedToken) -> str:
    return reverse("roster:calendar_feed", args=[token.token])


def fetch(client, token: FeedToken) -> icalendar.Calendar:
    response = client.get(feed_url(token))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events_between(cal: icalendar.Calendar, start: date, end: date) -> list[icalendar.Event]:
    return sorted(recurring_ical_events.of(cal).between(start, end), key=lambda e: e["DTSTART"].dt)


def publish(week: RosterWeek, version: int = 1) -> RosterWeek:
    week.status = "published"
    week.version = version
    week.published_at = datetime(2026, 10, 16, 9, 0, tzinfo=UTC)
    week.save()
    return week


@pytest.fixture
def two_weeks(pool) -> tuple[RosterWeek, RosterWeek]:
    anna, bernd, clara = pool[:3]
    summer = make_week(SUMMER_MONDAY, alternating(anna, bernd), published=True)
    winter = make_week(WINTER_MONDAY, alternating(clara, anna), published=True)
    return summer, winter


def test_events_are_the_support_window_in_berlin_time_across_the_dst_change(client, pool, two_weeks):
    anna = pool[0]
    cal = fetch(client, services.feed_token_ensure(user=anna))

    events = events_between(cal, SUMMER_MONDAY, WINTER_MONDAY + timedelta(days=7))

    # Anna: Mon/Wed/Fri phone duty and Tue/Thu standby in the summer week, every day in the winter week.
    assert len(events) == 10
    first_summer, first_winter = events[0], events[5]
    assert first_summer["DTSTART"].dt.astimezone(UTC) == datetime(2026, 10, 19, 14, 0, tzinfo=UTC)
    assert first_summer["DTEND"].dt.astimezone(UTC) == datetime(2026, 10, 19, 16, 0, tzinfo=UTC)
    assert first_winter["DTSTART"].dt.astimezone(UTC) == datetime(2026, 10, 26, 15, 0, tzinfo=UTC)
    assert first_winter["DTEND"].dt.astimezone(UTC) == datetime(2026, 10, 26, 17, 0, tzinfo=UTC)
    for event in events:
        start = event["DTSTART"].dt.astimezone(BERLIN)
        assert (start.hour, start.minute) == (16, 0)
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    # The VTIMEZONE carries the change, so clients without a tz database get it right too.
    timezones = cal.walk("VTIMEZONE")
    assert [tz["TZID"] for tz in timezones] == ["Europe/Berlin"]
    offsets = {sub["TZOFFSETTO"].td for sub in timezones[0].subcomponents}
    assert {timedelta(hours=1), timedelta(hours=2)} <= offsets


def test_personal_feed_has_only_the_owners_duties_with_partner_and_number(client, pool, two_weeks):
    anna, bernd = pool[0], pool[1]
    cal = fetch(client, services.feed_token_ensure(user=anna))
    events = events_between(cal, SUMMER_MONDAY, SUMMER_MONDAY + timedelta(days=7))

    assert [str(e["SUMMARY"]) for e in events] == [
        "Telefondienst",
        "Technische Notfallbereitschaft",
        "Telefondienst",
        "Technische Notfallbereitschaft",
        "Telefondienst",
    ]
    monday = str(events[0]["DESCRIPTION"])
    assert "Im Büro" in monday  # the duty description
    assert bernd.name in monday and bernd.mobile in monday  # the standby partner is reached on the mobile
    tuesday = str(events[1]["DESCRIPTION"])
    assert bernd.name in tuesday and bernd.office_phone in tuesday  # the phone duty partner in the office
    assert str(cal["X-WR-CALNAME"]).endswith(anna.name)


def test_personal_feed_speaks_the_owners_language(client, pool, two_weeks):
    anna = pool[0]
    anna.language = "en"
    anna.save(update_fields=["language"])
    cal = fetch(client, services.feed_token_ensure(user=anna))

    summaries = {str(e["SUMMARY"]) for e in events_between(cal, SUMMER_MONDAY, SUMMER_MONDAY + timedelta(days=7))}

    assert summaries == {"Phone duty", "Technical standby"}


def test_team_feed_has_every_duty_with_the_holder_in_german(client, pool, two_weeks):
    anna, bernd = pool[0], pool[1]
    anna.language = "en"  # the team feed ignores anyone's preference
    anna.save(update_fields=["language"])
    cal = fetch(client, services.feed_token_ensure(user=None))

    events = events_between(cal, SUMMER_MONDAY, WINTER_MONDAY + timedelta(days=7))

    assert len(events) == 20
    monday = [str(e["SUMMARY"]) for e in events if e["DTSTART"].dt.date() == SUMMER_MONDAY]
    assert sorted(monday) == sorted([f"Telefondienst: {anna.name}", f"Technische Notfallbereitschaft: {bernd.name}"])
    assert "X-WR-CALNAME" in cal
    uids = {str(e["UID"]) for e in events}
    assert "20261019-phone_duty-team@supportdesk" in uids
    assert len(uids) == 20


def test_team_feed_shows_open_duties(client, pool):
    anna = pool[0]
    publish(make_week(SUMMER_MONDAY, [(anna, None)]))
    cal = fetch(client, services.feed_token_ensure(user=None))

    summaries = sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))

    with translation.override("de"):
        open_label = gettext("open")
    assert summaries == sorted([f"Telefondienst: {anna.name}", f"Technische Notfallbereitschaft: {open_label}"])


def test_only_published_weeks_are_in_the_feeds(client, pool):
    anna, bernd = pool[0], pool[1]
    make_week(SUMMER_MONDAY, alternating(anna, bernd), published=True)
    make_week(WINTER_MONDAY, alternating(anna, bernd), published=False)

    for token in (services.feed_token_ensure(user=anna), services.feed_token_ensure(user=None)):
        dates = {e["DTSTART"].dt.date() for e in fetch(client, token).walk("VEVENT")}
        assert dates and all(d < WINTER_MONDAY for d in dates)


def test_feed_covers_8_weeks_back_to_26_weeks_ahead(client, pool):
    anna, bernd = pool[0], pool[1]
    this_monday = date(2026, 10, 19)
    for weeks in (-9, -8, 26, 27):
        make_week(this_monday + timedelta(weeks=weeks), alternating(anna, bernd, days=1), published=True)

    dates = sorted(e["DTSTART"].dt.date() for e in fetch(client, services.feed_token_ensure(user=None)).walk("VEVENT"))

    assert sorted(set(dates)) == [this_monday - timedelta(weeks=8), this_monday + timedelta(weeks=26)]


def test_uids_stay_and_sequence_grows_when_the_plan_is_regenerated(client, pool):
    anna, bernd, clara = pool[0], pool[1], pool[2]
    make_week(SUMMER_MONDAY, alternating(anna, bernd), published=True)
    team, personal = services.feed_token_ensure(user=None), services.feed_token_ensure(user=bernd)
    first_team = {str(e["UID"]): e for e in fetch(client, team).walk("VEVENT")}
    first_personal = {str(e["UID"]) for e in fetch(client, personal).walk("VEVENT")}

    # Same document on every fetch: nothing random, nothing from the clock.
    assert client.get(feed_url(team)).content == client.get(feed_url(team)).content

    # Regenerate as plan_generate does (new rows), with Anna's days now Clara's, and publish again.
    Assignment.objects.all().delete()
    week = make_week(SUMMER_MONDAY, alternating(clara, bernd))
    publish(week, version=2)

    second_team = {str(e["UID"]): e for e in fetch(client, team).walk("VEVENT")}
    second_personal = {str(e["UID"]) for e in fetch(client, personal).walk("VEVENT")}
    assert set(second_team) == set(first_team)
    assert second_personal == first_personal
    assert all(e["SEQUENCE"] == 2 for e in second_team.values())
    assert all(e["SEQUENCE"] == 1 for e in first_team.values())
    uid = feed_uid(day=SUMMER_MONDAY, duty_code=Duty.PHONE_DUTY, owner=None)
    assert str(second_team[uid]["SUMMARY"]) == f"Telefondienst: {clara.name}"
    assert feed_uid(day=SUMMER_MONDAY, duty_code=Duty.TECHNICAL_STANDBY, owner=bernd) in second_personal


def test_renewing_the_token_kills_the_old_url(client, pool, two_weeks):
    anna = pool[0]
    old = services.feed_token_ensure(user=anna)
    assert client.get(feed_url(old)).status_code == 200

    new = services.feed_token_renew(actor=anna)

    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


def test_unknown_token_and_inactive_owner_get_404(client, pool):
    assert client.get(reverse("roster:calendar_feed", args=["no-such-token"])).status_code == 404
    anna = pool[0]
    token = services.feed_token_ensure(user=anna)
    anna.is_active = False
    anna.save(update_fields=["is_active"])
    assert client.get(feed_url(token)).status_code == 404


def test_feed_needs_no_login_and_is_not_cached_publicly(client, pool, two_weeks):
    response = client.get(feed_url(services.feed_token_ensure(user=None)))

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert client.post(feed_url(services.feed_token_ensure(user=None))).status_code == 405


def test_a_day_closed_after_publishing_has_no_event(client, pool, two_weeks):
    ClosingDayFactory(date=SUMMER_MONDAY, name="Betriebsausflug")

    dates = {e["DTSTART"].dt.date() for e in fetch(client, services.feed_token_ensure(user=None)).walk("VEVENT")}

    assert SUMMER_MONDAY not in dates and SUMMER_MONDAY + timedelta(days=1) in dates


@pytest.mark.parametrize("owner_index", [None, 0])
def test_queries_do_not_grow_with_the_number_of_weeks(client, pool, owner_index):
    anna, bernd = pool[0], pool[1]
    token = services.feed_token_ensure(user=None if owner_index is None else pool[owner_index])
    make_week(SUMMER_MONDAY, alternating(anna, bernd), published=True)
    selectors.support_calendar_invalidate()  # measure the cold path both times
    with CaptureQueriesContext(connection) as one_week:
        client.get(feed_url(token))
    for weeks in range(1, 12):
        make_week(SUMMER_MONDAY + timedelta(weeks=weeks), alternating(anna, bernd), published=True)
    selectors.support_calendar_invalidate()
    with CaptureQueriesContext(connection) as twelve_weeks:
        response = client.get(feed_url(token))

    days = len(
        list(bh.support_days(selectors.support_calendar(), SUMMER_MONDAY, SUMMER_MONDAY + timedelta(weeks=12, days=-1)))
    )
    assert days < 60  # Christmas and New Year fall in the range
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == (2 * days if owner_index is None else days)
    assert len(twelve_weeks) == len(one_week) <= 8
