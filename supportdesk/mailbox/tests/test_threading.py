"""Threading and loop protection in the ingest decision (services.decide)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.mailbox import services
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox, OutboundMail
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.models import ArticleKind, Channel, Status, Ticket
from supportdesk.tickets.services import ticket_create, ticket_update
from supportdesk.tickets.tests.factories import ContactEmailFactory


@pytest.fixture
def mailbox(db) -> Mailbox:
    return Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")


@pytest.fixture
def ticket(db) -> Ticket:
    """A ticket whose contact is erika@kunde.example (the sender of ``make_mail``)."""
    contact = ContactEmailFactory(address="erika@kunde.example").contact
    return ticket_create(actor=None, subject="Drucker defekt", body="x", channel=Channel.MAIL, contact=contact)


def mail_from(sender: str, n: int, subject: str, **kwargs) -> bytes:
    return make_mail(n, subject=subject, **kwargs).replace(
        b"From: Erika Mustermann <erika@kunde.example>", f"From: {sender}".encode()
    )


def ingest(mailbox, raw: bytes, now=None) -> InboundMail:
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)], now=now)
    mail.refresh_from_db()
    return mail


def first_mail_of(mailbox, ticket) -> InboundMail:
    """Put a first mail into ``ticket`` by hand (as triage would)."""
    mail = ingest(mailbox, make_mail(1))
    InboundMail.objects.filter(pk=mail.pk).update(ticket=ticket, state=InboundState.ARTICLE)
    return mail


def outbound_of(ticket, message_id="our-1@example.com", to="erika@kunde.example") -> OutboundMail:
    return OutboundMail.objects.create(
        message_id=message_id, ticket=ticket, to=to, subject="Re", sent_at=timezone.now(), raw=b""
    )


def test_in_reply_to_joins_the_ticket(mailbox, ticket):
    first_mail_of(mailbox, ticket)
    mail = ingest(mailbox, make_mail(2, in_reply_to="<mail-1@kunde.example>"))
    assert mail.state == InboundState.ARTICLE
    assert mail.ticket == ticket
    assert mail.article.kind == ArticleKind.MAIL_IN


def test_references_alone_join_the_ticket(mailbox, ticket):
    first_mail_of(mailbox, ticket)
    mail = ingest(mailbox, make_mail(2, references="<unknown@x> <mail-1@kunde.example>"))
    assert mail.ticket == ticket


def test_our_own_outbound_message_id_threads(mailbox, ticket):
    outbound_of(ticket)
    mail = ingest(mailbox, mail_from("Someone <someone@else.example>", 2, "Re: x", in_reply_to="<our-1@example.com>"))
    assert mail.state == InboundState.ARTICLE
    assert mail.ticket == ticket


def test_our_own_mail_coming_back_is_ignored_not_dropped(mailbox, ticket):
    outbound_of(ticket, message_id="mail-5@kunde.example")
    mail = ingest(mailbox, make_mail(5))
    assert mail.state == InboundState.IGNORED
    assert mail.ticket is None
    assert ticket.articles.filter(kind=ArticleKind.MAIL_IN).count() == 1


def test_ticket_number_from_the_contact_joins(mailbox, ticket):
    mail = ingest(mailbox, make_mail(2, subject=f"AW: [{ticket.number}] Drucker"))
    assert mail.ticket == ticket


def test_ticket_number_from_an_earlier_recipient_joins(mailbox, ticket):
    outbound_of(ticket, to="kollege@kunde.example")
    mail = ingest(mailbox, mail_from("kollege@kunde.example", 2, f"Re: {ticket.number}"))
    assert mail.ticket == ticket


def test_ticket_number_from_a_stranger_goes_to_triage_with_a_hint(mailbox, ticket):
    mail = ingest(mailbox, mail_from("Fremd <fremd@spam.example>", 2, f"[{ticket.number}] Rechnung"))
    assert mail.state == InboundState.TRIAGE
    assert mail.ticket is None
    assert ticket.number in mail.hint
    assert "Teilnehmer" in mail.hint or "participant" in mail.hint


def test_subject_text_alone_never_threads(mailbox, ticket):
    mail = ingest(mailbox, make_mail(2, subject="Re: Drucker defekt"))
    assert mail.state == InboundState.TRIAGE


def close(ticket) -> Ticket:
    return ticket_update(None, ticket, ticket.version, status=Status.CLOSED)


def test_follow_up_reopens_a_closed_ticket(mailbox, ticket):
    first_mail_of(mailbox, ticket)
    ticket = close(ticket)
    mail = ingest(mailbox, make_mail(2, in_reply_to="<mail-1@kunde.example>"))
    ticket.refresh_from_db()
    assert mail.ticket == ticket
    assert ticket.status == Status.OPEN
    assert ticket.changes.filter(field="status", new_value__in=["Offen", "Open"], changed_by=None).exists()


def test_follow_up_to_a_closed_ticket_can_start_a_linked_new_one(mailbox, ticket, settings):
    settings.SUPPORTDESK_MAIL_CLOSED_FOLLOWUP = "new_ticket"
    first_mail_of(mailbox, ticket)
    ticket = close(ticket)
    mail = ingest(mailbox, make_mail(2, in_reply_to="<mail-1@kunde.example>"))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert mail.ticket != ticket
    assert mail.ticket.contact == ticket.contact
    assert mail.article.ticket == mail.ticket
    assert ticket.number in mail.ticket.articles.get(kind=ArticleKind.INTERNAL_NOTE).body
    assert mail.ticket.number in ticket.articles.get(kind=ArticleKind.INTERNAL_NOTE).body
    # a further answer to the same thread goes to the newest ticket of it
    later = ingest(mailbox, make_mail(3, in_reply_to="<mail-2@kunde.example>"))
    assert later.ticket == mail.ticket


def test_auto_reply_does_not_reopen(mailbox, ticket):
    first_mail_of(mailbox, ticket)
    ticket = close(ticket)
    mail = ingest(
        mailbox, make_mail(2, in_reply_to="<mail-1@kunde.example>", extra_headers="Auto-Submitted: auto-replied")
    )
    ticket.refresh_from_db()
    assert mail.is_automatic
    assert mail.ticket == ticket
    assert ticket.status == Status.CLOSED
    assert not services.may_auto_answer(mail)


BOUNCE = b"""From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system. Your message could not be delivered: user unknown.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Final-Recipient: rfc822; erika@kunde.example
Action: failed
Status: 5.1.1

--B
Content-Type: text/rfc822-headers

From: support@example.com
To: erika@kunde.example
Subject: [SD] Re: Drucker
Message-ID: <our-1@example.com>

--B--
"""


def test_bounce_is_attached_to_the_mail_it_reports_on(mailbox, ticket):
    outbound_of(ticket)
    ticket = close(ticket)
    mail = ingest(mailbox, BOUNCE.replace(b"\n", b"\r\n"))
    ticket.refresh_from_db()
    assert mail.is_bounce
    assert mail.state == InboundState.ARTICLE
    assert mail.ticket == ticket
    assert mail.article.kind == ArticleKind.INTERNAL_NOTE
    assert "erika@kunde.example" in mail.article.body
    assert ticket.status == Status.CLOSED


def test_bounce_for_an_unknown_mail_waits_in_triage(mailbox, db):
    mail = ingest(mailbox, BOUNCE.replace(b"\n", b"\r\n"))
    assert mail.state == InboundState.TRIAGE
    assert mail.is_bounce


AUTO_REPLY = "Auto-Submitted: auto-replied"


def test_a_flooding_automatic_sender_is_held_in_triage(mailbox, ticket, settings):
    """Loop protection: an auto-responder answering the ticket's mails is held, even as a participant."""
    settings.SUPPORTDESK_MAIL_FLOOD_LIMIT = 3
    first_mail_of(mailbox, ticket)
    now = timezone.now()
    items = [(None, make_mail(n, in_reply_to="<mail-1@kunde.example>", extra_headers=AUTO_REPLY)) for n in range(2, 7)]
    mails = services.mails_ingest(mailbox=mailbox, items=items, now=now)
    # mail-1 (earlier) + 2 more are within the limit; the others are stored, in triage, marked flood
    assert [m.state for m in mails] == [InboundState.ARTICLE] * 2 + [InboundState.TRIAGE] * 3
    assert [m.flood for m in mails] == [False] * 2 + [True] * 3
    assert InboundMail.objects.count() == 6
    # ten minutes later the sender is welcome again
    [later] = services.mails_ingest(
        mailbox=mailbox,
        items=[(None, make_mail(9, in_reply_to="<mail-1@kunde.example>", extra_headers=AUTO_REPLY))],
        now=now + timedelta(minutes=11),
    )
    assert later.state == InboundState.ARTICLE


def test_a_participants_many_replies_to_their_own_ticket_are_not_held(mailbox, ticket, settings):
    """A busy customer answering in their own ticket is no flood: threading comes before the flood check."""
    settings.SUPPORTDESK_MAIL_FLOOD_LIMIT = 3
    first_mail_of(mailbox, ticket)
    now = timezone.now()
    replies = [(None, make_mail(n, in_reply_to="<mail-1@kunde.example>")) for n in range(2, 7)]
    by_number = [(None, make_mail(7, subject=f"AW: [{ticket.number}] Drucker"))]
    mails = services.mails_ingest(mailbox=mailbox, items=replies + by_number, now=now)
    assert [m.state for m in mails] == [InboundState.ARTICLE] * 6
    assert not any(m.flood for m in mails)
    assert {m.ticket_id for m in mails} == {ticket.pk}
    # the same sender's new mails (no ticket) beyond the limit are still held
    [new] = services.mails_ingest(mailbox=mailbox, items=[(None, make_mail(8, subject="Ganz neu"))], now=now)
    assert new.state == InboundState.TRIAGE
    assert new.flood


def test_a_stranger_flooding_a_ticket_by_references_is_held(mailbox, ticket, settings):
    settings.SUPPORTDESK_MAIL_FLOOD_LIMIT = 3
    first_mail_of(mailbox, ticket)
    items = [
        (None, mail_from("Spam <spam@fremd.example>", n, "Re", in_reply_to="<mail-1@kunde.example>"))
        for n in range(2, 7)
    ]
    mails = services.mails_ingest(mailbox=mailbox, items=items, now=timezone.now())
    # the stranger's first three join the ticket (references thread), the rest are held
    assert [m.flood for m in mails] == [False] * 3 + [True] * 2
    assert [m.state for m in mails[3:]] == [InboundState.TRIAGE] * 2
