"""Reads of the mailbox app: the add-to-ticket finder's candidates."""

import pytest

from supportdesk.mailbox import selectors, services
from supportdesk.mailbox.models import InboundMail, Mailbox
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.models import Channel, Status
from supportdesk.tickets.services import ticket_create, ticket_update
from supportdesk.tickets.tests.factories import ContactEmailFactory, ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(db) -> InboundMail:
    mailbox = Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, make_mail(1))])
    return mail


@pytest.fixture
def tickets(db):
    """Erika's customer has two open tickets and a closed one; another customer has a printer ticket."""
    erika = ContactEmailFactory(address="erika@kunde.example", contact__name="Erika Mustermann").contact
    colleague = ContactFactory(customer=erika.customer, name="Max Beispiel")
    other = ContactFactory(customer=CustomerFactory(name="Bäckerei Huber"), name="Hans Huber")

    def make(subject, contact, status=None):
        ticket = ticket_create(actor=None, subject=subject, body="x", channel=Channel.MAIL, contact=contact,
                               customer=contact.customer)  # fmt: skip
        if status:
            ticket = ticket_update(None, ticket, ticket.version, status=status)
        return ticket

    return {
        "vpn": make("VPN bricht ab", erika),
        "printer": make("Drucker im Lager", colleague),
        "closed": make("Alte Rechnung", erika, Status.CLOSED),
        "other": make("Drucker streikt", other),
    }


def numbers(candidates) -> list[tuple[str, str]]:
    return [(c.ticket.number, c.source) for c in candidates]


def test_without_a_query_the_senders_customer_open_tickets(mail, tickets, coordinator):
    found = selectors.ticket_candidates(user=coordinator, mail=mail)
    assert {n for n, _s in numbers(found)} == {tickets["vpn"].number, tickets["printer"].number}
    assert {s for _n, s in numbers(found)} == {"customer"}


def test_the_customers_tickets_come_before_the_full_text_search(mail, tickets, coordinator):
    found = selectors.ticket_candidates(user=coordinator, mail=mail, query="Drucker")
    assert numbers(found) == [(tickets["printer"].number, "customer"), (tickets["other"].number, "search")]


def test_by_number_first_even_a_closed_ticket(mail, tickets, coordinator):
    number = tickets["closed"].number
    found = selectors.ticket_candidates(user=coordinator, mail=mail, query=number.lower())
    assert numbers(found)[0] == (number, "number")
    assert number not in [n for n, s in numbers(found)[1:]]


def test_by_customer_name_through_the_search(mail, tickets, coordinator):
    found = selectors.ticket_candidates(user=coordinator, mail=mail, query="Bäckerei")
    assert numbers(found) == [(tickets["other"].number, "search")]


def test_an_unknown_sender_gets_only_search_results(tickets, coordinator):
    mailbox = Mailbox.objects.create(name="other", host="127.0.0.1", port=143, security="plain")
    raw = make_mail(2).replace(b"erika@kunde.example", b"fremd@anders.example")
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)])
    assert selectors.ticket_candidates(user=coordinator, mail=mail) == []
    found = selectors.ticket_candidates(user=coordinator, mail=mail, query="VPN")
    assert numbers(found) == [(tickets["vpn"].number, "search")]


def test_the_limit_holds(mail, tickets, coordinator):
    assert len(selectors.ticket_candidates(user=coordinator, mail=mail, query="Drucker", limit=1)) == 1
