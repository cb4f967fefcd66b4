"""Outgoing mail through a mailbox's own SMTP account (replies and forwards of its mails), else the global mailer."""

import pytest
from django.core import mail as django_mail

from supportdesk.mailbox import services
from supportdesk.mailbox.admin import MailboxForm
from supportdesk.mailbox.models import InboundMail, Mailbox, OutboundMail, OutboundStatus
from supportdesk.mailbox.tests.helpers import run_enqueued
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.services import ticket_create

pytestmark = pytest.mark.django_db

IMAP = {"host": "127.0.0.1", "port": 143, "security": "plain"}


@pytest.fixture
def own_smtp_mailbox(smtp_sink) -> Mailbox:
    """A second mailbox (another brand) whose replies leave through its own server: the sink."""
    return Mailbox.objects.create(
        name="vertrieb",
        **IMAP,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_security="plain",
        smtp_from="hilfe@vertrieb.example",
    )


@pytest.fixture
def global_mailbox(db) -> Mailbox:
    return Mailbox.objects.create(name="support", **IMAP)


def ingest(mailbox: Mailbox, n: int) -> InboundMail:
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, make_mail(n))])
    return mail


def test_a_reply_leaves_through_the_mailboxs_own_account(own_smtp_mailbox, smtp_sink, coordinator, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail = ingest(own_smtp_mailbox, 1)
    services.triage_reply(actor=coordinator, mail_id=mail.pk, body="Wir kümmern uns.")
    assert run_enqueued("outbound_mail_send") == 1
    [sent] = smtp_sink.wait_for(1)
    assert sent["From"] == "hilfe@vertrieb.example"
    assert sent["To"] == "erika@kunde.example"
    outbound = OutboundMail.objects.get()
    assert outbound.status == OutboundStatus.SENT
    assert sent["Message-ID"] == f"<{outbound.message_id}>"
    assert django_mail.outbox == []  # not through the global mailer


def test_a_forward_and_a_ticket_reply_too(own_smtp_mailbox, smtp_sink, coordinator, agent, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    first, second = ingest(own_smtp_mailbox, 1), ingest(own_smtp_mailbox, 2)
    services.triage_forward(actor=coordinator, mail_id=first.pk, colleague=agent)
    run_enqueued("outbound_mail_send")
    ticket = ticket_create(actor=None, subject="Drucker", body="x")
    InboundMail.objects.filter(pk=second.pk).update(ticket=ticket)
    services.ticket_reply(actor=coordinator, ticket=ticket, body="Gelöst.")  # sent at once
    messages = smtp_sink.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted([agent.email, "erika@kunde.example"])
    assert {m["From"] for m in messages} == {"hilfe@vertrieb.example"}
    assert django_mail.outbox == []


def test_without_an_own_account_the_global_mailer_sends(
    global_mailbox, own_smtp_mailbox, smtp_sink, coordinator, settings
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.SUPPORTDESK_MAIL_FROM = "support@example.test"
    mail = ingest(global_mailbox, 1)
    services.triage_reply(actor=coordinator, mail_id=mail.pk, body="Wir kümmern uns.")
    run_enqueued("outbound_mail_send")
    [sent] = django_mail.outbox
    assert sent.from_email == "support@example.test"
    assert smtp_sink.messages == []


def test_a_refusing_own_server_is_retried_like_the_global_one(own_smtp_mailbox, smtp_sink, coordinator):
    smtp_sink.refuse = True
    services.triage_reply(actor=coordinator, mail_id=ingest(own_smtp_mailbox, 1).pk, body="x")
    run_enqueued("outbound_mail_send")
    outbound = OutboundMail.objects.get()
    assert outbound.status == OutboundStatus.QUEUED
    assert outbound.attempts == 1
    assert "451" in outbound.last_error


def test_the_smtp_password_is_never_shown_and_kept_when_left_empty(db):
    data = {
        "name": "vertrieb",
        "host": "imap.example",
        "port": 993,
        "security": "tls",
        "inbox_folder": "INBOX",
        "processed_folder": "Processed",
        "quarantine_folder": "Quarantine",
        "active": True,
        "smtp_host": "smtp.example",
        "smtp_port": 587,
        "smtp_security": "starttls",
        "smtp_username": "vertrieb",
        "smtp_password": "geheim-123",
        "smtp_from": "hilfe@vertrieb.example",
    }
    form = MailboxForm(data=data)
    assert form.is_valid(), form.errors
    mailbox = form.save()
    assert mailbox.smtp_password == "geheim-123"
    edit = MailboxForm(instance=mailbox)
    assert "geheim-123" not in str(edit["smtp_password"])
    form = MailboxForm(data={**data, "smtp_password": "", "smtp_port": 465}, instance=mailbox)
    assert form.is_valid(), form.errors
    mailbox = form.save()
    assert mailbox.smtp_password == "geheim-123"
    assert mailbox.smtp_port == 465
