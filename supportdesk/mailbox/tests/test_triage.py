"""Triage and quarantine actions, and outbound mail against a real SMTP sink (aiosmtpd)."""

import pytest
from django.urls import reverse

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.core.exceptions import PermissionDenied
from supportdesk.mailbox import selectors, services
from supportdesk.mailbox.exceptions import AutoAnswerRefused, MailAlreadyHandled
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox, OutboundMail, TriageAction
from supportdesk.mailbox.tests.helpers import run_enqueued
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.models import ArticleKind, Channel, Status
from supportdesk.tickets.services import ticket_create, ticket_update
from supportdesk.tickets.tests.factories import ContactEmailFactory, CustomerFactory


@pytest.fixture
def mailbox(db) -> Mailbox:
    return Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")


def ingest(mailbox, raw: bytes) -> InboundMail:
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)])
    return mail


def test_create_ticket_prefills_from_contact_customer_project_manager(mailbox, coordinator, agent):
    customer = CustomerFactory(project_manager=agent)
    ContactEmailFactory(address="erika@kunde.example", contact__customer=customer)
    mail = ingest(mailbox, make_mail(1))
    prefill = selectors.triage_prefill(mail=mail)
    assert prefill.customer == customer
    assert prefill.suggestion.assignee == agent
    mail = services.triage_create_ticket(actor=coordinator, mail_id=mail.pk)
    assert mail.state == InboundState.ARTICLE
    assert mail.handled_action == TriageAction.CREATE_TICKET
    assert mail.handled_by == coordinator
    assert mail.ticket.assignee == agent
    assert mail.ticket.channel == Channel.MAIL
    assert mail.ticket.contact == prefill.contact
    assert mail.article.kind == ArticleKind.MAIL_IN
    assert "Drucker geht nicht" in mail.article.body


def test_create_ticket_for_an_unknown_sender_makes_a_contact(mailbox, coordinator):
    mail = services.triage_create_ticket(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk)
    assert mail.ticket.contact.name == "Erika Mustermann"
    assert mail.ticket.contact.emails.get().address == "erika@kunde.example"


def test_acting_twice_is_a_conflict(mailbox, coordinator, agent):
    mail = ingest(mailbox, make_mail(1))
    services.triage_create_ticket(actor=coordinator, mail_id=mail.pk)
    with pytest.raises(MailAlreadyHandled, match="Horst Schreiber"):
        services.triage_add_to_ticket(actor=agent, mail_id=mail.pk, ticket=InboundMail.objects.get().ticket)
    assert InboundMail.objects.get().handled_action == TriageAction.CREATE_TICKET


def test_add_to_ticket_reopens_and_assigns(mailbox, coordinator, agent):
    ticket = ticket_create(actor=None, subject="Alt", body="x")
    ticket = ticket_update(None, ticket, ticket.version, status=Status.CLOSED)
    mail = ingest(mailbox, make_mail(1))
    mail = services.triage_add_to_ticket(actor=coordinator, mail_id=mail.pk, ticket=ticket, assignee=agent)
    ticket.refresh_from_db()
    assert mail.ticket == ticket
    assert ticket.status == Status.OPEN
    assert ticket.assignee == agent
    # the sender now takes part: a later mail naming the number joins
    later = ingest(mailbox, make_mail(2, subject=f"Re: [{ticket.number}]"))
    assert later.ticket == ticket


def test_reply_goes_out_over_smtp_with_the_thread(mailbox, coordinator, smtp_sink):
    mail = ingest(mailbox, make_mail(1, subject="AW: Drucker", references="<a@kunde.example>"))
    services.triage_reply(actor=coordinator, mail_id=mail.pk, body="Wir kümmern uns.")
    assert run_enqueued("outbound_mail_send") == 1  # at the end of the undo window
    [sent] = smtp_sink.wait_for(1)
    outbound = OutboundMail.objects.get()
    assert sent["Message-ID"] == f"<{outbound.message_id}>"
    assert outbound.message_id.endswith("@example.com")
    assert sent["In-Reply-To"] == "<mail-1@kunde.example>"
    assert sent["References"] == "<a@kunde.example> <mail-1@kunde.example>"
    assert sent["Subject"] == "Re: Drucker 1"
    assert sent["To"] == "erika@kunde.example"
    assert sent["Auto-Submitted"] is None
    assert "Wir kümmern uns." in sent.get_content()
    assert InboundMail.objects.get().state == InboundState.HANDLED
    # the customer's answer to our reply is recognised as ours, but without a ticket it waits in triage
    answer = ingest(mailbox, make_mail(2, in_reply_to=sent["Message-ID"]))
    assert answer.state == InboundState.TRIAGE


def test_forward_to_the_colleague_addressed(mailbox, coordinator, agent, smtp_sink):
    raw = make_mail(1, body="Hallo Herr Berger,\nbitte um Rückruf.\n")
    mail = ingest(mailbox, raw)
    from supportdesk.mailbox import parsing

    parsed = parsing.parse(raw)
    assert selectors.forward_suggest(to=parsed.to, cc=parsed.cc, text=parsed.text) == agent
    services.triage_forward(actor=coordinator, mail_id=mail.pk, colleague=agent, note="Für dich.")
    run_enqueued("outbound_mail_send")
    [sent] = smtp_sink.wait_for(1)
    assert sent["To"] == "jonas@example.test"
    assert sent["Subject"] == "WG: Drucker defekt 1"
    assert sent["Message-ID"].endswith("@example.com>")
    parts = list(sent.iter_attachments())
    assert parts[0].get_content_type() == "message/rfc822"
    assert OutboundMail.objects.get().ticket is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Hallo Frau Berger,", "jonas"),
        ("Hi Jonas,", "jonas"),
        ("Guten Tag Herr Maier,", "bernd"),
        ("Hallo zusammen", None),
    ],
)
def test_forward_suggestion_from_the_greeting(pool, agent, line, expected):
    found = selectors.forward_suggest(to=[], cc=[], text=f"{line}\n\ntext")
    assert (found.username if found else None) == expected


def test_forward_suggestion_from_the_to_display_name(agent):
    assert selectors.forward_suggest(to=[("Jonas Berger", "support@example.com")], cc=[], text="") == agent


def test_ticket_reply_carries_the_number_and_is_stored(mailbox, coordinator, smtp_sink):
    contact = ContactEmailFactory(address="erika@kunde.example").contact
    ticket = ticket_create(actor=None, subject="Drucker", body="x", contact=contact)
    mail = ingest(mailbox, make_mail(1))
    services.triage_add_to_ticket(actor=coordinator, mail_id=mail.pk, ticket=ticket)
    outbound = services.ticket_reply(actor=coordinator, ticket=ticket, body="Erledigt.")
    [sent] = smtp_sink.wait_for(1)
    assert sent["Subject"] == f"[{ticket.number}] Re: Drucker defekt 1"
    assert sent["In-Reply-To"] == "<mail-1@kunde.example>"
    assert outbound.article.kind == ArticleKind.MAIL_OUT
    assert outbound.article.ticket == ticket
    # and the customer's answer threads back by our Message-ID
    answer = ingest(mailbox, make_mail(2, in_reply_to=sent["Message-ID"]))
    assert answer.ticket == ticket


def test_automatic_mail_is_marked_and_never_answers_an_automatic_one(mailbox, smtp_sink):
    auto = ingest(mailbox, make_mail(1, extra_headers="Auto-Submitted: auto-replied"))
    with pytest.raises(AutoAnswerRefused):
        services.mail_send(actor=None, to=["a@x.example"], subject="s", body="b", inbound=auto, automatic=True)
    human = ingest(mailbox, make_mail(2))
    services.mail_send(actor=None, to=["a@x.example"], subject="s", body="b", inbound=human, automatic=True)
    [sent] = smtp_sink.wait_for(1)
    assert sent["Auto-Submitted"] == "auto-replied"


def test_smtp_refusal_rolls_a_direct_send_back(mailbox, coordinator, smtp_sink):
    smtp_sink.refuse = True
    mail = ingest(mailbox, make_mail(1))
    with pytest.raises(services.outbound.MailCannotBeSent):
        services.mail_send(actor=coordinator, to=["a@x.example"], subject="s", body="b", inbound=mail)
    assert not OutboundMail.objects.exists()


def test_quarantine_retry_and_discard(mailbox, coordinator, agent):
    retry = ingest(mailbox, make_mail(1))
    discard = ingest(mailbox, make_mail(2))
    InboundMail.objects.update(state=InboundState.QUARANTINE, reason="ValueError: x")
    with pytest.raises(PermissionDenied):
        services.quarantine_discard(actor=agent, mail_id=discard.pk)
    mail = services.quarantine_retry(actor=coordinator, mail_id=retry.pk)
    assert mail.state == InboundState.TRIAGE
    assert mail.handled_action == TriageAction.RETRY
    mail = services.quarantine_discard(actor=coordinator, mail_id=discard.pk)
    assert mail.state == InboundState.DISCARDED
    assert InboundMail.objects.filter(pk=discard.pk).exists()
    with pytest.raises(MailAlreadyHandled):
        services.quarantine_retry(actor=coordinator, mail_id=discard.pk)


def test_quarantine_retry_of_a_still_unreadable_mail_keeps_it(mailbox, coordinator, monkeypatch):
    mail = ingest(mailbox, make_mail(1))
    InboundMail.objects.update(state=InboundState.QUARANTINE)

    def broken(raw):
        raise ValueError("still broken")

    monkeypatch.setattr(services.triage.parsing, "parse", broken)
    mail = services.quarantine_retry(actor=coordinator, mail_id=mail.pk)
    assert mail.state == InboundState.QUARANTINE
    assert "still broken" in mail.reason


def test_the_page_names_the_triage_owner_of_the_days_flow(client, coordinator):
    """The hand-over app decides who owns the triage inbox now (head, day's-flow setting, phone duty)."""
    from supportdesk.handover.selectors import day_flow_settings_get

    UserFactory(username="sn", display_name="Sabine Neumann", is_mailbox_head=True)
    client.force_login(coordinator)
    assert "Sabine Neumann" in client.get(reverse("mailbox:triage")).content.decode()
    row = day_flow_settings_get()
    row.triage_owner = UserFactory(username="other", display_name="Otto Ersatz")
    row.save(update_fields=["triage_owner"])
    page = client.get(reverse("mailbox:triage")).content.decode()
    assert "Otto Ersatz" in page and "Sabine Neumann" not in page
