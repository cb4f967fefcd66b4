"""Pages of the ticket list and of search results; search ranking at scale (both databases)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.tickets import selectors, services, views
from supportdesk.tickets.forms import QuickSelect, TicketFilterForm
from supportdesk.tickets.models import ArticleKind
from supportdesk.tickets.selectors import fulltext
from supportdesk.tickets.tests.factories import CustomerFactory, TicketFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
pytestmark = pytest.mark.django_db


def make(agent, subject, body="", **kwargs):
    return services.ticket_create(actor=agent, subject=subject, body=body, now=NOW, **kwargs)


def numbers_in(html):
    return re.findall(r">(SD-\d{4}-\d+)</a>", html)


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "LIST_ROWS", 3)


def test_list_pages_through_all_tickets_with_next_and_previous_links(client, agent, small_pages):
    TicketFactory.create_batch(7)
    client.force_login(agent)

    seen = []
    url = reverse("tickets:list") + "?sort=number"
    for expected_rows, has_next in ((3, True), (3, True), (1, False)):
        html = client.get(url).content.decode()
        rows = numbers_in(html)
        assert len(rows) == expected_rows
        seen += rows
        match = re.search(r'href="([^"]*)" rel="next"', html)
        assert bool(match) == has_next
        if match:
            url = reverse("tickets:list") + match.group(1).replace("&amp;", "&")
            assert "sort=number" in url  # the filters stay
    assert 'rel="prev"' in html
    assert seen == sorted(seen) and len(set(seen)) == 7


def test_list_page_query_count_is_the_same_on_every_page_and_never_counts(client, agent, small_pages):
    TicketFactory.create_batch(3)
    client.force_login(agent)
    client.get(reverse("tickets:list"))  # sessions, caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("tickets:list")).status_code == 200
    TicketFactory.create_batch(30)
    for page in (1, 2, 5):
        with CaptureQueriesContext(connection) as many:
            html = client.get(reverse("tickets:list"), {"page": page}).content.decode()
        assert len(numbers_in(html)) == 3 and 'rel="next"' in html
        assert len(many.captured_queries) == len(few.captured_queries)
        assert not any("COUNT(" in q["sql"].upper() for q in many.captured_queries)


def test_list_page_past_the_end_and_nonsense_page_numbers(client, agent, small_pages):
    TicketFactory.create_batch(2)
    client.force_login(agent)

    assert numbers_in(client.get(reverse("tickets:list"), {"page": "x"}).content.decode())
    html = client.get(reverse("tickets:list"), {"page": 9}).content.decode()
    assert numbers_in(html) == [] and 'rel="next"' not in html and 'rel="prev"' in html


def test_ticket_list_page_selector(agent):
    TicketFactory.create_batch(5)
    first = selectors.ticket_list_page(user=agent, filters=selectors.TicketFilters(), per_page=2)
    last = selectors.ticket_list_page(user=agent, filters=selectors.TicketFilters(), page=3, per_page=2)

    assert len(first.tickets) == 2 and first.has_next and not first.has_previous
    assert len(last.tickets) == 1 and not last.has_next and last.has_previous


# --- search ranking -------------------------------------------------------------------


def test_subject_hits_come_first_though_many_newer_tickets_mention_the_word(agent, monkeypatch):
    """PostgreSQL ranks article-only hits among a capped set of the newest; subject hits must
    still come first, then name hits, then article hits (SQLite: bm25 column weights)."""
    monkeypatch.setattr(fulltext, "SEARCH_CANDIDATES", 3)
    subject = make(agent, "Drucker im Flur defekt")
    named = make(agent, "Allgemeine Anfrage", customer=CustomerFactory(name="Drucker Meier GmbH"))
    mentions = [make(agent, f"Anfrage {i}", body=f"Der Drucker {i} druckt schief.") for i in range(6)]
    make(agent, "Unrelated", body="Nichts davon.")

    found = [t.number for t in selectors.ticket_search(user=agent, query="Drucker")]

    assert found[:2] == [subject.number, named.number]
    assert set(found[2:]) <= {t.number for t in mentions}
    if connection.vendor == "postgresql":
        assert len(found) == 2 + 3  # only the capped candidates of the article-only hits
    else:
        assert len(found) == 8


def test_search_pages_continue_where_the_previous_page_ended(agent):
    subjects = [make(agent, f"VPN gestört {i}") for i in range(3)]
    articles = [make(agent, f"Anfrage {i}", body="VPN geht nicht") for i in range(3)]

    pages = [selectors.ticket_search_page(user=agent, query="VPN", page=p, per_page=2) for p in (1, 2, 3)]

    assert [p.has_next for p in pages] == [True, True, False]
    found = [t.number for p in pages for t in p.tickets]
    assert set(found[:3]) == {t.number for t in subjects}
    assert set(found[3:]) == {t.number for t in articles}
    assert all(hasattr(t, "rank") for p in pages for t in p.tickets)


def test_excluded_word_in_the_articles_rules_out_a_subject_hit(agent):
    jammed = make(agent, "Drucker im Flur", body="Papierstau im Fach 2")
    other = make(agent, "Drucker im Keller", body="Toner leer")

    assert [t.number for t in selectors.ticket_search(user=agent, query="Drucker -Papierstau")] == [other.number]
    assert jammed.number in [t.number for t in selectors.ticket_search(user=agent, query="Drucker")]


def test_article_added_later_is_found_behind_subject_hits(agent):
    later = make(agent, "Rückfrage")
    services.article_add(actor=agent, ticket=later, kind=ArticleKind.INTERNAL_NOTE, body="Firewall blockiert Port")
    subject = make(agent, "Firewall-Regel fehlt")

    found = [t.number for t in selectors.ticket_search(user=agent, query="Firewall")]
    assert found[0] == subject.number and later.number in found


def test_list_page_search_shows_next_link_and_ranked_rows(client, agent, small_pages):
    top = make(agent, "Zertifikat abgelaufen")
    for i in range(4):
        make(agent, f"Anfrage {i}", body="Zertifikat bitte prüfen")
    client.force_login(agent)

    html = client.get(reverse("tickets:list"), {"q": "Zertifikat"}).content.decode()
    assert numbers_in(html)[0] == top.number and 'rel="next"' in html and "q=Zertifikat" in html
    html = client.get(reverse("tickets:list"), {"q": "Zertifikat", "page": 2}).content.decode()
    assert len(numbers_in(html)) == 2 and 'rel="next"' not in html


# --- the filter form ------------------------------------------------------------------


def test_quick_select_renders_like_django_select():
    choices = [("", "any"), ("a&b", "A <b>"), ("c", "C"), ("c", "C again")]
    ours = QuickSelect(choices=choices).render("customer", "c", attrs={"id": "id_customer", "required": True})
    django = forms.Select(choices=choices).render("customer", "c", attrs={"id": "id_customer", "required": True})

    def normal(html):
        return re.sub(r">\s+<", "><", html.strip())

    assert normal(ours) == normal(django)
    assert ours.count("selected") == 1 and "A &lt;b&gt;" in ours and 'value="a&amp;b"' in ours


def test_filter_form_lists_people_by_their_shown_name(agent):
    agent.display_name = ""
    agent.first_name, agent.last_name = "Anna", "Agent"
    agent.save()
    html = str(TicketFilterForm()["assignee"])
    assert f'<option value="{agent.username}">Anna Agent</option>' in html


def test_open_tickets_by_priority_use_the_due_order(agent):
    late = TicketFactory(priority=2, due_at=NOW + timedelta(days=2), status="open")
    soon = TicketFactory(priority=2, due_at=NOW + timedelta(days=1), status="new")
    urgent = TicketFactory(priority=1, due_at=NOW + timedelta(days=9), status="waiting")
    TicketFactory(priority=1, status="closed")

    page = selectors.ticket_list_page(user=agent, filters=selectors.TicketFilters(status="open_all", sort="priority"))
    assert [t.pk for t in page.tickets] == [urgent.pk, soon.pk, late.pk]
