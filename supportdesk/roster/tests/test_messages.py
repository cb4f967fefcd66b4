"""The services word their errors in the user's language: German users read German, English users English.

The same message reaches the user through the service, the pages and the API, with
dates as the language writes them.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from supportdesk.accounts.services import api_token_create
from supportdesk.core.exceptions import Conflict
from supportdesk.roster import selectors, services
from supportdesk.roster.exceptions import NotEligible
from supportdesk.roster.models import Absence, Duty, SwapRequest
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN)

pytestmark = pytest.mark.django_db

OVERLAP = {
    "de": "Anna Huber ist bereits abwesend vom 07.12.2026 bis 08.12.2026; "
    "Abwesenheiten einer Person dürfen sich nicht überschneiden.",
    "en": "Anna Huber is already absent from 07.12.2026 to 08.12.2026; absences of one person may not overlap.",
}
ABSENT = {"de": "Clara Schmid ist am 07.12.2026 abwesend.", "en": "Clara Schmid is absent on 07.12.2026."}
OWN_REQUEST = {"de": "Sie können Ihre eigene Anfrage nicht annehmen.", "en": "You cannot accept your own request."}
OTHER = {"de": "en", "en": "de"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def week(pool):
    """Anna has phone duty on Monday, Bernd the standby."""
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


def speaking(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def login(user, language) -> Client:
    client = Client()
    client.force_login(speaking(user, language))
    return client


def api_as(user, language) -> Client:
    _token, raw = api_token_create(user=speaking(user, language), name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def vacation(user, start=MONDAY, end=TUESDAY):
    return services.absence_create(actor=user, user=user, kind="vacation", start=start, end=end, now=NOW)


# --- the services ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_service_errors_are_worded_in_the_active_language(pool, week, language):
    vacation(pool[0])
    vacation(pool[2], end=MONDAY)
    with translation.override(language):
        with pytest.raises(Conflict) as overlap:
            vacation(pool[0], start=TUESDAY, end=TUESDAY)
        with pytest.raises(NotEligible) as absent:
            services.swap_request_create(
                actor=pool[0], day=MONDAY, duty=Duty.objects.get(code=Duty.PHONE_DUTY), candidate=pool[2], now=NOW
            )
    assert overlap.value.message == OVERLAP[language]
    assert absent.value.message == ABSENT[language]


def test_an_icalendar_problem_is_worded_in_the_active_language(coordinator, pool):
    data = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261207\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    with translation.override("de"):
        german = services.absences_import_ical(actor=coordinator, data=data, now=NOW).unmatched
    with translation.override("en"):
        english = services.absences_import_ical(actor=coordinator, data=data, now=NOW).unmatched
    assert [u["reason"] for u in german] == ["Termin ohne UID"]
    assert [u["reason"] for u in english] == ["event without UID"]


# --- the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_absence_page_shows_the_overlap_in_the_users_language(pool, week, language):
    vacation(pool[0])
    client = login(pool[0], language)
    response = client.post(reverse("roster:absences"), {"kind": "other", "start": "2026-12-08", "end": "2026-12-09"})
    body = response.content.decode()
    assert response.status_code == 200
    assert OVERLAP[language] in body
    assert OVERLAP[OTHER[language]] not in body
    assert Absence.objects.count() == 1


@pytest.mark.parametrize("language", ["de", "en"])
def test_ask_page_refuses_a_second_request_in_the_users_language(pool, week, language):
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    services.swap_request_create(actor=pool[0], day=MONDAY, duty=phone, now=NOW)
    client = login(pool[0], language)
    response = client.post(
        reverse("roster:request_new"), {"date": "2026-12-07", "duty": phone.code, "kind": "takeover"}, follow=True
    )
    expected = {
        "de": f"Für {phone.name} am 07.12.2026 gibt es schon eine offene Anfrage; ziehen Sie diese zuerst zurück.",
        "en": f"There is already an open request for {phone.name} on 07.12.2026; withdraw it first.",
    }
    body = response.content.decode()
    assert expected[language] in body
    assert expected[OTHER[language]] not in body
    assert SwapRequest.objects.count() == 1


@pytest.mark.parametrize("language", ["de", "en"])
def test_request_buttons_show_the_refusal_in_the_users_language(pool, week, language):
    swap = services.swap_request_create(
        actor=pool[0], day=MONDAY, duty=Duty.objects.get(code=Duty.PHONE_DUTY), candidate=pool[2], now=NOW
    )
    client = login(pool[0], language)
    response = client.post(reverse("roster:request_act", args=[swap.pk, "accept"]), follow=True)
    assert OWN_REQUEST[language] in response.content.decode()
    assert selectors.holders_on(day=MONDAY)[Duty.PHONE_DUTY].user == pool[0]


@pytest.mark.parametrize(("language", "reason"), [("de", "kein ganztägiger Termin"), ("en", "not an all-day event")])
def test_import_page_names_the_reasons_in_the_users_language(coordinator, pool, language, reason):
    ics = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m@x\r\nDTSTART:20261207T100000Z\r\n"
        b"SUMMARY:anna@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    client = login(coordinator, language)
    upload = SimpleUploadedFile("c.ics", ics, content_type="text/calendar")
    response = client.post(reverse("roster:absences_import"), {"file": upload, "kind": "vacation"})
    assert response.status_code == 200
    assert reason in response.content.decode()


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_api_overlap_is_in_the_token_owners_language(pool, week, language):
    vacation(pool[0])
    api = api_as(pool[0], language)
    response = api.post(
        reverse("api-absences"),
        {"username": "anna", "kind": "sick", "start": "2026-12-08", "end": "2026-12-08"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json() == {"detail": OVERLAP[language]}
    assert response["Content-Language"] == language


@pytest.mark.parametrize("language", ["de", "en"])
def test_api_swap_into_an_absence_is_in_the_token_owners_language(pool, week, language):
    vacation(pool[2], end=MONDAY)
    api = api_as(pool[0], language)
    response = api.post(
        reverse("api-swaps"),
        {"date": "2026-12-07", "duty": Duty.PHONE_DUTY, "candidate": "clara"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": ABSENT[language]}


@pytest.mark.parametrize(
    ("language", "detail"), [("de", "Keine aktive Person 'nobody'."), ("en", "No active user 'nobody'.")]
)
def test_api_own_errors_are_in_the_token_owners_language(pool, language, detail):
    response = api_as(pool[0], language).post(
        reverse("api-absences"),
        {"username": "nobody", "kind": "vacation", "start": "2026-12-08", "end": "2026-12-08"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json() == {"detail": detail}
