"""The roster pages through Django's test client: rendering, permissions, the edit flow."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.roster import services
from supportdesk.roster.models import (
    Assignment,
    AssignmentChange,
    ClosingDay,
    Duty,
    FeedToken,
    PoolMember,
    RosterSettings,
    RosterWeek,
    SupportWindow,
    WeekStatus,
)
from supportdesk.roster.tests.factories import PoolMemberFactory
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
"""ISO week 50 of 2026; no public holiday in it."""
TUESDAY_MORNING = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)
WEEK_ARGS = [2026, 50]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        yield


@pytest.fixture
def published_week(pool):
    anna, bernd = pool[0], pool[1]
    return make_week(MONDAY, alternating(anna, bernd), published=True)


@pytest.fixture
def draft_week(pool):
    clara, david = pool[2], pool[3]
    return make_week(MONDAY, alternating(clara, david))


def login(client, user, language="de"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def htmx(**extra):
    return {"HTTP_HX_REQUEST": "true", **extra}


def cell_url(day: date, duty: str = Duty.PHONE_DUTY) -> str:
    iso = day.isocalendar()
    return reverse("roster:cell_edit", args=[iso.year, iso.week, day.isoformat(), duty])


# --- every page renders ---------------------------------------------------------

PAGES = [
    ("roster:today", [], {"de": "Wer hat Dienst", "en": "Who is on duty"}),
    ("roster:week", [], {"de": "Dienstplan KW 50/2026", "en": "Roster week 50/2026"}),
    ("roster:week_of", WEEK_ARGS, {"de": "Telefondienst", "en": "Phone duty"}),
    ("roster:month", [], {"de": "Dezember 2026", "en": "December 2026"}),
    ("roster:month_of", [2026, 12], {"de": "Dezember 2026", "en": "December 2026"}),
    ("roster:my_duties", [], {"de": "Meine Dienste", "en": "My duties"}),
    ("roster:team", [], {"de": "Nachmittagspool", "en": "afternoon pool"}),
    ("roster:feeds", [], {"de": "Kalender-Abos", "en": "Calendar feeds"}),
]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("role", ["coordinator", "agent"])
@pytest.mark.parametrize(("name", "args", "texts"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders(request, client, published_week, role, language, name, args, texts):
    user = request.getfixturevalue(role)
    login(client, user, language)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    body = response.content.decode()
    assert texts[language] in body
    assert f'lang="{language}"' in body
    if name in {"roster:today", "roster:week", "roster:week_of", "roster:month", "roster:month_of"}:
        assert "Anna Huber" in body
        assert "Bernd Maier" in body


@pytest.mark.parametrize("language", ["de", "en"])
def test_calendar_settings_renders_for_coordinator(client, coordinator, language):
    login(client, coordinator, language)
    response = client.get(reverse("roster:calendar_settings"))
    assert response.status_code == 200
    body = response.content.decode()
    assert {"de": "Supportfenster", "en": "Support windows"}[language] in body


@pytest.mark.parametrize(
    ("language", "expected", "other"),
    [("de", "Erster Weihnachtstag", "Christmas Day"), ("en", "Christmas Day", "Erster Weihnachtstag")],
)
def test_calendar_settings_names_the_next_holidays_in_the_readers_language(
    client, coordinator, language, expected, other
):
    login(client, coordinator, language)
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=BERLIN), tick=False):
        body = client.get(reverse("roster:calendar_settings")).content.decode()
    holidays = body.split('id="holidays-title"')[1]
    assert expected in holidays
    assert other not in holidays


def test_calendar_settings_forbidden_for_agent(client, agent):
    login(client, agent)
    response = client.get(reverse("roster:calendar_settings"))
    assert response.status_code == 403
    assert "Koordinator" in response.content.decode()


# --- today ------------------------------------------------------------------------


def test_today_shows_holders_with_the_number_their_duty_needs(client, agent, published_week, pool):
    login(client, agent)
    body = client.get(reverse("roster:today")).content.decode()
    anna, bernd = pool[0], pool[1]
    # Tuesday: Bernd has phone duty (office phone), Anna the standby (mobile).
    today = body.split('id="card-2"')[0]
    assert "Bernd Maier" in today and "Anna Huber" in today
    assert f'href="tel:{bernd.office_phone.replace(" ", "")}"' in today
    assert f'href="tel:{anna.mobile.replace(" ", "")}"' in today
    assert "16:00–18:00" in today
    assert 'class="banner danger"' not in body


def test_today_red_banner_when_a_duty_is_open(client, agent, published_week):
    Assignment.objects.filter(date=MONDAY + timedelta(days=1), duty__code=Duty.TECHNICAL_STANDBY).update(user=None)
    login(client, agent, "en")
    body = client.get(reverse("roster:today")).content.decode()
    assert 'class="banner danger"' in body
    assert "Not covered today" in body
    assert "Technical standby" in body.split("Not covered today")[1].split("</div>")[0]


def test_today_draft_is_not_shown(client, agent, draft_week):
    login(client, agent)
    body = client.get(reverse("roster:today")).content.decode()
    assert "Clara Schmid" not in body
    assert 'class="banner danger"' in body


def test_today_on_a_holiday_says_why_there_is_no_support(client, agent):
    with time_machine.travel(datetime(2026, 12, 25, 12, 0, tzinfo=BERLIN), tick=False):
        login(client, agent, "en")
        body = client.get(reverse("roster:today")).content.decode()
    assert "No support (Christmas Day)" in body
    assert "No support (Second Day of Christmas)" in body  # tomorrow
    assert "Weihnachtstag" not in body
    assert "Next support day" in body
    assert "28.12.2026" in body  # Monday


def test_today_on_a_holiday_in_german(client, agent):
    with time_machine.travel(datetime(2026, 12, 25, 12, 0, tzinfo=BERLIN), tick=False):
        login(client, agent, "de")
        body = client.get(reverse("roster:today")).content.decode()
    assert "Kein Support (Erster Weihnachtstag)" in body
    assert "Kein Support (Zweiter Weihnachtstag)" in body


@pytest.mark.parametrize(("language", "expected"), [("de", "Fronleichnam"), ("en", "Corpus Christi")])
def test_month_and_week_name_holidays_in_the_readers_language(client, coordinator, language, expected):
    login(client, coordinator, language)
    month = client.get(reverse("roster:month_of", args=[2026, 6])).content.decode()
    week = client.get(reverse("roster:week_of", args=[2026, 23])).content.decode()
    assert expected in month
    assert expected in week


def test_today_on_a_weekend(client, agent):
    with time_machine.travel(datetime(2026, 12, 12, 12, 0, tzinfo=BERLIN), tick=False):
        login(client, agent)
        body = client.get(reverse("roster:today")).content.decode()
    assert "Kein Support (Wochenende)" in body
    assert "14.12.2026" in body  # Monday is the next support day


# --- week: agents ---------------------------------------------------------------------


def test_agent_sees_a_draft_as_not_yet_published(client, agent, draft_week):
    login(client, agent)
    body = client.get(reverse("roster:week_of", args=WEEK_ARGS)).content.decode()
    assert "noch nicht veröffentlicht" in body
    assert "Clara Schmid" not in body
    assert "Entwurf erstellen" not in body


def test_coordinator_sees_the_draft_with_actions_and_fairness(client, coordinator, draft_week):
    login(client, coordinator)
    body = client.get(reverse("roster:week_of", args=WEEK_ARGS)).content.decode()
    assert "Clara Schmid" in body
    assert "Entwurf erstellen" in body
    assert "Veröffentlichen" in body
    assert "Gerechtigkeit" in body
    assert 'hx-get="/roster/week/2026-W50/cell/2026-12-07/phone_duty/"' in body


def test_agent_cannot_generate_publish_or_edit(client, agent, draft_week, pool):
    login(client, agent)
    before = list(Assignment.objects.order_by("pk").values_list("pk", "user_id"))
    assert client.post(reverse("roster:week_generate", args=WEEK_ARGS)).status_code == 403
    assert client.post(reverse("roster:week_publish", args=WEEK_ARGS)).status_code == 403
    response = client.post(cell_url(MONDAY), {"user": pool[4].pk}, **htmx())
    assert response.status_code == 403
    assert client.get(cell_url(MONDAY), **htmx()).status_code == 403
    assert list(Assignment.objects.order_by("pk").values_list("pk", "user_id")) == before
    draft_week.refresh_from_db()
    assert draft_week.status == WeekStatus.DRAFT


# --- week: the coordinator's flow --------------------------------------------------------


def test_generate_then_publish(client, coordinator, pool):
    login(client, coordinator)
    response = client.post(reverse("roster:week_generate", args=WEEK_ARGS), follow=True)
    assert response.status_code == 200
    week = RosterWeek.objects.get(week_start=MONDAY)
    assert week.status == WeekStatus.DRAFT
    assert Assignment.objects.filter(week=week, user__isnull=False).count() == 10
    body = response.content.decode()
    assert "Entwurf erstellt" in body
    assert 'class="badge draft"' in body

    response = client.post(reverse("roster:week_publish", args=WEEK_ARGS), follow=True)
    week.refresh_from_db()
    assert week.status == WeekStatus.PUBLISHED
    assert week.version == 1
    body = response.content.decode()
    assert "Veröffentlicht · Version 1" in body
    assert "Entwurf erstellen" not in body
    holders = set(Assignment.objects.filter(week=week).values_list("user_id", flat=True))
    assert set(NotificationDelivery.objects.values_list("recipient_id", flat=True)) == holders
    notice = NotificationDelivery.objects.filter(event="roster/week_published").first()
    assert notice.subject == "Dienstplan KW 50 veröffentlicht"
    assert "Horst Schreiber hat den Dienstplan für KW 50 veröffentlicht (Version 1)" in notice.body_text
    assert "/roster/week/2026-W50/" in notice.body_text
    assert notice.body_text.count("\n- ") == Assignment.objects.filter(user=notice.recipient).count()
    assert "<table" in notice.body_html


def test_generate_reports_a_published_week_as_skipped(client, coordinator, published_week):
    login(client, coordinator, "en")
    before = list(Assignment.objects.order_by("pk").values_list("user_id", flat=True))
    response = client.post(reverse("roster:week_generate", args=WEEK_ARGS), follow=True)
    assert "Week 50 is published and was left as it is" in response.content.decode()
    assert list(Assignment.objects.order_by("pk").values_list("user_id", flat=True)) == before


def test_generate_with_htmx_redirects_the_client(client, coordinator, pool):
    login(client, coordinator)
    response = client.post(reverse("roster:week_generate", args=WEEK_ARGS), **htmx())
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/roster/week/2026-W50/"


def test_publish_without_a_plan_is_a_message(client, coordinator):
    login(client, coordinator, "en")
    response = client.post(reverse("roster:week_publish", args=WEEK_ARGS), follow=True)
    assert response.status_code == 200
    assert "generate a draft first" in response.content.decode()
    assert not RosterWeek.objects.exists()


def test_cell_edit_form_is_a_partial(client, coordinator, draft_week, pool):
    login(client, coordinator)
    response = client.get(cell_url(MONDAY), **htmx())
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<td id="cell-20261207-phone_duty"')
    assert "<html" not in body
    assert "<select" in body
    # Felix works Monday to Wednesday: eligible on Monday, and everyone of the pool with him.
    for user in pool:
        assert user.name in body
    assert 'name="reason"' not in body  # a draft needs no reason

    friday = client.get(cell_url(MONDAY + timedelta(days=4)), **htmx()).content.decode()
    assert "Felix Weber" not in friday


def test_cell_edit_cancel_returns_the_display_cell(client, coordinator, draft_week):
    login(client, coordinator)
    body = client.get(cell_url(MONDAY) + "?cancel=1", **htmx()).content.decode()
    assert body.lstrip().startswith('<td id="cell-20261207-phone_duty"')
    assert "<select" not in body
    assert "Clara Schmid" in body


def test_cell_edit_saves_and_returns_the_row(client, coordinator, draft_week, pool):
    login(client, coordinator)
    eva = pool[4]
    response = client.post(cell_url(MONDAY), {"user": eva.pk}, **htmx())
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<tr id="day-20261207"')
    assert "Eva Fischer" in body
    assert "roster-changed" in response["HX-Trigger"]
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user == eva


def test_cell_edit_to_open(client, coordinator, draft_week):
    login(client, coordinator)
    response = client.post(cell_url(MONDAY), {"user": ""}, **htmx())
    assert response.status_code == 200
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user is None
    assert "offen" in response.content.decode()


def test_cell_edit_without_htmx_redirects_with_a_message(client, coordinator, draft_week, pool):
    login(client, coordinator)
    assert "<select" in client.get(cell_url(MONDAY)).content.decode()  # the whole page with the form
    response = client.post(cell_url(MONDAY), {"user": pool[4].pk}, follow=True)
    assert "Der Dienstplan wurde geändert." in response.content.decode()


def test_published_cell_needs_a_reason(client, coordinator, published_week, pool):
    login(client, coordinator)
    form = client.get(cell_url(MONDAY), **htmx()).content.decode()
    assert 'name="reason"' in form
    before = Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user

    response = client.post(cell_url(MONDAY), {"user": pool[4].pk, "reason": " "}, **htmx())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Eine Änderung am veröffentlichten Plan braucht eine Begründung." in body
    assert "HX-Trigger" not in response
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user == before
    published_week.refresh_from_db()
    assert published_week.version == 1
    assert not AssignmentChange.objects.exists()

    response = client.post(cell_url(MONDAY), {"user": pool[4].pk}, follow=True)
    assert "braucht eine Begründung" in response.content.decode()
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user == before


def test_published_cell_with_a_reason_bumps_the_version(client, coordinator, published_week, pool):
    eva = pool[4]
    eva.language = "en"
    eva.save(update_fields=["language"])
    login(client, coordinator)
    response = client.post(cell_url(MONDAY), {"user": pool[4].pk, "reason": "Arzttermin"}, **htmx())
    assert response.status_code == 200
    published_week.refresh_from_db()
    assert published_week.version == 2
    change = AssignmentChange.objects.get()
    assert change.reason == "Arzttermin"
    notices = {n.recipient: n for n in NotificationDelivery.objects.filter(event="roster/assignment_changed")}
    assert set(notices) == {pool[0], pool[4]}  # Anna had the duty, Eva has it now
    notice = notices[pool[0]]
    assert notice.subject == "Dienstplanänderung am Mo 07.12.2026"
    assert "Telefondienst: Anna Huber → Eva Fischer" in notice.body_text
    assert "Begründung: Arzttermin" in notice.body_text
    english = notices[eva]
    assert english.subject == "Roster change on Mon 07.12.2026"
    assert "Phone duty: Anna Huber → Eva Fischer" in english.body_text
    status = client.get(reverse("roster:week_of", args=WEEK_ARGS), **htmx(HTTP_HX_TARGET="week-status"))
    assert status.content.decode().lstrip().startswith('<div id="week-status"')
    assert "Version 2" in status.content.decode()


def test_swapping_the_days_two_holders_updates_both_cells(client, coordinator, draft_week, pool):
    login(client, coordinator)
    clara, david = pool[2], pool[3]
    response = client.post(cell_url(MONDAY), {"user": david.pk}, **htmx())
    assert response.status_code == 200
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user == david
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.TECHNICAL_STANDBY).user == clara
    body = response.content.decode()
    assert body.index("David Wagner") < body.index("Clara Schmid")


def test_cell_edit_with_an_ineligible_person_is_a_message(client, coordinator, draft_week, pool):
    login(client, coordinator)
    felix = pool[5]
    friday = MONDAY + timedelta(days=4)
    response = client.post(cell_url(friday), {"user": felix.pk}, **htmx())
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert Assignment.objects.get(date=friday, duty__code=Duty.PHONE_DUTY).user != felix


def test_cell_edit_on_a_holiday_is_a_message_not_an_error(client, coordinator, pool):
    login(client, coordinator, "en")
    christmas = date(2026, 12, 25)
    response = client.get(cell_url(christmas), follow=True)
    assert response.status_code == 200
    assert "has no support window" in response.content.decode()


def test_bad_week_and_cell_urls_are_404(client, coordinator):
    login(client, coordinator)
    assert client.get("/roster/week/2026-W60/").status_code == 404
    assert client.get(cell_url(MONDAY, "nonsense")).status_code == 404
    iso = MONDAY.isocalendar()
    other_week = reverse("roster:cell_edit", args=[iso.year, iso.week, "2026-12-15", Duty.PHONE_DUTY])
    assert client.get(other_week).status_code == 404


def test_week_shows_problems_and_closed_days(client, coordinator, pool):
    christmas_week = date(2026, 12, 21)
    week = make_week(christmas_week, alternating(pool[0], pool[1], days=3))
    Assignment.objects.filter(date=christmas_week, duty__code=Duty.PHONE_DUTY).update(user=None)
    week.problems = [{"date": "2026-12-21", "duty": Duty.PHONE_DUTY, "reason": "Nobody is available."}]
    week.save()
    ClosingDay.objects.create(date=date(2026, 12, 24), name="Heiligabend")
    login(client, coordinator)
    body = client.get(reverse("roster:week_of", args=[2026, 52])).content.decode()
    assert "Probleme" in body
    assert "Nobody is available." in body or "Niemand" in body
    assert "Kein Support (Heiligabend)" in body
    assert "Kein Support (Erster Weihnachtstag)" in body


# --- the week view's queries do not grow with the data ------------------------------------


def _week_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("roster:week_of", args=WEEK_ARGS))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_week_view_query_count_is_constant(client, coordinator, pool, django_assert_num_queries):
    login(client, coordinator)
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    _week_queries(client)  # warms the per-process support calendar
    small = _week_queries(client)

    for i in range(14):
        PoolMemberFactory(user=UserFactory(username=f"extra{i}"))
    for weeks_back in range(1, 4):
        make_week(MONDAY - timedelta(weeks=weeks_back), alternating(pool[weeks_back], pool[weeks_back + 1]))
    with django_assert_num_queries(small):
        response = client.get(reverse("roster:week_of", args=WEEK_ARGS))
    body = response.content.decode()
    assert body.count('<th scope="row">') >= 5 + 20  # five days, twenty people in the fairness table


# --- month and my duties --------------------------------------------------------------


def test_month_hides_drafts_from_agents(client, agent, coordinator, draft_week):
    login(client, agent)
    assert "Clara Schmid" not in client.get(reverse("roster:month_of", args=[2026, 12])).content.decode()
    login(client, coordinator)
    body = client.get(reverse("roster:month_of", args=[2026, 12])).content.decode()
    assert "Clara Schmid" in body
    assert 'class="badge draft"' in body


def test_month_out_of_range_is_404(client, agent):
    login(client, agent)
    assert client.get("/roster/month/2026-13/").status_code == 404


def test_my_duties_lists_upcoming_and_past_with_partner(client, pool, published_week):
    anna = pool[0]
    earlier = make_week(MONDAY - timedelta(weeks=2), alternating(anna, pool[2]), published=True)
    assert earlier.is_published
    login(client, anna, "en")
    body = client.get(reverse("roster:my_duties")).content.decode()
    upcoming, past = body.split('id="past-title"')
    assert "Bernd Maier" in upcoming
    assert "Clara Schmid" in past
    # Tuesday to Friday of this week are upcoming (Anna alternates phone duty and standby with Bernd).
    assert upcoming.count("<tr") == 5  # header + 4 days


# --- team -----------------------------------------------------------------------------


def test_team_lists_people_and_pool_days(client, agent, pool):
    login(client, agent)
    body = client.get(reverse("roster:team")).content.decode()
    for user in pool:
        assert user.name in body
        assert f'href="mailto:{user.email}"' in body
    assert "Koordinator" not in body or "Jonas Berger" in body
    assert "pool_member_edit" not in body and "/roster/settings/pool/" not in body


def test_coordinator_edits_pool_days_in_place(client, coordinator, pool):
    login(client, coordinator)
    felix = pool[5]
    url = reverse("roster:pool_member_edit", args=[felix.pk])
    form = client.get(url, **htmx()).content.decode()
    assert form.lstrip().startswith(f'<tr id="member-{felix.pk}"')
    assert 'type="checkbox"' in form
    response = client.post(url, {"weekdays": ["0", "1", "2", "3"], "active": "on"}, **htmx())
    assert response.status_code == 200
    assert PoolMember.objects.get(user=felix).weekdays == [0, 1, 2, 3]
    assert "<form" not in response.content.decode()


def test_coordinator_adds_someone_to_the_pool(client, coordinator, agent):
    login(client, coordinator)
    url = reverse("roster:pool_member_edit", args=[agent.pk])
    response = client.post(url, {"weekdays": ["1", "3"], "active": "on"}, follow=True)
    assert response.status_code == 200
    member = PoolMember.objects.get(user=agent)
    assert member.weekdays == [1, 3] and member.active


def test_agent_cannot_edit_the_pool(client, agent, pool):
    login(client, agent)
    url = reverse("roster:pool_member_edit", args=[pool[0].pk])
    assert client.post(url, {"weekdays": ["0"], "active": "on"}).status_code == 403
    assert PoolMember.objects.get(user=pool[0]).weekdays == [0, 1, 2, 3, 4]


# --- support calendar settings -----------------------------------------------------------


def test_support_windows_are_saved(client, coordinator):
    login(client, coordinator)
    data = {"form": "windows"}
    for weekday in range(7):
        data |= {f"w{weekday}-start": "16:00", f"w{weekday}-end": "18:00"}
        if weekday < 5:
            data[f"w{weekday}-active"] = "on"
    data["w4-start"] = "15:00"
    data["w4-end"] = "17:00"
    response = client.post(reverse("roster:calendar_settings"), data)
    assert response.status_code == 302
    friday = SupportWindow.objects.get(weekday=4)
    assert (friday.start.hour, friday.end.hour, friday.active) == (15, 17, True)
    assert SupportWindow.objects.get(weekday=5).active is False


def test_a_window_that_ends_before_it_starts_is_refused(client, coordinator):
    login(client, coordinator, "en")
    data = {"form": "windows"}
    for weekday in range(7):
        data |= {f"w{weekday}-start": "16:00", f"w{weekday}-end": "18:00", f"w{weekday}-active": "on"}
    data["w0-end"] = "15:00"
    response = client.post(reverse("roster:calendar_settings"), data)
    assert response.status_code == 200
    assert "The window must end after it starts." in response.content.decode()
    assert SupportWindow.objects.get(weekday=0).end.hour == 18
    assert not SupportWindow.objects.filter(weekday=6).exists()


def test_roster_settings_are_saved(client, coordinator):
    login(client, coordinator)
    data = {
        "form": "settings",
        "core_start": "08:00",
        "core_end": "16:30",
        "core_weekdays": ["0", "1", "2", "3", "4"],
        "holiday_state": "NW",
        "rotation_mode": "daily",
        "fairness_horizon_weeks": "8",
        "draft_weekday": "3",
        "draft_time": "07:30",
    }
    response = client.post(reverse("roster:calendar_settings"), data)
    assert response.status_code == 302
    cfg = RosterSettings.objects.get(pk=1)
    assert (cfg.holiday_state, cfg.rotation_mode, cfg.fairness_horizon_weeks) == ("NW", "daily", 8)
    assert cfg.core_start.hour == 8


def test_closing_days_are_added_and_removed(client, coordinator):
    login(client, coordinator)
    response = client.post(reverse("roster:closing_day_add"), {"date": "2026-12-31", "name": "Silvester"}, follow=True)
    assert "Silvester" in response.content.decode()
    closing = ClosingDay.objects.get(date=date(2026, 12, 31))
    client.post(reverse("roster:closing_day_delete", args=[closing.pk]))
    assert not ClosingDay.objects.exists()


def test_agent_cannot_change_the_calendar(client, agent):
    login(client, agent)
    assert client.post(reverse("roster:calendar_settings"), {"form": "settings"}).status_code == 403
    assert client.post(reverse("roster:closing_day_add"), {"date": "2026-12-31"}).status_code == 403
    assert not ClosingDay.objects.exists()


# --- feeds ----------------------------------------------------------------------------


def test_feeds_page_shows_absolute_urls(client, coordinator, agent, settings):
    settings.SITE_URL = "https://support.example.test"
    login(client, agent)
    body = client.get(reverse("roster:feeds")).content.decode()
    token = FeedToken.objects.get(user=agent).token
    assert f"https://support.example.test/roster/feeds/{token}.ics" in body
    assert not FeedToken.objects.filter(user__isnull=True).exists()  # agents get no team feed

    login(client, coordinator)
    body = client.get(reverse("roster:feeds")).content.decode()
    team = FeedToken.objects.get(user__isnull=True).token
    assert f"https://support.example.test/roster/feeds/{team}.ics" in body


def test_feed_renew_replaces_the_token(client, agent):
    login(client, agent)
    client.get(reverse("roster:feeds"))
    old = FeedToken.objects.get(user=agent).token
    response = client.post(reverse("roster:feed_renew"), {"scope": "personal"}, follow=True)
    new = FeedToken.objects.get(user=agent).token
    assert new != old
    assert new in response.content.decode()


def test_agent_cannot_renew_the_team_feed(client, agent, coordinator):
    login(client, coordinator)
    client.get(reverse("roster:feeds"))
    team = FeedToken.objects.get(user__isnull=True).token
    login(client, agent)
    assert client.post(reverse("roster:feed_renew"), {"scope": "team"}).status_code == 403
    assert FeedToken.objects.get(user__isnull=True).token == team


def test_pages_need_a_login(client):
    response = client.get(reverse("roster:week"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_published_week_lists_its_changes_with_who_when_and_why(client, coordinator, pool):
    monday = date(2026, 12, 7)
    make_week(monday, alternating(pool[0], pool[1]), published=True)
    services.assignment_set(
        actor=coordinator,
        day=monday,
        duty=Duty.objects.get(code=Duty.PHONE_DUTY),
        user=pool[2],
        reason="Anna ist beim Kunden",
    )
    client.force_login(coordinator)
    body = client.get("/roster/week/2026-W50/").content.decode()
    assert "Änderungen seit der Veröffentlichung" in body
    assert "Anna ist beim Kunden" in body
    assert "Horst Schreiber" in body and "Version 2" in body


def test_today_shows_open_prio1_cases_and_the_intake_check_in_the_window(client, agent, pool):
    from supportdesk.tickets import services as ticket_services

    day = date(2026, 12, 1)
    make_week(date(2026, 11, 30), alternating(pool[0], pool[1]), published=True)
    with time_machine.travel(datetime(2026, 12, 1, 16, 5, tzinfo=BERLIN), tick=False):
        ticket = ticket_services.ticket_create(actor=agent, subject="Produktion steht", priority=1)
        ticket_services.intake_check_open(due_at=datetime(2026, 12, 1, 16, 0, tzinfo=BERLIN))
        client.force_login(agent)
        body = client.get("/roster/today/").content.decode()
    assert ticket.number in body and "Produktion steht" in body
    assert body.count('id="intake-check"') == 1
    assert "<title>Heute · Supportdesk</title>" in body
    assert day.strftime("%d.%m.%Y") in body


def test_today_has_no_intake_check_outside_the_window(client, agent):
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN), tick=False):
        client.force_login(agent)
        body = client.get("/roster/today/").content.decode()
    assert 'id="intake-check"' not in body
