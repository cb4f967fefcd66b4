"""Triage and quarantine through the REST API and the pages."""

import pytest
from rest_framework.test import APIClient

from supportdesk.mailbox import services
from supportdesk.mailbox.models import InboundAttachment, InboundMail, InboundState, Mailbox
from supportdesk.mailbox.tests.helpers import run_enqueued
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.services import ticket_create


@pytest.fixture
def mailbox(db) -> Mailbox:
    return Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")


@pytest.fixture
def api(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


def ingest(mailbox, raw: bytes) -> InboundMail:
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)])
    return mail


def test_triage_list_and_create_ticket(api, mailbox, django_assert_max_num_queries):
    mail = ingest(mailbox, make_mail(1))
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/triage")
    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == mail.pk
    assert row["from"] == "erika@kunde.example"
    assert row["subject"] == "Drucker defekt 1"
    assert "received_at" in row
    response = api.post(f"/api/v1/triage/{mail.pk}/create-ticket", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["ticket"].startswith("SD-")
    again = api.post(f"/api/v1/triage/{mail.pk}/create-ticket", {}, format="json")
    assert again.status_code == 409
    assert "Horst Schreiber" in again.json()["detail"]
    assert api.get("/api/v1/triage").json() == []


def test_add_to_ticket_reply_forward(api, mailbox, agent, smtp_sink):
    ticket = ticket_create(actor=None, subject="Alt", body="x")
    one, two, three = (ingest(mailbox, make_mail(n)) for n in (1, 2, 3))
    response = api.post(f"/api/v1/triage/{one.pk}/add-to-ticket", {"ticket": ticket.number}, format="json")
    assert response.json()["ticket"] == ticket.number
    assert api.post(f"/api/v1/triage/{two.pk}/reply", {"body": "Danke"}, format="json").status_code == 200
    assert api.post(f"/api/v1/triage/{three.pk}/forward", {"username": "jonas"}, format="json").status_code == 200
    assert run_enqueued("outbound_mail_send") == 2
    assert len(smtp_sink.wait_for(2)) == 2
    unknown = api.post("/api/v1/triage/9999/reply", {"body": "x"}, format="json")
    assert unknown.status_code == 404


def test_quarantine_api_is_for_coordinators(api, mailbox, agent):
    mail = ingest(mailbox, make_mail(1))
    InboundMail.objects.update(state=InboundState.QUARANTINE, reason="ValueError: kaputt")
    [row] = api.get("/api/v1/quarantine").json()
    assert row["reason"] == "ValueError: kaputt"
    other = APIClient()
    other.force_authenticate(agent)
    assert other.post(f"/api/v1/quarantine/{mail.pk}/discard").status_code == 403
    assert api.post(f"/api/v1/quarantine/{mail.pk}/discard").json()["state"] == "discarded"
    assert api.post(f"/api/v1/quarantine/{mail.pk}/retry").status_code == 409


HTML_MAIL = b"""From: Erika <erika@kunde.example>
To: Jonas Berger <support@example.test>
Subject: Mit Anhang
Message-ID: <html-1@kunde.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="X"

--X
Content-Type: multipart/alternative; boundary="Y"

--Y
Content-Type: text/plain; charset=utf-8

Neue Frage.

Am 01.03.2026 um 10:00 schrieb Support <support@example.test>:
> alte Antwort

--Y
Content-Type: text/html; charset=utf-8

<p>Neue Frage.</p><script>alert(1)</script>

--Y--

--X
Content-Type: application/pdf
Content-Disposition: attachment; filename="rechnung.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK

--X--
"""


def test_triage_page_shows_preview_actions_and_attachments(client, coordinator, agent, mailbox):
    ingest(mailbox, HTML_MAIL.replace(b"\n", b"\r\n"))
    client.force_login(coordinator)
    response = client.get("/mailbox/triage/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Neue Frage." in html
    assert "alte Antwort" in html  # in the collapsed <details>
    assert "<script>alert(1)</script>" not in html
    assert "rechnung.pdf" in html
    assert f'<option value="{agent.pk}" selected>' in html  # forward suggested from the To display name
    attachment = InboundAttachment.objects.get()
    download = client.get(f"/mailbox/attachments/{attachment.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content.startswith(b"%PDF")


def test_triage_page_actions_and_bulk(client, coordinator, mailbox):
    one, two, three = (ingest(mailbox, make_mail(n)) for n in (1, 2, 3))
    client.force_login(coordinator)
    response = client.post(f"/mailbox/triage/{one.pk}/create-ticket/", {f"m{one.pk}-priority": "3"}, follow=True)
    assert "SD-" in response.content.decode()
    response = client.post("/mailbox/triage/bulk/", {"mails": [two.pk, three.pk, one.pk], "action": "create_ticket"})
    assert InboundMail.objects.filter(state=InboundState.ARTICLE).count() == 3


def test_attachment_needs_login(client, mailbox):
    ingest(mailbox, HTML_MAIL.replace(b"\n", b"\r\n"))
    response = client.get(f"/mailbox/attachments/{InboundAttachment.objects.get().pk}/")
    assert response.status_code == 302


def test_quarantine_page_for_coordinators_only(client, coordinator, agent, mailbox):
    mail = ingest(mailbox, make_mail(1))
    InboundMail.objects.update(state=InboundState.QUARANTINE, reason="ValueError: kaputt")
    client.force_login(agent)
    assert client.get("/mailbox/quarantine/").status_code == 404
    client.force_login(coordinator)
    assert "kaputt" in client.get("/mailbox/quarantine/").content.decode()
    client.post(f"/mailbox/quarantine/{mail.pk}/retry/")
    assert InboundMail.objects.get().state == InboundState.TRIAGE


# --- the add-to-ticket finder ---------------------------------------------------------


@pytest.fixture
def printer_tickets(db):
    from supportdesk.tickets.tests.factories import ContactEmailFactory, ContactFactory, CustomerFactory

    erika = ContactEmailFactory(address="erika@kunde.example").contact
    own = ticket_create(actor=None, subject="Drucker im Lager", body="x", contact=erika, customer=erika.customer)
    other = ContactFactory(customer=CustomerFactory(name="Bäckerei Huber"))
    foreign = ticket_create(actor=None, subject="Drucker streikt", body="x", contact=other, customer=other.customer)
    return own, foreign


def test_ticket_candidates_in_the_api(api, mailbox, printer_tickets):
    own, foreign = printer_tickets
    mail = ingest(mailbox, make_mail(1))
    response = api.get(f"/api/v1/triage/{mail.pk}/ticket-candidates", {"q": "drucker"})
    assert response.status_code == 200
    assert [(r["number"], r["source"]) for r in response.json()] == [
        (own.number, "customer"),
        (foreign.number, "search"),
    ]
    assert response.json()[1]["customer"] == "Bäckerei Huber"
    assert api.get(f"/api/v1/triage/{mail.pk}/ticket-candidates").json()[0]["number"] == own.number
    missing = api.get("/api/v1/triage/999999/ticket-candidates")
    assert missing.status_code == 404
    assert "detail" in missing.json()


def test_ticket_candidates_are_in_the_openapi_schema(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/triage/{id}/ticket-candidates"]["get"]
    assert operation["operationId"] == "triage_ticket_candidates"
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["q"]


def test_ticket_finder_page_partial_and_add_by_chosen_number(client, coordinator, mailbox, printer_tickets):
    own, foreign = printer_tickets
    mail = ingest(mailbox, make_mail(1))
    client.force_login(coordinator)
    page = client.get("/mailbox/triage/").content.decode()
    assert "data-ticket-finder" in page and f'aria-controls="ticket-candidates-{mail.pk}"' in page
    response = client.get(f"/mailbox/triage/{mail.pk}/ticket-candidates/", {f"m{mail.pk}-ticket": "Drucker"},
                          headers={"HX-Request": "true"})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # just the list
    assert html.index(own.number) < html.index(foreign.number)
    assert f'data-number="{foreign.number}"' in html
    none = client.get(f"/mailbox/triage/{mail.pk}/ticket-candidates/", {"q": "gibtsnicht"}).content.decode()
    assert "Kein passendes Ticket." in none
    # the finder put the chosen number into the field
    client.post(f"/mailbox/triage/{mail.pk}/add-to-ticket/", {f"m{mail.pk}-ticket": f" {foreign.number.lower()} "})
    mail.refresh_from_db()
    assert mail.ticket == foreign
