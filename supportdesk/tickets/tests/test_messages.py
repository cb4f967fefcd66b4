"""Ticket errors and the ticket history in the reader's language (German and English).

The history rows keep their stored codes and values (they are data); only the
display turns them into sentences.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from supportdesk.accounts.services import api_token_create
from supportdesk.core.exceptions import Conflict
from supportdesk.tickets import selectors, services
from supportdesk.tickets.exceptions import InvalidPhoneNumber
from supportdesk.tickets.models import Status, TicketChange

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_MORNING = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
LATER = datetime(2026, 6, 10, 11, 5, tzinfo=BERLIN)

pytestmark = pytest.mark.django_db

STALE = {
    "de": "SD-2026-00001 wurde seit dem Laden von Horst Schreiber am 10.06.2026 11:05 geändert (Status). "
    "Nichts wurde gespeichert: Laden Sie das Ticket neu und nehmen Sie Ihre Änderung erneut vor.",
    "en": "SD-2026-00001 was changed by Horst Schreiber at 10.06.2026 11:05 (Status) since you loaded it. "
    "Nothing was saved: reload the ticket and apply your change again.",
}
NO_CALLER = {
    "de": "Geben Sie den Namen des Anrufers ein oder wählen Sie einen bekannten Ansprechpartner.",
    "en": "Enter the caller&#x27;s name or pick a known contact.",
}
OTHER = {"de": "en", "en": "de"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        yield


@pytest.fixture
def ticket(agent, coordinator):
    """Created by the agent at 10:00, put to "waiting" by the coordinator (Horst Schreiber) at 11:05."""
    created = services.ticket_create(actor=agent, subject="Drucker", now=WEDNESDAY_MORNING)
    return services.ticket_update(coordinator, created, 1, status=Status.WAITING, now=LATER)


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


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_service_errors_are_worded_in_the_active_language(agent, ticket, language):
    with translation.override(language):
        with pytest.raises(Conflict) as stale:
            services.ticket_update(agent, ticket, 1, status=Status.RESOLVED)
        with pytest.raises(InvalidPhoneNumber) as phone:
            services.contact_create(name="X", phones=["12"])
    assert stale.value.message == STALE[language]
    assert (
        phone.value.message
        == {
            "de": "'12' ist keine gültige Telefonnummer.",
            "en": "'12' is not a valid phone number.",
        }[language]
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_change_page_shows_the_conflict_in_the_users_language(agent, ticket, language):
    response = login(agent, language).post(
        reverse("tickets:change", args=[ticket.number]),
        {"version": 1, "status": "resolved", "priority": 3, "assignee_group": "", "assignee": "", "tags": ""},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert STALE[language] in html
    assert STALE[OTHER[language]] not in html
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING


@pytest.mark.parametrize("language", ["de", "en"])
def test_phone_intake_shows_a_caller_without_a_name_in_the_users_language(agent, language):
    response = login(agent, language).post(reverse("tickets:phone_intake"), {"subject": "Drucker", "priority": 3})
    html = response.content.decode()
    assert response.status_code == 400
    assert NO_CALLER[language] in html
    assert NO_CALLER[OTHER[language]] not in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_api_conflict_is_in_the_token_owners_language(agent, ticket, language):
    response = api_as(agent, language).patch(
        reverse("api-ticket", args=[ticket.number]),
        {"version": 1, "status": "resolved"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json() == {"detail": STALE[language]}


@pytest.mark.parametrize(
    ("language", "detail"),
    [("de", "Unbekannte Gruppe 'nope'."), ("en", "Unknown group 'nope'.")],
)
def test_api_unknown_group_is_in_the_token_owners_language(agent, language, detail):
    response = api_as(agent, language).post(
        reverse("api-tickets"), {"subject": "x", "assignee_group": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


# --- history -----------------------------------------------------------------------------------


def history_texts(ticket, language):
    with translation.override(language):
        return [entry.text for entry in selectors.ticket_history_entries(ticket=ticket)]


def test_history_is_worded_in_the_readers_language_and_the_rows_keep_their_codes(agent, coordinator, ticket):
    services.ticket_update(coordinator, ticket, 2, priority=1, assignee=agent, now=LATER)

    german = history_texts(ticket, "de")
    english = history_texts(ticket, "en")

    assert german[0] == "Ticket angelegt"
    assert english[0] == "Ticket created"
    assert "Status: Neu → Wartet auf Kunden" in german
    assert "Status: New → Waiting for customer" in english
    assert "Priorität: 3 → 1" in german
    assert "Priority: 3 → 1" in english
    assert f"Bearbeiter/in: — → {agent.name}" in german
    assert f"Assignee: — → {agent.name}" in english
    stored = {c.field: (c.old_value, c.new_value) for c in TicketChange.objects.filter(ticket=ticket)}
    assert stored["created"] == ("", ticket.number)
    assert stored["status"] == ("New", "Waiting for customer")
    assert stored["priority"] == ("3", "1")


def test_history_shows_due_times_as_the_language_writes_them(coordinator, ticket):
    services.ticket_update(coordinator, ticket, 2, due_at=datetime(2026, 6, 12, 9, 30, tzinfo=BERLIN), now=LATER)
    due = next(t for t in history_texts(ticket, "de") if t.startswith("Fällig"))
    assert due.endswith("→ 12.06.2026 09:30")


def test_history_keeps_an_unknown_stored_value_as_it_is(ticket):
    TicketChange.objects.create(
        ticket=ticket, version=9, changed_at=LATER, field="status", old_value="archived", new_value="open"
    )
    assert history_texts(ticket, "de")[-1] == "Status: archived → Offen"


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("de", ["Ticket angelegt", "Status: Neu → "]),
        ("en", ["Ticket created", "Status: New → Waiting for customer"]),
    ],
)
def test_ticket_page_shows_the_history_as_sentences(agent, ticket, language, texts):
    html = login(agent, language).get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    for text in texts:
        assert text in html
    assert ">created<" not in html


@pytest.mark.parametrize(
    ("language", "text"), [("de", "Neu → Wartet auf Kunden"), ("en", "New → Waiting for customer")]
)
def test_status_update_in_the_timeline_is_in_the_readers_language(agent, ticket, language, text):
    html = login(agent, language).get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert f'<pre class="article-body">{text}</pre>' in html
    assert ticket.articles.get(kind="status_update").body == "New → Waiting for customer"  # stored as data
