"""The ticket pages through Django's test client."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.tickets import selectors, services
from supportdesk.tickets.models import Contact, Prio1Case, Ticket
from supportdesk.tickets.tests.factories import ContactFactory, ContactPhoneFactory, CustomerFactory, TicketFactory

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_MORNING = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        yield


def login(client, user, language="de"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


@pytest.mark.parametrize(("language", "word"), [("de", "Abmelden"), ("en", "Log out")])
@pytest.mark.parametrize("page", ["list", "phone_intake", "detail"])
def test_pages_render_in_german_and_english(client, agent, language, word, page):
    ticket = services.ticket_create(actor=agent, subject="Drucker", body="Anruf")
    login(client, agent, language)
    url = reverse(f"tickets:{page}", args=[ticket.number] if page == "detail" else [])

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html and word in html
    assert "tickets/tickets.css" in html and "style=" not in html


def test_list_query_count_does_not_grow_with_rows(client, agent, django_assert_num_queries):
    login(client, agent)
    TicketFactory.create_batch(2)
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("tickets:list")).status_code == 200
    TicketFactory.create_batch(18)
    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(reverse("tickets:list"))
    assert response.content.decode().count("SD-2026-") >= 20


def test_list_filters_and_saved_views(client, agent, coordinator):
    login(client, agent)
    services.ticket_create(actor=agent, subject="Brennt", priority=1)
    services.ticket_create(actor=agent, subject="Meins", priority=3, assignee=agent)
    services.ticket_create(actor=agent, subject="Fremd", priority=4, assignee=coordinator)

    def subjects(**params):
        html = client.get(reverse("tickets:list"), params).content.decode()
        return {s for s in ("Brennt", "Meins", "Fremd") if s in html}

    assert subjects(view="prio1_open") == {"Brennt"}
    assert subjects(view="mine") == {"Meins"}
    assert subjects(view="unassigned") == {"Brennt"}
    assert subjects(priority="4") == {"Fremd"}
    assert subjects(assignee="horst") == {"Fremd"}
    assert subjects(view="due_next_working_day") == {"Brennt", "Meins"}


def test_htmx_filter_returns_only_the_rows(client, agent):
    login(client, agent)
    services.ticket_create(actor=agent, subject="Drucker")
    response = client.get(reverse("tickets:list"), {"status": "new"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ticket-rows"') and "Drucker" in html and "<html" not in html


def test_a_script_in_a_note_is_shown_as_text(client, agent):
    login(client, agent)
    ticket = services.ticket_create(actor=agent, subject="<b>fett</b>")

    client.post(
        reverse("tickets:note", args=[ticket.number]),
        {"kind": "internal_note", "body": "<script>alert(1)</script>"},
    )
    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html


def test_unknown_ticket_is_404(client, agent):
    login(client, agent)
    assert client.get(reverse("tickets:detail", args=["SD-2026-99999"])).status_code == 404


def test_change_with_a_stale_version_shows_who_changed_what(client, agent, coordinator):
    login(client, agent, "en")
    ticket = services.ticket_create(actor=agent, subject="Drucker")
    services.ticket_update(coordinator, ticket, 1, status="waiting")

    response = client.post(
        reverse("tickets:change", args=[ticket.number]),
        {"version": 1, "status": "resolved", "priority": 3, "assignee_group": "", "assignee": "", "tags": ""},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Horst Schreiber" in html and "status" in html
    ticket.refresh_from_db()
    assert ticket.status == "waiting"


def test_change_with_the_current_version_saves(client, agent):
    login(client, agent)
    ticket = services.ticket_create(actor=agent, subject="Drucker")

    response = client.post(
        reverse("tickets:change", args=[ticket.number]),
        {"version": 1, "status": "open", "priority": 2, "assignee_group": "", "assignee": agent.pk, "tags": "a, b"},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.version) == ("open", 2, agent, 2)
    history = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "Jonas Berger" in history and "assignee" in history


@pytest.mark.parametrize("typed", ["0941 123456", "+49 941 123456", "0049941123456"])
def test_caller_search_finds_the_contact_by_any_spelling(client, agent, typed):
    login(client, agent)
    pm = agent
    contact = ContactFactory(name="Maria Huber", customer=CustomerFactory(name="Stadtwerke", project_manager=pm))
    ContactPhoneFactory(contact=contact, number="+49941123456")
    services.ticket_create(actor=agent, subject="Alter Fall", contact=contact)

    response = client.get(reverse("tickets:caller_search"), {"q": typed}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "Maria Huber" in html and "Stadtwerke" in html and "Jonas Berger" in html
    assert "Alter Fall" in html and "+49 941 123456" in html
    assert f'value="{contact.pk}"' in html


def test_phone_intake_page_has_the_htmx_search(client, agent):
    login(client, agent)
    html = client.get(reverse("tickets:phone_intake")).content.decode()
    assert 'hx-trigger="input changed delay:200ms"' in html
    assert reverse("tickets:caller_search") in html
    assert 'value="1"' in html  # the Prio 1 choice


def test_phone_intake_creates_a_new_caller_and_the_ticket_in_one_post(client, agent):
    login(client, agent)
    customer = CustomerFactory()

    response = client.post(
        reverse("tickets:phone_intake"),
        {
            "q": "0941 123456",
            "contact": "",
            "caller_name": "Neue Anruferin",
            "customer": customer.pk,
            "subject": "Login geht nicht",
            "note": "bitte zurückrufen",
            "priority": "1",
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    contact = Contact.objects.get()
    assert (ticket.contact, contact.name, contact.customer) == (contact, "Neue Anruferin", customer)
    assert list(contact.phones.values_list("number", flat=True)) == ["+49941123456"]
    assert Prio1Case.objects.get().ticket == ticket


def test_phone_intake_with_a_known_caller(client, agent):
    login(client, agent)
    contact = ContactFactory()

    client.post(
        reverse("tickets:phone_intake"),
        {"contact": contact.pk, "subject": "Wieder da", "note": "", "priority": "3"},
    )

    assert Ticket.objects.get().contact == contact
    assert not Prio1Case.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "12", "caller_name": "X", "subject": "s", "priority": "3"}, "not a"),
        ({"caller_name": "X", "subject": "x" * 10_000, "priority": "3"}, "at most 300 characters"),
        ({"subject": "s", "priority": "3"}, "caller"),
    ],
)
def test_phone_intake_bad_input_is_a_clear_message(client, agent, data, message):
    login(client, agent, "en")

    response = client.post(reverse("tickets:phone_intake"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Ticket.objects.exists() and not Contact.objects.exists()


def test_signed_out_users_are_sent_to_login(client):
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the list's default: the open tickets by due time, the overdue ones marked --------------------


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr(?: class=\"is-overdue\")?>\s*<td class=\"select-col\">.*?</tr>", html, re.S)


def _row_of(html: str, subject: str) -> str:
    [row] = [r for r in _rows(html) if subject in r]
    return row


@pytest.mark.parametrize(
    ("language", "badge", "open_label"), [("de", "überfällig", "Offene Tickets"), ("en", "overdue", "Open tickets")]
)
def test_the_list_shows_the_open_tickets_by_due_time_with_the_overdue_ones_marked(
    client, agent, language, badge, open_label
):
    now = WEDNESDAY_MORNING
    TicketFactory(subject="Spaeter", due_at=now + timedelta(days=1))
    TicketFactory(subject="Laengst faellig", due_at=now - timedelta(days=3), status="waiting")
    TicketFactory(subject="Eben faellig", due_at=now - timedelta(minutes=5), status="open")
    TicketFactory(subject="Erledigt", due_at=now - timedelta(days=9), status="closed")
    TicketFactory(subject="Geloest", due_at=now - timedelta(days=8), status="resolved")
    login(client, agent, language)

    html = client.get(reverse("tickets:list")).content.decode()

    subjects = [s for row in _rows(html) for s in ("Spaeter", "Laengst faellig", "Eben faellig") if s in row]
    assert subjects == ["Laengst faellig", "Eben faellig", "Spaeter"]
    assert "Erledigt" not in html and "Geloest" not in html
    for subject in ("Laengst faellig", "Eben faellig"):
        row = _row_of(html, subject)
        assert row.startswith('<tr class="is-overdue">')
        assert '<time class="overdue"' in row and '<span class="badge danger overdue-badge"' in row and badge in row
    assert 'class="overdue' not in _row_of(html, "Spaeter") and badge not in _row_of(html, "Spaeter")
    assert re.search(rf'aria-current="page">{open_label}</a>', html)


def test_all_tickets_is_one_click_away_and_marks_no_closed_ticket_overdue(client, agent):
    now = WEDNESDAY_MORNING
    TicketFactory(subject="Offen", due_at=now - timedelta(days=1))
    TicketFactory(subject="Erledigt", due_at=now - timedelta(days=9), status="closed")
    login(client, agent, "en")

    listing = client.get(reverse("tickets:list")).content.decode()
    assert 'href="?view=all"' in listing

    html = client.get(reverse("tickets:list"), {"view": "all"}).content.decode()

    assert "Offen" in html and "Erledigt" in html
    assert 'aria-current="page">All tickets</a>' in html
    assert not _row_of(html, "Erledigt").startswith('<tr class="is-overdue">')
    assert _row_of(html, "Offen").startswith('<tr class="is-overdue">')


def test_choosing_a_closed_status_shows_those_tickets_among_all(client, agent):
    TicketFactory(subject="Offen")
    TicketFactory(subject="Erledigt", status="closed")
    login(client, agent, "en")

    html = client.get(reverse("tickets:list"), {"status": "closed"}).content.decode()
    assert "Erledigt" in html and "Offen" not in html
    assert 'aria-current="page">All tickets</a>' in html
    assert '<option value="all" selected>All tickets</option>' in html

    still_open = client.get(reverse("tickets:list"), {"status": "new"}).content.decode()
    assert "Offen" in still_open and 'aria-current="page">Open tickets</a>' in still_open


def test_the_saved_views_keep_working_beside_the_default(client, agent):
    mine = TicketFactory(subject="Meins", assignee=agent)
    TicketFactory(subject="Meins erledigt", assignee=agent, status="resolved")
    login(client, agent, "en")
    html = client.get(reverse("tickets:list"), {"view": "mine"}).content.decode()
    assert mine.number in html and "Meins erledigt" not in html
    assert 'aria-current="page">Mine</a>' in html


def test_the_selector_s_empty_view_is_still_every_ticket_the_api_s_default(agent):
    TicketFactory(subject="Offen")
    TicketFactory(subject="Erledigt", status="closed")
    every = {t.subject for t in selectors.ticket_list(user=agent, filters=selectors.TicketFilters())}
    open_only = {t.subject for t in selectors.ticket_list(user=agent, filters=selectors.TicketFilters(view="open"))}
    assert every == {"Offen", "Erledigt"} and open_only == {"Offen"}


def test_the_customer_page_links_to_all_of_its_tickets(client, agent):
    customer = CustomerFactory(code="stadtwerke")
    login(client, agent)
    html = client.get(reverse("tickets:customer_detail", args=[customer.code])).content.decode()
    assert f"{reverse('tickets:list')}?view=all&amp;customer=stadtwerke" in html
