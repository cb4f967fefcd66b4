"""Answering the customer from the ticket page: the mail goes out in the ticket's thread."""

import pytest

from supportdesk.tickets import services
from supportdesk.tickets.models import ArticleKind

pytestmark = pytest.mark.django_db


def test_reply_from_the_ticket_page_reaches_the_customer_with_the_ticket_number(client, agent, smtp_sink):
    contact = services.contact_create(name="Petra Lindner", emails=["petra@kunde.example"])
    ticket = services.ticket_create(actor=agent, subject="Login geht nicht", contact=contact)
    client.force_login(agent)

    response = client.post(f"/tickets/{ticket.number}/reply/", {"body": "Wir kümmern uns darum."})

    assert response.status_code == 302
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == "petra@kunde.example"
    assert ticket.number in message["Subject"]
    assert message["Message-ID"]
    assert ticket.articles.filter(kind=ArticleKind.MAIL_OUT).exists()


def test_reply_without_a_mail_address_is_a_clear_message(client, agent):
    ticket = services.ticket_create(actor=agent, subject="Rückruf erbeten")
    client.force_login(agent)
    response = client.post(f"/tickets/{ticket.number}/reply/", {"body": "Hallo"}, follow=True)
    assert response.status_code in {200, 400}
    assert not ticket.articles.filter(kind=ArticleKind.MAIL_OUT).exists()


def test_empty_reply_is_refused(client, agent):
    ticket = services.ticket_create(actor=agent, subject="Leer")
    client.force_login(agent)
    assert client.post(f"/tickets/{ticket.number}/reply/", {"body": ""}).status_code == 400
