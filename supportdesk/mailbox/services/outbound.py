"""Mail we send: replies and forwards over SMTP, each stored as OutboundMail.

A reply or forward of a mail that came in through a mailbox with its own SMTP account goes out
through that account (and from its sender address); everything else through the global mailer.

Every mail gets our own Message-ID, so that answers to it thread back into its ticket, and
carries the thread (In-Reply-To, References) and the ticket number in its subject.
"""

import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message
from typing import Any

from django.core.mail import EmailMessage, make_msgid
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.mailbox import conf, parsing
from supportdesk.mailbox.exceptions import AutoAnswerRefused, MailCannotBeSent
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox, OutboundMail, OutboundStatus, Security
from supportdesk.mailbox.quoting import normalize_subject
from supportdesk.tickets.models import ArticleKind, ContactEmail, Ticket
from supportdesk.tickets.services import article_add

logger = logging.getLogger(__name__)

MAX_REFERENCES = 20
"""Older ids are dropped from References (RFC 5322 allows it; some servers refuse huge headers)."""
SEND_RETRY_DELAYS = [timedelta(seconds=s) for s in (30, 120, 600)]
"""Back-off between attempts at a queued mail; after the last one it is marked failed."""
SEND_LEASE = timedelta(minutes=5)
"""A queued mail still waiting this long after ``send_after`` lost its task; the sweep re-enqueues it."""


def enqueue_at(task: Task[Any, Any], when: datetime, **kwargs: Any) -> None:
    """Enqueue ``task`` to run at ``when`` (the database backend defers it). A backend that cannot
    defer (the immediate one of some tests) runs it now: the task's own checks still hold."""
    if task.get_backend().supports_defer:
        task.using(run_after=when).enqueue(**kwargs)
    else:
        task.enqueue(**kwargs)


SMTP_TIMEOUT = 10


def mailbox_mailer(mailbox: Mailbox | None) -> SmtpBackend | None:
    """The SMTP connection of ``mailbox``'s own account; None: use the global mailer."""
    if mailbox is None or not mailbox.has_own_smtp:
        return None
    # Built as Django's mailers registry builds a MAILERS entry (alias + OPTIONS), from the row.
    return SmtpBackend(
        alias=f"mailbox:{mailbox.name}",
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        username=mailbox.smtp_username,
        password=mailbox.smtp_password,
        use_tls=mailbox.smtp_security == Security.STARTTLS,
        use_ssl=mailbox.smtp_security == Security.TLS,
        timeout=SMTP_TIMEOUT,
    )


def mailbox_sender(mailbox: Mailbox | None) -> str:
    """The From of replies and forwards from ``mailbox``'s mails."""
    if mailbox is not None and mailbox.has_own_smtp and mailbox.smtp_from:
        return mailbox.smtp_from
    return conf.from_address()


def _send(message: EmailMessage, mailbox: Mailbox | None) -> None:
    mailer = mailbox_mailer(mailbox)
    if mailer is None:
        message.send()
    else:
        mailer.send_messages([message])


class StoredMessage(EmailMessage):
    """A mail sent exactly as it was stored (queued earlier): same bytes, same Message-ID."""

    def __init__(self, *, raw: bytes, recipients: Sequence[str], sender: str) -> None:
        super().__init__(from_email=sender, to=list(recipients))
        self.raw = raw

    def message(self, *, policy: Any = email_policy.default) -> Message:  # type: ignore[override]
        return message_from_bytes(self.raw, policy=policy)


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
    send_after: datetime | None = None,
    now: datetime | None = None,
) -> OutboundMail:
    """Send one mail and store it (an ``OutboundMail``, and an outbound article on ``ticket``).

    ``references`` is the thread, oldest first; its last id becomes In-Reply-To. The mail goes out
    inside the transaction: when the SMTP server refuses it, nothing is stored (and the caller's
    action is rolled back with it). With ``send_after`` it is stored ``queued`` instead and a task,
    enqueued in this same transaction, sends it then (unless it was cancelled by an undo).
    """
    now = now or timezone.now()
    recipients = [a.strip().lower() for a in to if a and a.strip()]
    copies = [a.strip().lower() for a in cc if a and a.strip()]
    if not recipients:
        raise MailCannotBeSent(_("There is no address to send this mail to."))
    if automatic and inbound is not None and not may_auto_answer(inbound):
        raise AutoAnswerRefused(_("An automatic mail is never answered automatically."))
    message_id = make_msgid(domain=conf.message_id_domain())
    thread = [_angle(r) for r in references if r][-MAX_REFERENCES:]
    headers = {"Message-ID": message_id}
    if thread:
        headers["In-Reply-To"] = thread[-1]
        headers["References"] = " ".join(thread)
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
    subject = subject_with_number(subject, ticket)
    mailbox = inbound.mailbox if inbound is not None else None
    message = EmailMessage(
        subject=subject, body=body, from_email=mailbox_sender(mailbox), to=recipients, cc=copies, headers=headers
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
        sent_at=send_after or now,
        sent_by=actor,
        is_automatic=automatic,
        raw=raw,
        status=OutboundStatus.QUEUED if send_after is not None else OutboundStatus.SENT,
        send_after=send_after,
    )
    if send_after is not None:
        # Imported here: tasks.py imports the services package.
        from supportdesk.mailbox import tasks

        enqueue_at(tasks.outbound_mail_send, send_after, outbound_id=outbound.pk)
        logger.info("mail %s to %s queued until %s", message_id, recipients, send_after.isoformat())
        return outbound
    try:
        _send(message, mailbox)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("mail %s to %s failed: %s", message_id, recipients, exc)
        raise MailCannotBeSent(_("The mail server did not take the mail: %(error)s") % {"error": exc}) from exc
    logger.info("mail %s sent to %s", message_id, recipients)
    return outbound


@transaction.atomic
def outbound_mail_cancel(*, outbound: OutboundMail) -> bool:
    """Cancel a queued mail before it leaves; False when it is being sent or already went out.

    The conditional update is the one place the undo and the send task meet: whichever changes
    the row first wins, the other sees a status that is no longer ``queued``.
    """
    return bool(
        OutboundMail.objects.filter(pk=outbound.pk, status=OutboundStatus.QUEUED).update(
            status=OutboundStatus.CANCELLED
        )
    )


@transaction.atomic
def outbound_mail_deliver(*, outbound_id: int, now: datetime | None = None) -> OutboundMail | None:
    """Send a queued mail once (the task at the end of its undo window).

    The row is locked for the SMTP conversation, so an undo arriving meanwhile waits and then
    finds the mail sent. A cancelled or already sent mail is left alone (a duplicate task does
    nothing). A refusal is retried with back-off; after the last attempt the mail is marked
    failed and the mail it answers goes back to triage with the reason, so nothing is lost.
    """
    now = now or timezone.now()
    outbound = OutboundMail.objects.select_for_update().filter(pk=outbound_id).first()
    if outbound is None or outbound.status != OutboundStatus.QUEUED:
        return outbound
    # On SQLite select_for_update is a no-op: this write takes the database lock before the send.
    outbound.attempts += 1
    outbound.save(update_fields=["attempts"])
    mailbox = Mailbox.objects.filter(mails__pk=outbound.inbound_id).first() if outbound.inbound_id else None
    message = StoredMessage(raw=bytes(outbound.raw), recipients=outbound.addresses, sender=mailbox_sender(mailbox))
    try:
        _send(message, mailbox)
    except (smtplib.SMTPException, OSError) as exc:
        outbound.last_error = str(exc)[:2000]
        if outbound.attempts <= len(SEND_RETRY_DELAYS):
            from supportdesk.mailbox import tasks

            retry_at = now + SEND_RETRY_DELAYS[outbound.attempts - 1]
            outbound.send_after = retry_at
            outbound.save(update_fields=["last_error", "send_after"])
            enqueue_at(tasks.outbound_mail_send, retry_at, outbound_id=outbound.pk)
            logger.warning(
                "mail %s failed (attempt %s), retry at %s: %s", outbound.message_id, outbound.attempts, retry_at, exc
            )
            return outbound
        outbound.status = OutboundStatus.FAILED
        outbound.save(update_fields=["status", "last_error"])
        logger.error("mail %s failed for good: %s", outbound.message_id, exc)
        _back_to_triage(outbound)
        return outbound
    outbound.status = OutboundStatus.SENT
    outbound.sent_at = now
    outbound.last_error = ""
    outbound.save(update_fields=["status", "sent_at", "last_error"])
    logger.info("mail %s sent to %s", outbound.message_id, outbound.addresses)
    return outbound


def _back_to_triage(outbound: OutboundMail) -> None:
    """A reply or forward that could not be sent: its mail waits in triage again, saying why."""
    if outbound.inbound_id is None or outbound.is_automatic:
        return
    InboundMail.objects.filter(pk=outbound.inbound_id, state=InboundState.HANDLED).update(
        state=InboundState.TRIAGE,
        hint=(
            _("The mail to %(to)s could not be sent: %(error)s")
            % {
                "to": ", ".join(outbound.addresses),
                "error": outbound.last_error,
            }
        )[:500],
    )


def outbound_mail_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue queued mails whose task was lost (a worker killed in the middle of it)."""
    from supportdesk.mailbox import tasks

    now = now or timezone.now()
    stale = list(
        OutboundMail.objects.filter(status=OutboundStatus.QUEUED, send_after__lt=now - SEND_LEASE).values_list(
            "pk", flat=True
        )
    )
    for pk in stale:
        tasks.outbound_mail_send.enqueue(outbound_id=pk)
    return len(stale)


@transaction.atomic
def ticket_reply(*, actor: User | None, ticket: Ticket, body: str, now: datetime | None = None) -> OutboundMail:
    """Answer the ticket's latest mail from the customer (else write to its contact), in that thread."""
    last = (
        InboundMail.objects.filter(ticket=ticket, is_automatic=False, is_bounce=False)
        .order_by("-received_at", "-id")
        .first()
    )
    if last is None:
        emails = ContactEmail.objects.filter(contact_id=ticket.contact_id) if ticket.contact_id is not None else None
        addresses = list(emails.values_list("address", flat=True)) if emails is not None else []
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
