"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector, german + english)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from conftest import is_postgres
from supportdesk.accounts.services import api_token_create
from supportdesk.tickets import search, selectors, services
from supportdesk.tickets.models import ArticleKind, TicketSearchDocument
from supportdesk.tickets.tests.factories import CustomerFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
pytestmark = pytest.mark.django_db


def numbers(user, query, **kwargs):
    return [t.number for t in selectors.ticket_search(user=user, query=query, **kwargs)]


def make(agent, subject, body="", **kwargs):
    return services.ticket_create(actor=agent, subject=subject, body=body, now=NOW, **kwargs)


def test_umlaut_words_match_case_insensitively_in_both_spellings(agent):
    outage = make(agent, "Störung im Rechenzentrum")
    typed_plain = make(agent, "Stoerung beim Login")
    make(agent, "Drucker druckt nicht")

    for query in ("Störung", "störung", "STÖRUNG", "stoerung"):
        assert set(numbers(agent, query)) == {outage.number, typed_plain.number}, query


def test_compound_word_is_found_by_itself(agent):
    ticket = make(agent, "Datenbankserver antwortet nicht")
    make(agent, "Server im Keller")

    assert numbers(agent, "Datenbankserver") == [ticket.number]
    assert numbers(agent, "datenbankserver") == [ticket.number]


def test_compound_word_by_its_leading_part_only_on_sqlite(agent):
    """Documented difference: FTS5 matches words as prefixes, PostgreSQL matches lexemes."""
    ticket = make(agent, "Datenbankserver antwortet nicht")

    assert numbers(agent, "Datenbank") == ([] if is_postgres() else [ticket.number])
    assert numbers(agent, "Server") == []


@pytest.mark.postgres
def test_german_stemming_finds_the_base_form(agent):
    ticket = make(agent, "Drucker im 2. Stock", body="Der Drucker zeigt Papierstau.")
    assert numbers(agent, "Druckers") == [ticket.number]


def test_english_words(agent):
    ticket = make(agent, "Printer offline", body="The printers on floor 2 stopped responding.")
    make(agent, "Drucker offline")

    assert numbers(agent, "printers responding") == [ticket.number]
    assert numbers(agent, "printer") == [ticket.number]


def test_subject_hit_ranks_above_a_deep_article_hit(agent):
    deep = make(agent, "Allgemeine Anfrage", body="Rückruf erbeten.")
    for i in range(5):
        services.article_add(actor=agent, ticket=deep, kind=ArticleKind.INTERNAL_NOTE, body=f"Notiz {i} ohne Bezug")
    services.article_add(
        actor=agent, ticket=deep, kind=ArticleKind.INTERNAL_NOTE, body="Übrigens: VPN-Zugang geht nicht"
    )
    subject = make(agent, "VPN-Zugang gesperrt")

    assert numbers(agent, "VPN") == [subject.number, deep.number]


def test_customer_and_contact_names_are_searched(agent):
    customer = CustomerFactory(name="Stadtwerke Würzburg")
    ticket = make(agent, "Zählerstand", customer=customer)
    make(agent, "Würzburg-Ausflug planen")

    assert numbers(agent, "Stadtwerke") == [ticket.number]
    assert ticket.number in numbers(agent, "Würzburg")


def test_document_follows_articles_and_subject_changes_in_the_same_transaction(agent):
    ticket = make(agent, "Anfrage")
    assert numbers(agent, "Kennwort") == []

    services.article_add(actor=agent, ticket=ticket, kind=ArticleKind.INTERNAL_NOTE, body="Kennwort zurückgesetzt")
    assert numbers(agent, "Kennwort") == [ticket.number]

    services.ticket_update(agent, ticket, 1, subject="Telefonanlage")
    assert numbers(agent, "Telefonanlage") == [ticket.number]
    assert numbers(agent, "Anfrage") == []


def test_status_change_articles_are_not_indexed(agent):
    ticket = make(agent, "Drucker")
    services.ticket_update(agent, ticket, 1, status="open")
    assert numbers(agent, "Offen") == [] and numbers(agent, "open") == []


def test_filters_narrow_the_search_and_inactive_users_see_nothing(agent):
    make(agent, "Drucker Prio zwei", priority=2)
    four = make(agent, "Drucker Prio vier", priority=4)

    assert numbers(agent, "Drucker", filters=selectors.TicketFilters(priority=4)) == [four.number]
    agent.is_active = False
    assert numbers(agent, "Drucker") == []


def test_query_syntax_is_never_an_error(agent):
    make(agent, "Drucker")
    for query in ('"', "AND", "OR OR", "-", "NEAR(", "*", "drucker -", '"drucker', "ä ö ü", "a" * 200):
        selectors.ticket_search(user=agent, query=query)
    assert numbers(agent, "   ") == []


def test_excluded_words_and_phrases(agent):
    both = make(agent, "Drucker Papierstau")
    only = make(agent, "Drucker Toner leer")

    assert numbers(agent, "Drucker -Papierstau") == [only.number]
    assert numbers(agent, '"Toner leer"') == [only.number]
    assert set(numbers(agent, "Drucker")) == {both.number, only.number}


def test_rebuild_indexes_tickets_written_without_services(agent):
    ticket = make(agent, "Firewall")
    if is_postgres():
        TicketSearchDocument.objects.all().delete()
    else:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tickets_ticket_fts")
    assert numbers(agent, "Firewall") == []

    assert search.search_documents_rebuild() >= 1
    assert numbers(agent, "Firewall") == [ticket.number]


def test_fts5_query_quotes_every_term():
    expression = search.fts5_query('Störung -Drucker "Toner leer" or x')
    assert expression == '"Stoerung"* AND "Toner leer" AND "x"* NOT "Drucker"*'


# --- pages and API ------------------------------------------------------------------


def test_list_page_search_box_returns_ranked_rows_for_htmx(client, agent):
    make(agent, "Allgemein", body="Der Drucker im Flur")
    top = make(agent, "Drucker defekt")
    client.force_login(agent)

    full = client.get(reverse("tickets:list"), {"q": "Drucker"})
    rows = client.get(reverse("tickets:list"), {"q": "Drucker"}, headers={"HX-Request": "true"})

    assert 'name="q"' in full.content.decode()
    html = rows.content.decode()
    assert "<html" not in html and 'id="ticket-rows"' in html
    assert html.index(top.number) < html.index("Allgemein")


def test_api_q_parameter_searches(client, agent):
    make(agent, "Netzwerk langsam")
    hit = make(agent, "VPN-Zugang")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_token_create(user=agent, name='test')[1]}"

    response = client.get("/api/v1/tickets", {"q": "vpn"})

    assert response.status_code == 200
    assert [t["number"] for t in response.json()] == [hit.number]
