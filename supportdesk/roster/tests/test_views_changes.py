"""The plan-change pages (R5–R7) through Django's test client: absences, sick reports, requests."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.roster import selectors, services
from supportdesk.roster.models import Absence, Duty, RosterWeek, SwapRequest, SwapStatus
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)
WEDNESDAY = date(2026, 12, 9)
FRIDAY = date(2026, 12, 11)
NEXT_MONDAY = date(2026, 12, 14)
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN)
"""Friday before the week: everything in it lies ahead."""
PHONE, STANDBY = Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def week(pool):
    """Anna and Bernd alternate (Anna has phone duty on Monday, Wednesday, Friday)."""
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


def login(client, user, language="de"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def htmx(**extra):
    return {"HTTP_HX_REQUEST": "true", **extra}


def duty(code: str) -> Duty:
    return Duty.objects.get(code=code)


def holder(day: date, code: str):
    return selectors.holders_on(day=day)[code].user


# --- every new page renders ------------------------------------------------------

PAGES = [
    ("roster:absences", {"de": "Meine Abwesenheiten", "en": "My absences"}),
    ("roster:report_sick", {"de": "Krank melden", "en": "Report sick"}),
    ("roster:requests", {"de": "Anfragen an mich", "en": "Requests to me"}),
]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("role", ["coordinator", "agent"])
@pytest.mark.parametrize(("name", "texts"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders(request, client, week, role, language, name, texts):
    user = request.getfixturevalue(role)
    login(client, user, language)
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    assert texts[language] in body
    assert f'lang="{language}"' in body
    assert {"de": "Abwesenheiten", "en": "Absences"}[language] in body  # the navigation
    assert "style=" not in body
    if role == "coordinator" and name == "roster:absences":
        assert {"de": "Alle Abwesenheiten", "en": "All absences"}[language] in body
    if role == "agent" and name == "roster:absences":
        assert {"de": "Alle Abwesenheiten", "en": "All absences"}[language] not in body
        assert 'name="user"' not in body


@pytest.mark.parametrize("language", ["de", "en"])
def test_import_page_renders_for_coordinator_only(client, coordinator, agent, language):
    login(client, coordinator, language)
    response = client.get(reverse("roster:absences_import"))
    assert response.status_code == 200
    assert {"de": "Abwesenheiten importieren", "en": "Import absences"}[language] in response.content.decode()
    login(client, agent, language)
    assert client.get(reverse("roster:absences_import")).status_code == 403


@pytest.mark.parametrize("language", ["de", "en"])
def test_request_pages_render(client, pool, week, language):
    anna, clara = pool[0], pool[2]
    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara)
    login(client, clara, language)
    for url in (
        reverse("roster:request_detail", args=[swap.pk]),
        reverse("roster:request_token", args=[swap.token]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    login(client, anna, language)
    response = client.get(reverse("roster:request_new") + f"?date={WEDNESDAY}&duty={PHONE}")
    assert response.status_code == 200
    assert {"de": "Tausch / Übernahme anfragen", "en": "Ask for swap / takeover"}[language] in response.content.decode()


# --- absences ------------------------------------------------------------------------


def test_entering_a_vacation_shows_its_cover_status_and_uncovered_duties(client, pool, week):
    anna = pool[0]
    login(client, anna)
    response = client.post(
        reverse("roster:absences"),
        {"kind": "vacation", "start": "2026-12-07", "end": "2026-12-08", "note": "Skiurlaub"},
        follow=True,
    )
    absence = Absence.objects.get(user=anna)
    assert response.redirect_chain[-1][0] == reverse("roster:absence_detail", args=[absence.pk])
    body = response.content.decode()
    assert "Vertretung fehlt" in body
    assert "2 Dienste sind noch nicht vertreten" in body
    assert "2 Dienste brauchen noch eine Vertretung" in body
    assert "07.12.2026" in body and "08.12.2026" in body
    assert "Telefondienst" in body and "Technische Notfallbereitschaft" in body
    assert holder(MONDAY, PHONE) == anna  # a vacation keeps the duties until someone takes them
    ask = reverse("roster:request_new") + "?date=2026-12-07&amp;duty=phone_duty"
    assert ask in body

    listing = client.get(reverse("roster:absences")).content.decode()
    assert "Vertretung fehlt" in listing and "Skiurlaub" in listing


def test_vacation_without_duties_is_confirmed(client, pool, week):
    clara = pool[2]
    login(client, clara, "en")
    response = client.post(
        reverse("roster:absences"), {"kind": "vacation", "start": "2026-12-07", "end": "2026-12-08"}, follow=True
    )
    assert "Confirmed" in response.content.decode()
    assert "hits none of your duties" in response.content.decode()


def test_overlapping_absence_is_a_clear_message_and_changes_nothing(client, pool, week):
    anna = pool[0]
    services.absence_create(actor=anna, user=anna, kind="vacation", start=MONDAY, end=TUESDAY)
    login(client, anna)
    response = client.post(reverse("roster:absences"), {"kind": "other", "start": "2026-12-08", "end": "2026-12-09"})
    assert response.status_code == 200
    assert "ist bereits abwesend vom 07.12.2026 bis 08.12.2026" in response.content.decode()
    assert Absence.objects.count() == 1


def test_end_before_start_is_refused(client, pool, week):
    login(client, pool[0])
    response = client.post(reverse("roster:absences"), {"kind": "vacation", "start": "2026-12-09", "end": "2026-12-08"})
    assert response.status_code == 200
    assert "Enddatum" in response.content.decode()
    assert not Absence.objects.exists()


def test_agent_cannot_enter_absences_for_others(client, pool, week):
    anna, bernd = pool[0], pool[1]
    login(client, bernd)
    for name, data in [
        ("roster:absences", {"user": anna.pk, "kind": "vacation", "start": "2026-12-07", "end": "2026-12-08"}),
        ("roster:report_sick", {"user": anna.pk, "start": "2026-12-07", "end": "2026-12-07"}),
    ]:
        response = client.post(reverse(name), data)
        assert response.status_code == 403
    assert not Absence.objects.exists()
    assert holder(MONDAY, PHONE) == anna


def test_coordinator_enters_an_absence_for_anyone_and_filters_cover_missing(client, coordinator, pool, week):
    anna, clara = pool[0], pool[2]
    login(client, coordinator)
    client.post(
        reverse("roster:absences"), {"user": anna.pk, "kind": "vacation", "start": "2026-12-07", "end": "2026-12-07"}
    )
    client.post(
        reverse("roster:absences"), {"user": clara.pk, "kind": "vacation", "start": "2026-12-07", "end": "2026-12-07"}
    )
    assert set(Absence.objects.values_list("user__username", "created_by__username")) == {
        ("anna", "horst"),
        ("clara", "horst"),
    }
    body = client.get(reverse("roster:absences") + "?cover=missing").content.decode()
    assert 'id="absence-' in body
    assert "Anna Huber" in body
    team = body[body.index("Alle Abwesenheiten") :]
    assert "Clara Schmid" not in team  # confirmed: nothing to cover
    assert "Anna Huber" in team


def test_absence_detail_is_private(client, pool, week):
    anna, bernd = pool[0], pool[1]
    absence = services.absence_create(actor=anna, user=anna, kind="vacation", start=MONDAY, end=MONDAY)
    login(client, bernd)
    assert client.get(reverse("roster:absence_detail", args=[absence.pk])).status_code == 403


# --- sick reports ----------------------------------------------------------------------


def test_sick_report_opens_duties_and_the_offer_appears_for_candidates(client, coordinator, pool, week):
    anna, clara = pool[0], pool[2]
    login(client, anna)
    response = client.post(
        reverse("roster:report_sick"), {"start": "2026-12-07", "end": "2026-12-08", "note": ""}, follow=True
    )
    body = response.content.decode()
    assert "Gute Besserung" in body
    assert holder(MONDAY, PHONE) is None and holder(TUESDAY, STANDBY) is None
    offers = SwapRequest.objects.filter(requester__isnull=True, status=SwapStatus.OPEN)
    assert offers.count() == 2
    assert clara.pk in offers.first().offered_to

    login(client, clara)
    page = client.get(reverse("roster:requests")).content.decode()
    offer_section = page[page.index("Offene Dienste, die Sie übernehmen können") :]
    assert "Anna Huber hat sich krank gemeldet" in offer_section
    assert "Übernehmen" in offer_section
    nav = client.get(reverse("roster:my_duties")).content.decode()
    assert 'class="nav-count"' in nav

    login(client, coordinator)
    today_page = client.get(reverse("roster:today")).content.decode()
    assert "Offene Dienste in den nächsten 14 Tagen" in today_page
    assert "angeboten" in today_page


def test_coordinator_reports_someone_sick(client, coordinator, pool, week):
    anna = pool[0]
    login(client, coordinator)
    response = client.post(
        reverse("roster:report_sick"), {"user": anna.pk, "start": "2026-12-07", "end": "2026-12-07"}, follow=True
    )
    assert "Anna Huber ist krank gemeldet" in response.content.decode()
    assert Absence.objects.get().kind == "sick"
    assert holder(MONDAY, PHONE) is None


def test_today_banner_links_to_the_open_offer(client, pool, week):
    anna, clara = pool[0], pool[2]
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN), tick=False):
        services.absence_create(actor=anna, user=anna, kind="sick", start=MONDAY, end=MONDAY)
        offer = SwapRequest.objects.get(date=MONDAY, status=SwapStatus.OPEN)
        login(client, clara)
        body = client.get(reverse("roster:today")).content.decode()
        assert "Heute nicht besetzt" in body
        assert reverse("roster:request_detail", args=[offer.pk]) in body
        assert "übernehmen" in body
        response = client.post(reverse("roster:request_detail", args=[offer.pk]), {"action": "accept"}, follow=True)
        assert response.status_code == 200
        assert holder(MONDAY, PHONE) == clara


# --- requests --------------------------------------------------------------------------


def test_ask_for_takeover_from_everyone_eligible(client, pool, week):
    anna = pool[0]
    login(client, anna)
    my = client.get(reverse("roster:my_duties")).content.decode()
    assert "?date=2026-12-07&amp;duty=phone_duty" in my
    response = client.post(
        reverse("roster:request_new"),
        {"date": "2026-12-07", "duty": PHONE, "kind": "takeover", "candidate": "", "note": "Arzttermin"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("roster:requests")
    swap = SwapRequest.objects.get()
    assert (swap.requester, swap.candidate, swap.note) == (anna, None, "Arzttermin")
    assert len(swap.offered_to) == 4  # Clara, David, Eva, Felix; Bernd holds the other duty that day
    assert "Meine offenen Anfragen" in response.content.decode()


def test_ask_form_lists_only_eligible_colleagues(client, pool, week):
    anna, felix = pool[0], pool[5]
    login(client, anna)
    body = client.get(reverse("roster:request_new") + f"?date={FRIDAY}&duty={PHONE}").content.decode()
    assert "Clara Schmid" in body
    assert f'value="{felix.pk}"' not in body  # Felix works Monday to Wednesday only


def test_cannot_ask_for_someone_elses_duty(client, pool, week):
    clara = pool[2]
    login(client, clara)
    response = client.get(reverse("roster:request_new") + f"?date={MONDAY}&duty={PHONE}", follow=True)
    assert "Sie haben Telefondienst am 07.12.2026 nicht" in response.content.decode()
    assert not SwapRequest.objects.exists()


def test_week_offers_the_ask_action_on_own_cells_only(client, pool, week):
    anna = pool[0]
    login(client, anna)
    body = client.get(reverse("roster:week_of", args=[2026, 50])).content.decode()
    assert body.count('class="cell-ask"') == 5  # one duty a day, Monday to Friday


def test_colleague_accepts_a_takeover_from_the_requests_page(client, coordinator, pool, week):
    anna, clara = pool[0], pool[2]
    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE))
    login(client, clara)
    page = client.get(reverse("roster:requests")).content.decode()
    assert f'id="request-{swap.pk}"' in page
    response = client.post(reverse("roster:request_act", args=[swap.pk, "accept"]), **htmx())
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="request-lists"')
    assert "Erledigt: Sie haben jetzt Telefondienst" in body
    assert "roster-changed" in response.headers["HX-Trigger"]
    assert holder(MONDAY, PHONE) == clara
    assert RosterWeek.objects.get(pk=week.pk).version == 2
    swap.refresh_from_db()
    assert swap.status == SwapStatus.ACCEPTED


def test_accepting_twice_is_a_message_not_a_change(client, pool, week):
    anna, clara, david = pool[0], pool[2], pool[3]
    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE))
    services.swap_request_accept(actor=clara, request=swap)
    login(client, david)
    response = client.post(reverse("roster:request_act", args=[swap.pk, "accept"]), follow=True)
    assert response.status_code == 200
    assert "nicht mehr offen" in response.content.decode()
    assert holder(MONDAY, PHONE) == clara


def test_decline_and_withdraw(client, pool, week):
    anna, clara = pool[0], pool[2]
    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara)
    login(client, clara)
    response = client.post(reverse("roster:request_act", args=[swap.pk, "decline"]), **htmx())
    assert response.status_code == 200
    swap.refresh_from_db()
    assert swap.status == SwapStatus.DECLINED
    assert holder(MONDAY, PHONE) == anna
    assert anna.notifications.filter(event="roster/swap_declined").count() == 1

    second = services.swap_request_create(actor=anna, day=WEDNESDAY, duty=duty(PHONE))
    # Clara cannot withdraw Anna's request.
    client.post(reverse("roster:request_act", args=[second.pk, "withdraw"]))
    second.refresh_from_db()
    assert second.status == SwapStatus.OPEN
    login(client, anna)
    response = client.post(reverse("roster:request_act", args=[second.pk, "withdraw"]), follow=True)
    assert "zurückgezogen" in response.content.decode()
    second.refresh_from_db()
    assert second.status == SwapStatus.WITHDRAWN
    history = client.get(reverse("roster:requests")).content.decode()
    assert "Zurückgezogen" in history and "Abgelehnt" in history


def test_swap_request_through_the_form(client, pool, week):
    anna, clara, david = pool[0], pool[2], pool[3]
    make_week(NEXT_MONDAY, alternating(clara, david), published=True)
    login(client, anna)
    response = client.post(
        reverse("roster:request_new"),
        {"date": "2026-12-07", "duty": PHONE, "kind": "swap", "candidate": "", "target": f"{NEXT_MONDAY}|{PHONE}"},
        follow=True,
    )
    assert "Ihre Anfrage wurde an Clara Schmid geschickt" in response.content.decode()
    swap = SwapRequest.objects.get()
    login(client, clara)
    client.post(reverse("roster:request_act", args=[swap.pk, "accept"]))
    assert holder(MONDAY, PHONE) == clara
    assert holder(NEXT_MONDAY, PHONE) == anna


def test_swap_without_target_is_a_form_error(client, pool, week):
    login(client, pool[0])
    response = client.post(
        reverse("roster:request_new"), {"date": "2026-12-07", "duty": PHONE, "kind": "swap", "candidate": ""}
    )
    assert response.status_code == 200
    assert "Ein Tausch braucht" in response.content.decode()
    assert not SwapRequest.objects.exists()


# --- the one-click link of the notice ------------------------------------------------


def test_token_link_shows_on_get_and_acts_only_on_post(client, pool, week):
    anna, clara = pool[0], pool[2]
    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara)
    url = reverse("roster:request_token", args=[swap.token])
    notice = clara.notifications.get(event="roster/swap_requested")
    assert url in notice.body_text
    assert url in notice.body_html

    login(client, clara)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Annehmen: ich übernehme" in body and "Ablehnen" in body
    assert holder(MONDAY, PHONE) == anna  # GET never acts

    response = client.post(url, {"action": "accept"}, follow=True)
    assert "Erledigt" in response.content.decode()
    assert holder(MONDAY, PHONE) == clara

    # The link is used up: showing it again says so, posting again changes nothing.
    response = client.get(url)
    assert response.status_code == 200
    assert "nicht mehr offen (Angenommen)" in response.content.decode()
    assert "Annehmen: ich übernehme" not in response.content.decode()
    response = client.post(url, {"action": "decline"}, follow=True)
    assert "nicht mehr offen" in response.content.decode()
    swap.refresh_from_db()
    assert swap.status == SwapStatus.ACCEPTED


def test_token_link_decline(client, pool, week):
    anna, clara = pool[0], pool[2]
    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara)
    login(client, clara)
    client.post(reverse("roster:request_token", args=[swap.token]), {"action": "decline"})
    swap.refresh_from_db()
    assert swap.status == SwapStatus.DECLINED


def test_unknown_and_expired_token_links(client, pool, week):
    anna, clara = pool[0], pool[2]
    login(client, clara)
    response = client.get(reverse("roster:request_token", args=["no-such-token"]))
    assert response.status_code == 404
    assert "Dieser Link ist nicht gültig" in response.content.decode()
    response = client.post(reverse("roster:request_token", args=["no-such-token"]), {"action": "accept"})
    assert response.status_code == 404

    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara)
    with time_machine.travel(datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN), tick=False):
        url = reverse("roster:request_token", args=[swap.token])
        response = client.get(url)
        assert response.status_code == 200
        assert "Der Tag ist vorbei" in response.content.decode()
        response = client.post(url, {"action": "accept"}, follow=True)
        assert response.status_code == 200
        assert "ist vorbei" in response.content.decode()
    assert holder(MONDAY, PHONE) == anna


def test_request_addressed_to_someone_else(client, pool, week):
    anna, clara, david = pool[0], pool[2], pool[3]
    swap = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara)
    login(client, david)
    response = client.post(reverse("roster:request_token", args=[swap.token]), {"action": "accept"}, follow=True)
    assert response.status_code == 200
    assert "richtet sich an Clara Schmid" in response.content.decode()
    assert holder(MONDAY, PHONE) == anna


# --- iCalendar import --------------------------------------------------------------------

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
BEGIN:VEVENT
UID:vac-1@example.test
DTSTART;VALUE=DATE:20261207
DTEND;VALUE=DATE:20261209
SUMMARY:Urlaub Anna
ATTENDEE:mailto:anna@example.test
END:VEVENT
BEGIN:VEVENT
UID:vac-2@example.test
DTSTART;VALUE=DATE:20261207
DTEND;VALUE=DATE:20261208
SUMMARY:Urlaub Fremd
ATTENDEE:mailto:nobody@example.test
END:VEVENT
END:VCALENDAR
"""


def test_ical_upload_imports_and_reports(client, coordinator, pool, week):
    login(client, coordinator)
    upload = SimpleUploadedFile("urlaub.ics", ICS, content_type="text/calendar")
    response = client.post(reverse("roster:absences_import"), {"file": upload, "kind": "vacation"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 neu" in body and "1 nicht importiert" in body
    assert "Urlaub Fremd" in body
    assert "keine Person mit dieser Mailadresse" in body
    absence = Absence.objects.get()
    assert (absence.user, absence.start, absence.end) == (pool[0], MONDAY, TUESDAY)


def test_ical_bad_file_changes_nothing(client, coordinator, pool, week):
    login(client, coordinator)
    upload = SimpleUploadedFile("urlaub.ics", b"%PDF-1.4 not a calendar", content_type="application/pdf")
    response = client.post(reverse("roster:absences_import"), {"file": upload, "kind": "vacation"})
    assert response.status_code == 200
    assert "keine iCalendar-Datei" in response.content.decode()
    assert not Absence.objects.exists()


def test_ical_needs_file_or_address(client, coordinator):
    login(client, coordinator)
    response = client.post(reverse("roster:absences_import"), {"kind": "vacation"})
    assert response.status_code == 200
    assert "Datei" in response.content.decode()
    response = client.post(reverse("roster:absences_import"), {"url": "ftp://example.test/cal.ics", "kind": "vacation"})
    assert response.status_code == 200
    assert not Absence.objects.exists()


# --- query counts -------------------------------------------------------------------------


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_absences(pool, first: int, count: int) -> None:
    for i in range(first, first + count):
        start = MONDAY + timedelta(weeks=i)
        Absence.objects.create(
            user=pool[i % len(pool)],
            kind="vacation",
            start=start,
            end=start + timedelta(days=1),
            duties_hit=[[start.isoformat(), PHONE]],
        )


def test_absence_list_queries_do_not_grow_with_rows(client, coordinator, pool, week, django_assert_max_num_queries):
    _add_absences(pool, 0, 1)
    login(client, coordinator)
    url = reverse("roster:absences")
    few = _count_queries(client, url)
    _add_absences(pool, 1, 12)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count('id="absence-') == 13


def test_requests_list_queries_do_not_grow_with_rows(client, coordinator, pool, week, django_assert_max_num_queries):
    anna, bernd, clara = pool[0], pool[1], pool[2]
    services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE))
    login(client, clara)
    url = reverse("roster:requests")
    few = _count_queries(client, url)
    for day in (TUESDAY, WEDNESDAY, date(2026, 12, 10)):
        code = PHONE if day.weekday() % 2 == 0 else STANDBY
        services.swap_request_create(actor=anna, day=day, duty=duty(code))
    done = services.swap_request_create(actor=anna, day=FRIDAY, duty=duty(PHONE))
    services.swap_request_withdraw(actor=anna, request=done)
    services.absence_create(actor=bernd, user=bernd, kind="sick", start=FRIDAY, end=FRIDAY)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count('class="request') >= 5
    login(client, coordinator)
    assert _count_queries(client, url) <= few + 2  # the coordinator's page has the same queries, plus the session
