"""The mailbox head's actions on mails in triage (R20, R21) and on quarantined mails.

Each action is one transaction on the mail's locked row; a mail someone has already
handled raises :class:`MailAlreadyHandled` (409) saying by whom and when.

Every triage action takes effect at once and writes a :class:`TriageRecord`; for
``conf.undo_window()`` it can be undone (see ``services.undo``). What must not happen before
then waits for the window's end: replies and forwards are queued (``send_after``), and the
notice to a new ticket's assignee is held and sent by the record's finalize task.
"""

import logging
import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import PermissionDenied
from supportdesk.mailbox import conf, parsing
from supportdesk.mailbox.exceptions import MailAlreadyHandled, MailCannotBeSent, MailNotFound
from supportdesk.mailbox.models import (
    InboundAttachment,
    InboundMail,
    InboundState,
    OutboundMail,
    TriageAction,
    TriageRecord,
)
from supportdesk.mailbox.services.decide import Batch, article_body, decide
from supportdesk.mailbox.services.ingest import apply_parsed
from supportdesk.mailbox.services.outbound import enqueue_at, mail_send, reply_subject
from supportdesk.tickets import selectors as ticket_selectors
from supportdesk.tickets.models import SUBJECT_MAX_LENGTH, Article, ArticleKind, Channel, Priority, Status, Team, Ticket
from supportdesk.tickets.services import (
    article_add,
    contact_create,
    ticket_assignee_notify,
    ticket_create,
    ticket_update,
)

logger = logging.getLogger(__name__)

REOPEN = (Status.RESOLVED, Status.CLOSED)


def _locked(mail_id: int, state: str) -> InboundMail:
    mail = InboundMail.objects.select_for_update().filter(pk=mail_id).first()
    if mail is None:
        raise MailNotFound(_("No received mail %(id)s.") % {"id": mail_id})
    if mail.state != state:
        raise MailAlreadyHandled(_handled_text(mail))
    return mail


def _handled_text(mail: InboundMail) -> str:
    state = InboundState(mail.state).label
    if mail.handled_by_id and mail.handled_at:
        by = User.objects.filter(pk=mail.handled_by_id).first()
        when = date_format(timezone.localtime(mail.handled_at), "SHORT_DATETIME_FORMAT")
        action = TriageAction(mail.handled_action).label if mail.handled_action else state
        return _("This mail was already handled (%(action)s) by %(name)s at %(when)s.") % {
            "action": action,
            "name": by.name if by else "?",
            "when": when,
        }
    return _("This mail is no longer waiting (%(state)s).") % {"state": state}


def _parsed(mail: InboundMail) -> parsing.ParsedMail:
    return parsing.parse(bytes(mail.raw))


def _mark(mail: InboundMail, *, actor: User, action: str, state: str, now: datetime) -> InboundMail:
    mail.state = state
    mail.handled_action = action
    mail.handled_by = actor
    mail.handled_at = now
    mail.save(update_fields=["state", "handled_action", "handled_by", "handled_at", "ticket", "article", "hint"])
    logger.info("mail %s: %s by %s", mail.pk, action, actor.username)
    return mail


def _mail_article(ticket: Ticket) -> Article | None:
    return Article.objects.filter(ticket=ticket, kind=ArticleKind.MAIL_IN).order_by("-id").first()


def _record(
    mail: InboundMail,
    *,
    actor: User,
    action: str,
    now: datetime,
    batch: uuid.UUID | None,
    undoable: bool = True,
    **fields: object,
) -> TriageRecord:
    """Write the action's record and enqueue its finalize task for the end of the undo window."""
    undo_until = now + conf.undo_window() if undoable else None
    record = TriageRecord.objects.create(
        mail=mail,
        batch=batch or uuid.uuid4(),
        action=action,
        actor=actor,
        done_at=now,
        undo_until=undo_until,
        **fields,
    )
    if undo_until is not None:
        from supportdesk.mailbox import tasks  # tasks.py imports the services package

        enqueue_at(tasks.triage_record_finalize, undo_until, record_id=record.pk)
    else:
        record.finalized_at = now
        record.save(update_fields=["finalized_at"])
    return record


@transaction.atomic(durable=True)
def triage_create_ticket(
    *,
    actor: User,
    mail_id: int,
    assignee: User | None = None,
    assignee_group: Team | None = None,
    priority: int = Priority.P3,
    subject: str = "",
    batch: uuid.UUID | None = None,
    now: datetime | None = None,
) -> InboundMail:
    """(1) Turn the mail into a ticket of the sender's contact (created when unknown), assigned as
    given or else as suggested (contact → customer → project manager, R12).

    A Prio 1 ticket starts its escalation at once and cannot be undone; any other waits with
    its assignee notice until the undo window has passed."""
    now = now or timezone.now()
    mail = _locked(mail_id, InboundState.TRIAGE)
    parsed = _parsed(mail)
    address = mail.from_address.lower()
    contact = ticket_selectors.contact_by_email(address=address) if address else None
    contact_created = None
    if contact is None and "@" in address:
        contact = contact_created = contact_create(name=mail.from_name or address, emails=[address])
    ticket = ticket_create(
        actor=actor,
        subject=(subject or mail.subject or parsed.subject or "(ohne Betreff)")[:SUBJECT_MAX_LENGTH],
        body=article_body(parsed),
        priority=priority,
        channel=Channel.MAIL,
        contact=contact,
        assignee=assignee,
        assignee_group=assignee_group,
        now=now,
        notify_assignee=False,
    )
    undoable = ticket.priority != Priority.P1
    if not undoable:  # its escalation runs already: the assignee hears of it at once too
        ticket_assignee_notify(ticket=ticket, actor=actor, now=now)
    # Otherwise the finalize task tells the assignee when the undo window has passed.
    held = undoable and ticket.assignee_id is not None
    mail.ticket = ticket
    mail.article = _mail_article(ticket)
    _mark(mail, actor=actor, action=TriageAction.CREATE_TICKET, state=InboundState.ARTICLE, now=now)
    _record(
        mail,
        actor=actor,
        action=TriageAction.CREATE_TICKET,
        now=now,
        batch=batch,
        undoable=undoable,
        ticket=ticket,
        ticket_number=ticket.number,
        ticket_created=True,
        ticket_version=ticket.version,
        contact_created=contact_created,
        notice_held=held,
        summary=ticket.assignee.name if ticket.assignee else "",
    )
    return mail


@transaction.atomic(durable=True)
def triage_add_to_ticket(
    *,
    actor: User,
    mail_id: int,
    ticket: Ticket,
    assignee: User | None = None,
    batch: uuid.UUID | None = None,
    now: datetime | None = None,
) -> InboundMail:
    """(2) Copy the mail into an existing ticket (reopened when it was resolved or closed) and,
    when ``assignee`` is given, assign the ticket to them."""
    now = now or timezone.now()
    mail = _locked(mail_id, InboundState.TRIAGE)
    parsed = _parsed(mail)
    current = Ticket.objects.get(pk=ticket.pk)
    changes: dict[str, object] = {}
    previous: dict[str, object] = {}
    if current.status in REOPEN:
        changes["status"] = Status.OPEN
        previous["status"] = current.status
    if assignee is not None and current.assignee_id != assignee.pk:
        changes["assignee"] = assignee
        previous["assignee"] = current.assignee_id
    if changes:
        current = ticket_update(actor, current, current.version, now=now, **changes)
    mail.ticket = current
    mail.article = article_add(actor=None, ticket=current, kind=ArticleKind.MAIL_IN, body=article_body(parsed), now=now)
    _mark(mail, actor=actor, action=TriageAction.ADD_TO_TICKET, state=InboundState.ARTICLE, now=now)
    _record(
        mail,
        actor=actor,
        action=TriageAction.ADD_TO_TICKET,
        now=now,
        batch=batch,
        ticket=current,
        ticket_number=current.number,
        ticket_version=current.version,
        ticket_previous=previous,
        article=mail.article,
    )
    return mail


@transaction.atomic(durable=True)
def triage_reply(
    *, actor: User, mail_id: int, body: str, batch: uuid.UUID | None = None, now: datetime | None = None
) -> InboundMail:
    """(3) Answer the mail without a ticket (to Reply-To, else the sender), in its thread; the
    answer leaves when the undo window has passed."""
    now = now or timezone.now()
    if not body.strip():
        raise MailCannotBeSent(_("The answer must not be empty."))
    mail = _locked(mail_id, InboundState.TRIAGE)
    parsed = _parsed(mail)
    to = [a for _n, a in parsed.reply_to] or [parsed.from_address]
    outbound = mail_send(
        actor=actor,
        to=[a for a in to if "@" in a],
        subject=reply_subject(parsed.subject),
        body=body,
        inbound=mail,
        references=[*parsed.references, parsed.message_id],
        send_after=now + conf.undo_window(),
        now=now,
    )
    return _sent(mail, outbound, actor=actor, action=TriageAction.REPLY, batch=batch, now=now)


def _sent(
    mail: InboundMail,
    outbound: OutboundMail,
    *,
    actor: User,
    action: str,
    batch: uuid.UUID | None,
    now: datetime,
    summary: str = "",
) -> InboundMail:
    _mark(mail, actor=actor, action=action, state=InboundState.HANDLED, now=now)
    _record(
        mail,
        actor=actor,
        action=action,
        now=now,
        batch=batch,
        outbound=outbound,
        summary=(summary or ", ".join(outbound.addresses))[:300],
    )
    return mail


@transaction.atomic(durable=True)
def triage_forward(
    *,
    actor: User,
    mail_id: int,
    colleague: User,
    note: str = "",
    batch: uuid.UUID | None = None,
    now: datetime | None = None,
) -> InboundMail:
    """(4) Forward the mail personally to the colleague it addresses (the original attached);
    it leaves when the undo window has passed."""
    now = now or timezone.now()
    if not colleague.is_active or not colleague.email:
        raise MailCannotBeSent(_("%(name)s has no mail address.") % {"name": colleague.name})
    mail = _locked(mail_id, InboundState.TRIAGE)
    parsed = _parsed(mail)
    sender = f"{parsed.from_name} <{parsed.from_address}>" if parsed.from_name else parsed.from_address
    when = date_format(timezone.localtime(parsed.date), "DATETIME_FORMAT") if parsed.date else ""
    with translation.override("de"):
        header = (
            f"-------- Weitergeleitete Nachricht --------\nVon: {sender}\nDatum: {when}\nBetreff: {parsed.subject}\n\n"
        )
    body = (note.strip() + "\n\n" if note.strip() else "") + header + parsed.text.strip()
    outbound = mail_send(
        actor=actor,
        to=[colleague.email],
        subject=f"WG: {parsed.subject}".strip(),
        body=body,
        inbound=mail,
        attach_original=True,
        send_after=now + conf.undo_window(),
        now=now,
    )
    return _sent(mail, outbound, actor=actor, action=TriageAction.FORWARD, batch=batch, now=now, summary=colleague.name)


def _require_coordinator(actor: User) -> None:
    if not actor.is_coordinator:
        raise PermissionDenied(_("Only coordinators and admins handle quarantined mails."))


@transaction.atomic(durable=True)
def quarantine_retry(*, actor: User, mail_id: int, now: datetime | None = None) -> InboundMail:
    """Parse the stored raw mail again (after a parser fix) and decide it as the ingest would;
    when it still cannot be read it stays in quarantine with the new reason."""
    _require_coordinator(actor)
    now = now or timezone.now()
    mail = _locked(mail_id, InboundState.QUARANTINE)
    try:
        parsed = _parsed(mail)
    except Exception as exc:  # as in the ingest: whatever the parser trips over keeps it quarantined
        mail.reason = f"{type(exc).__name__}: {exc}"[:2000]
        mail.save(update_fields=["reason"])
        return mail
    apply_parsed(mail=mail, parsed=parsed)
    decide(mail=mail, parsed=parsed, batch=Batch(now=now))
    InboundAttachment.objects.filter(mail=mail).delete()
    InboundAttachment.objects.bulk_create(
        InboundAttachment(
            mail=mail,
            filename=a.filename[:255],
            content_type=a.content_type[:255],
            size=len(a.data),
            data=a.data,
            content_id=a.content_id[:255],
            inline=a.inline,
        )
        for a in parsed.attachments
    )
    mail.handled_action = TriageAction.RETRY
    mail.handled_by = actor
    mail.handled_at = now
    mail.save()
    return mail


@transaction.atomic(durable=True)
def quarantine_discard(*, actor: User, mail_id: int, now: datetime | None = None) -> InboundMail:
    """Mark a quarantined mail discarded; its row and raw bytes stay as the record."""
    _require_coordinator(actor)
    now = now or timezone.now()
    mail = _locked(mail_id, InboundState.QUARANTINE)
    return _mark(mail, actor=actor, action=TriageAction.DISCARD, state=InboundState.DISCARDED, now=now)
