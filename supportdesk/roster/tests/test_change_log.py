"""The change log of a published week in the reader's language (R5, R7, R9).

The services store why a cell changed as a code with parameters; the week page words it
for each reader. A coordinator's own reason is shown as written. Rows written before the
codes (English sentences) are mapped to codes by a data migration.
"""

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.test import Client
from django.utils import translation

from supportdesk.roster import selectors, services
from supportdesk.roster.models import AssignmentChange, ChangeReason, Duty
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN)
WEEK_URL = "/roster/week/2026-W50/"

migration = importlib.import_module("supportdesk.roster.migrations.0006_assignmentchange_reason_codes_data")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def week(db, pool):
    """Published: Anna has phone duty on Monday, Bernd the standby."""
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


def login(user, language) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def change(code: str, params: dict[str, object] | None = None, reason: str = "") -> AssignmentChange:
    return AssignmentChange(reason_code=code, reason_params=params or {}, reason=reason)


# --- wording ---------------------------------------------------------------------------------


SICK = {"start": "2026-12-07", "end": "2026-12-08"}
WORDED = [
    (
        change(ChangeReason.SICK_REPORT, SICK),
        "Krank gemeldet (07.12.2026–08.12.2026)",
        "Reported sick (07.12.2026–08.12.2026)",
    ),
    (
        change(ChangeReason.SICK_REPORT, {"start": "2026-12-07", "end": "2026-12-07"}),
        "Krank gemeldet (07.12.2026)",
        "Reported sick (07.12.2026)",
    ),
    (
        change(ChangeReason.SWAP_ACCEPTED, {"request": 12}),
        "Tausch angenommen (Anfrage 12)",
        "Swap accepted (request 12)",
    ),
    (
        change(ChangeReason.TAKEOVER_ACCEPTED, {"request": 7}),
        "Übernahme angenommen (Anfrage 7)",
        "Takeover accepted (request 7)",
    ),
    # The coordinator's words are shown as written, whatever the reader's language.
    (change(ChangeReason.NOTE, reason="Anna beim Kunden"), "Anna beim Kunden", "Anna beim Kunden"),
    # Parameters that do not fit (hand-edited rows) give the code's name, never an error.
    (change(ChangeReason.SICK_REPORT, {"start": "gestern"}), "Krankmeldung", "Sick report"),
    (change(ChangeReason.SWAP_ACCEPTED, {}), "Tausch angenommen", "Swap accepted"),
]


@pytest.mark.parametrize(("entry", "german", "english"), WORDED)
def test_a_change_is_worded_in_the_active_language(entry, german, english):
    with translation.override("de"):
        assert selectors.change_reason_text(entry) == german
    with translation.override("en"):
        assert selectors.change_reason_text(entry) == english


# --- what the services store -----------------------------------------------------------------


def test_a_sick_report_stores_its_code_and_days(pool, week):
    anna = pool[0]
    services.absence_create(actor=anna, user=anna, kind="sick", start=MONDAY, end=TUESDAY, now=NOW)
    rows = list(AssignmentChange.objects.order_by("date"))
    assert [(c.date, c.reason_code, c.reason_params, c.reason) for c in rows] == [
        (MONDAY, ChangeReason.SICK_REPORT, SICK, ""),
        (TUESDAY, ChangeReason.SICK_REPORT, SICK, ""),
    ]


def test_an_accepted_takeover_stores_its_code_and_number(pool, week):
    anna, clara = pool[0], pool[2]
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=phone, candidate=clara, now=NOW)
    services.swap_request_accept(actor=clara, request=request, now=NOW)
    row = AssignmentChange.objects.get()
    assert (row.reason_code, row.reason_params, row.reason) == (
        ChangeReason.TAKEOVER_ACCEPTED,
        {"request": request.pk},
        "",
    )


def test_an_accepted_swap_stores_its_code_and_number(pool, week):
    anna, bernd = pool[0], pool[1]
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    standby = Duty.objects.get(code=Duty.TECHNICAL_STANDBY)
    request = services.swap_request_create(
        actor=anna, day=MONDAY, duty=phone, kind="swap", target_day=MONDAY, target_duty=standby, now=NOW
    )
    services.swap_request_accept(actor=bernd, request=request, now=NOW)
    rows = AssignmentChange.objects.all()
    assert len(rows) == 2
    assert {(r.reason_code, r.reason_params["request"], r.reason) for r in rows} == {
        (ChangeReason.SWAP_ACCEPTED, request.pk, "")
    }


def test_a_coordinators_reason_is_stored_as_a_note(coordinator, pool, week):
    services.assignment_set(
        actor=coordinator,
        day=MONDAY,
        duty=Duty.objects.get(code=Duty.PHONE_DUTY),
        user=pool[2],
        reason="  Anna beim Kunden ",
        now=NOW,
    )
    row = AssignmentChange.objects.get()
    assert (row.reason_code, row.reason_params, row.reason) == (ChangeReason.NOTE, {}, "Anna beim Kunden")


# --- the week page ---------------------------------------------------------------------------


PAGE = {
    "de": ["Krank gemeldet (07.12.2026–08.12.2026)", "Übernahme angenommen (Anfrage", "Jour fixe: Tausch"],
    "en": ["Reported sick (07.12.2026–08.12.2026)", "Takeover accepted (request", "Jour fixe: Tausch"],
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_week_page_shows_the_change_log_in_the_readers_language(coordinator, pool, week, language):
    anna, clara, david = pool[0], pool[2], pool[3]
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    standby = Duty.objects.get(code=Duty.TECHNICAL_STANDBY)
    with translation.override("en" if language == "de" else "de"):  # whoever acts, the reader's language counts
        services.absence_create(actor=anna, user=anna, kind="sick", start=MONDAY, end=TUESDAY, now=NOW)
        offer = selectors.open_swap_requests_for_cells([(MONDAY, phone.pk)])[0]
        services.swap_request_accept(actor=clara, request=offer, now=NOW)
        services.assignment_set(
            actor=coordinator, day=TUESDAY, duty=standby, user=david, reason="Jour fixe: Tausch", now=NOW
        )
    body = login(coordinator, language).get(WEEK_URL).content.decode()
    for text in PAGE[language]:
        assert text in body
    other = PAGE["en" if language == "de" else "de"]
    assert other[0] not in body and other[1] not in body
    # The side column alone, as htmx reloads it after a change, words it the same way.
    side = login(coordinator, language).get(WEEK_URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="week-side")
    assert "<html" not in side.content.decode()
    assert side.content.decode().count(PAGE[language][0]) == 2  # Monday and Tuesday


# --- rows from before the codes --------------------------------------------------------------


LEGACY = [
    ("Reported sick (07.12.2026–08.12.2026)", "sick_report", SICK),
    ("Reported sick (07.12.2026–07.12.2026)", "sick_report", {"start": "2026-12-07", "end": "2026-12-07"}),
    ("Swap accepted (request 12)", "swap_accepted", {"request": 12}),
    ("Takeover accepted (request 345)", "takeover_accepted", {"request": 345}),
    # A coordinator's words, even if they look alike, stay notes.
    ("Anna beim Kunden", "note", {}),
    ("Reported sick (yesterday)", "note", {}),
    ("Reported sick (31.02.2026–01.03.2026)", "note", {}),
    ("Swap accepted (request 12) – mit Horst abgesprochen", "note", {}),
    ("swap accepted (request 12)", "note", {}),
]


@pytest.mark.parametrize(("text", "code", "params"), LEGACY)
def test_the_migration_maps_the_english_sentences_back_to_codes(text, code, params):
    assert migration.reason_code_of(text) == (code, params)
    if code != "note":
        assert migration.english_text_of(code, params, "") == text


def test_the_migration_converts_stored_rows_and_goes_back_without_loss(coordinator, pool, week):
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    texts = [text for text, _code, _params in LEGACY]
    for text in texts:
        AssignmentChange.objects.create(
            week=week,
            date=MONDAY,
            duty=phone,
            old_user=pool[0],
            new_user=pool[2],
            changed_at=NOW,
            reason=text,
            version=2,
        )

    migration.forwards(django_apps, None)
    rows = list(AssignmentChange.objects.order_by("pk"))
    assert [(r.reason_code, r.reason_params) for r in rows] == [(code, params) for _text, code, params in LEGACY]
    assert [r.reason for r in rows] == [text if code == "note" else "" for text, code, _params in LEGACY]
    with translation.override("de"):
        assert selectors.change_reason_text(rows[0]) == "Krank gemeldet (07.12.2026–08.12.2026)"

    migration.backwards(django_apps, None)
    assert list(AssignmentChange.objects.order_by("pk").values_list("reason", "reason_code")) == [
        (text, "note") for text in texts
    ]
    migration.forwards(django_apps, None)  # and forwards again: the same codes
    assert [r.reason_code for r in AssignmentChange.objects.order_by("pk")] == [code for _t, code, _p in LEGACY]
