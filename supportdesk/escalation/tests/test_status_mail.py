"""R14: the phone duty sends a templated status mail (German or English) to the customer's contacts."""

import pytest
from django.urls import reverse

from supportdesk.escalation import services
from supportdesk.escalation.exceptions import InvalidEntry
from supportdesk.escalation.models import EventDetail, EventKind, StatusMailTemplate
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.mailbox.models import OutboundMail
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets.models import ArticleKind, Contact, ContactEmail, Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalation(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    customer = Customer.objects.create(code="acme", name="ACME GmbH")
    for name, address in (("Eva Kunde", "eva@acme.example"), ("Max Kunde", "max@acme.example")):
        ContactEmail.objects.create(contact=Contact.objects.create(customer=customer, name=name), address=address)
    return escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630, customer=customer))


def test_defaults_exist_in_both_languages():
    rows = set(StatusMailTemplate.objects.values_list("language", "name"))
    assert {
        ("de", "We are working on it"),
        ("en", "We are working on it"),
        ("de", "Resolved"),
        ("en", "Resolved"),
    } <= rows
    assert StatusMailTemplate.objects.get(language="de", name="Resolved").subject.startswith("Behoben")


def test_german_status_mail_reaches_every_contact_and_is_stored(escalation, pool, smtp_sink):
    bernd = pool[1]
    event = services.escalation_status_mail_send(
        escalation=escalation, actor=bernd, name="We are working on it", language="de", now=TUESDAY_1630
    )
    [message] = smtp_sink.wait_for(1)
    ticket = escalation.case.ticket
    assert set(message["To"].split(", ")) == {"eva@acme.example", "max@acme.example"}
    assert message["Subject"] == f"[{ticket.number}] Wir arbeiten daran: Leitsystem steht"
    assert ticket.number in message.get_content() and bernd.name in message.get_content()
    outbound = OutboundMail.objects.get(ticket=ticket)
    assert outbound.article.kind == ArticleKind.MAIL_OUT and outbound.sent_by == bernd
    assert (event.kind, event.detail_code) == (EventKind.STATUS_MAIL, EventDetail.STATUS_MAIL_SENT)
    assert sorted(event.detail_params["to"]) == ["eva@acme.example", "max@acme.example"]
    assert event.detail_params["subject"] == message["Subject"]


def test_english_status_mail_through_the_case_page(client, escalation, pool, smtp_sink):
    client.force_login(pool[1])
    page = client.get(reverse("escalation:detail", args=[escalation.pk])).content.decode()
    assert "eva@acme.example" in page and 'name="language"' in page
    client.post(reverse("escalation:status_mail", args=[escalation.pk]), {"name": "Resolved", "language": "en"})
    [message] = smtp_sink.wait_for(1)
    assert "Resolved: Leitsystem steht" in message["Subject"]
    assert escalation.events.filter(kind=EventKind.STATUS_MAIL).count() == 1


def test_no_contact_address_is_refused(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    with pytest.raises(InvalidEntry, match="keinen Ansprechpartner mit Mailadresse"):
        services.escalation_status_mail_send(escalation=escalation, actor=pool[1], name="Resolved", language="en")
    assert not OutboundMail.objects.exists()


def test_the_case_page_offers_the_mails_by_their_subject_in_the_readers_language(client, escalation, pool):
    from supportdesk.escalation.selectors import status_mail_choices

    assert status_mail_choices(escalation=escalation, language="de") == [
        ("We are working on it", "Wir arbeiten daran: Leitsystem steht"),  # the fitting one for a new case first
        ("Resolved", "Behoben: Leitsystem steht"),
    ]
    assert status_mail_choices(escalation=escalation, language="en")[1] == ("Resolved", "Resolved: Leitsystem steht")
    StatusMailTemplate.objects.create(language="de", name="Nur deutsch", subject="Rückruf zu $number", body="…")
    assert status_mail_choices(escalation=escalation, language="en")[-1] == (
        "Nur deutsch",
        f"Rückruf zu {escalation.case.ticket.number}",  # no English row: the site's language
    )
    client.force_login(pool[1])
    page = client.get(reverse("escalation:detail", args=[escalation.pk])).content.decode()
    assert '<option value="We are working on it">Wir arbeiten daran: Leitsystem steht</option>' in page
