"""Mail we send: replies and forwards over SMTP (the default mailer), each stored as OutboundMail.

Every mail gets our own Message-ID, so that answers to it thread back into its ticket, and
carries the thread (In-Reply-To, References) and the ticket number in its subject.
"""

import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy

from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.mailbox import conf, parsing
from supportdesk.mailbox.exceptions import AutoAnswerRefused, MailCannotBeSent
from supportdesk.mailbox.models import InboundMail, OutboundMail
from supportdesk.mailbox.quoting import normalize_subject
from supportdesk.tickets.models import ArticleKind, Ticket
from supportdesk.tickets.services import article_add

logger = logging.getLogger(__name__)

MAX_REFERENCES = 20
"""Older ids are dropped from References (RFC 5322 allows it; some servers refuse huge headers)."""


def subject_with_number(subject: str, ticket: Ticket | None) -> str:
    """``[SD-2026-00042] Re: …``: the ticket number in front, once."""
    if ticket is None or ticket.number.lower() in subject.lower():
        return subject
    return f"[{ticket.number}] {subject}".strip()


def reply_subject(subject: str) -> str:
    """``Re: `` and the subject without its earlier prefixes (``AW: WG: x`` → ``Re: x``)."""
    return f"Re: {normalize_subject(subject)}".strip()


def may_auto_answer(mail: InboundMail) -> bool:
    """Whether an automatic answer to ``mail`` is allowed: never to automatic mails, bounces or floods."""
    return not (mail.is_automatic or mail.is_bounce or mail.flood)


def _angle(message_id: str) -> str:
    return message_id if message_id.startswith("<") else f"<{message_id}>"


@transaction.atomic
def mail_send(
    *,
    actor: User | None,
    to: Sequence[str],
    subject: str,
    body: str,
    cc: Sequence[str] = (),
    ticket: Ticket | None = None,
    inbound: InboundMail | None = None,
    references: Sequence[str] = (),
    automatic: bool = False,
    attach_original: bool = False,
    now: datetime | None = None,
) -> OutboundMail:
    """Send one mail and store it (an ``OutboundMail``, and an outbound article on ``ticket``).

    ``references`` is the thread, oldest first; its last id becomes In-Reply-To. The mail goes out
    inside the transaction: when the SMTP server refuses it, nothing is stored (and the caller's
    action is rolled back with it).
    """
    now = now or timezone.now()
    recipients = [a.strip().lower() for a in to if a and a.strip()]
    copies = [a.strip().lower() for a in cc if a and a.strip()]
    if not recipients:
        raise MailCannotBeSent("There is no address to send this mail to.")
    if automatic and inbound is not None and not may_auto_answer(inbound):
        raise AutoAnswerRefused("An automatic mail is never answered automatically.")
    message_id = make_msgid(domain=conf.message_id_domain())
    thread = [_angle(r) for r in references if r][-MAX_REFERENCES:]
    headers = {"Message-ID": message_id}
    if thread:
        headers["In-Reply-To"] = thread[-1]
        headers["References"] = " ".join(thread)
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
    subject = subject_with_number(subject, ticket)
    message = EmailMessage(
        subject=subject, body=body, from_email=conf.from_address(), to=recipients, cc=copies, headers=headers
    )
    if attach_original and inbound is not None:
        original = message_from_bytes(bytes(inbound.raw), policy=email_policy.default)
        message.attach("original.eml", original, "message/rfc822")
    raw = message.message().as_bytes()
    article = None
    if ticket is not None:
        lines = [f"An: {', '.join(recipients)}"]
        if copies:
            lines.append(f"Cc: {', '.join(copies)}")
        lines.append(f"Betreff: {subject}")
        article = article_add(
            actor=actor, ticket=ticket, kind=ArticleKind.MAIL_OUT, body="\n".join(lines) + "\n\n" + body, now=now
        )
    outbound = OutboundMail.objects.create(
        message_id=message_id.strip("<>"),
        ticket=ticket,
        article=article,
        inbound=inbound,
        to="\n".join(recipients),
        cc="\n".join(copies),
        subject=subject[:500],
        sent_at=now,
        sent_by=actor,
        is_automatic=automatic,
        raw=raw,
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("mail %s to %s failed: %s", message_id, recipients, exc)
        raise MailCannotBeSent(f"The mail server did not take the mail: {exc}") from exc
    logger.info("mail %s sent to %s", message_id, recipients)
    return outbound


@transaction.atomic
def ticket_reply(*, actor: User | None, ticket: Ticket, body: str, now: datetime | None = None) -> OutboundMail:
    """Answer the ticket's latest mail from the customer (else write to its contact), in that thread."""
    last = (
        InboundMail.objects.filter(ticket=ticket, is_automatic=False, is_bounce=False)
        .order_by("-received_at", "-id")
        .first()
    )
    if last is None:
        addresses = list(ticket.contact.emails.values_list("address", flat=True)) if ticket.contact_id else []
        return mail_send(actor=actor, to=addresses[:1], subject=ticket.subject, body=body, ticket=ticket, now=now)
    parsed = parsing.parse(bytes(last.raw))
    to = [a for _n, a in parsed.reply_to] or [parsed.from_address]
    return mail_send(
        actor=actor,
        to=to,
        subject=reply_subject(parsed.subject or ticket.subject),
        body=body,
        ticket=ticket,
        inbound=last,
        references=[*parsed.references, parsed.message_id],
        now=now,
    )
