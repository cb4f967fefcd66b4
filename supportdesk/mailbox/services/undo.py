"""Undo of triage actions within their window, and what happens when the window has passed.

An undo reverts everything the action did, in one transaction: the ticket it created is
deleted (with the contact it created) as long as nothing else happened to it, the article it
added is removed and the ticket fields it changed are set back, the queued reply or forward is
cancelled, and the mail waits in triage again. The record keeps who did and who undid what.

Tickets, articles and contacts are deleted by the tickets app's ``*_delete_unused`` services,
which refuse when anything else refers to them; the mail and the triage records only mention
them (a record keeps the ticket's number) and are named as the references that may go.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError, PermissionDenied
from supportdesk.mailbox import conf
from supportdesk.mailbox.exceptions import TriageRecordNotFound, UndoRefused
from supportdesk.mailbox.models import InboundMail, InboundState, OutboundMail, TriageAction, TriageRecord
from supportdesk.mailbox.services.outbound import outbound_mail_cancel
from supportdesk.tickets.exceptions import StillInUse
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import (
    article_delete_unused,
    contact_delete_unused,
    ticket_assignee_notify,
    ticket_delete_unused,
    ticket_update,
)

logger = logging.getLogger(__name__)


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _check(record: TriageRecord, *, actor: User, now: datetime) -> None:
    if record.actor_id != actor.pk and not actor.is_coordinator:
        raise PermissionDenied(_("Only the person who acted, or a coordinator, can undo this action."))
    if record.undone_at is not None:
        by = record.undone_by.name if record.undone_by else "?"
        raise UndoRefused(
            _("This action was already undone by %(name)s at %(when)s.") % {"name": by, "when": _when(record.undone_at)}
        )
    if record.undo_until is None:
        raise UndoRefused(
            _(
                "A Prio 1 ticket starts its escalation at once and cannot be undone: "
                "change or resolve %(number)s instead."
            )
            % {"number": record.ticket_number}
        )
    if record.finalized_at is not None or now > record.undo_until:
        raise UndoRefused(
            _("Too late: an action can be undone for %(seconds)s seconds, this one was done at %(when)s.")
            % {"seconds": int(conf.undo_window().total_seconds()), "when": _when(record.done_at)}
        )


def _changed(number: str) -> UndoRefused:
    return UndoRefused(
        _("%(number)s was changed since; nothing was undone. Change the ticket itself instead.") % {"number": number}
    )


def _undo_created_ticket(record: TriageRecord, mail: InboundMail, actor: User) -> None:
    ticket = record.ticket
    if ticket is None:
        return  # someone deleted it already: only the mail goes back
    # Only what the creation made goes: version 1 and its first article (the mail). Anything more
    # (a change, a note, another mail or an outgoing one in the ticket) is someone's work: it stays.
    mentions = TriageRecord.objects.filter(Q(ticket=ticket) | Q(article__ticket=ticket))
    try:
        ticket_delete_unused(ticket=ticket, actor=actor, referrers=[mail, *mentions])
    except StillInUse as exc:
        raise _changed(ticket.number) from exc
    contact = record.contact_created
    if contact is not None:
        try:
            contact_delete_unused(
                contact=contact, actor=actor, referrers=TriageRecord.objects.filter(contact_created=contact)
            )
        except StillInUse:
            logger.info("contact %s stays: it is used elsewhere by now", contact.pk)


def _undo_added_article(record: TriageRecord, mail: InboundMail, actor: User, now: datetime) -> None:
    ticket = Ticket.objects.select_for_update().filter(pk=record.ticket_id).first() if record.ticket_id else None
    if ticket is None:
        return
    previous = dict(record.ticket_previous)
    if previous and ticket.version != record.ticket_version:
        raise _changed(ticket.number)
    article = record.article
    if article is not None and article.ticket_id == ticket.pk:
        mentions = TriageRecord.objects.filter(article=article)
        try:
            article_delete_unused(article=article, actor=actor, referrers=[mail, *mentions])
        except StillInUse as exc:
            raise _changed(ticket.number) from exc
    if previous:
        changes: dict[str, object] = {}
        if "status" in previous:
            changes["status"] = previous["status"]
        if "assignee" in previous:
            changes["assignee"] = User.objects.filter(pk=previous["assignee"]).first()
        ticket_update(actor, ticket, ticket.version, now=now, **changes)


@transaction.atomic(durable=True)
def triage_undo(*, actor: User, record_id: int, now: datetime | None = None) -> InboundMail:
    """Undo one triage action within its window; the mail waits in triage again.

    Raises :class:`UndoRefused` (409) when the window has passed, it was undone already, the
    reply already left, or the ticket was changed since; nothing is changed then.
    """
    now = now or timezone.now()
    record = (
        TriageRecord.objects.select_for_update(of=("self",)).select_related("undone_by").filter(pk=record_id).first()
    )
    if record is None:
        raise TriageRecordNotFound(_("No triage action %(id)s.") % {"id": record_id})
    _check(record, actor=actor, now=now)
    # Lock order: the record, the outgoing mail, then the received mail, as the send task does
    # (it updates the outgoing mail and may put the received one back into triage).
    if record.outbound_id is not None:
        outbound = OutboundMail.objects.get(pk=record.outbound_id)
        if not outbound_mail_cancel(outbound=outbound):
            raise UndoRefused(_("The mail to %(to)s has already been sent.") % {"to": ", ".join(outbound.addresses)})
    # NO KEY: a concurrent write of a row that refers to the mail (the send task's) must not wait for us.
    mail = InboundMail.objects.select_for_update(no_key=True).get(pk=record.mail_id)
    if record.action == TriageAction.CREATE_TICKET:
        _undo_created_ticket(record, mail, actor)
    elif record.action == TriageAction.ADD_TO_TICKET:
        _undo_added_article(record, mail, actor, now)
    mail.state = InboundState.TRIAGE
    mail.handled_action = ""
    mail.handled_by = None
    mail.handled_at = None
    mail.ticket = None
    mail.article = None
    mail.save(update_fields=["state", "handled_action", "handled_by", "handled_at", "ticket", "article"])
    record.undone_at = now
    record.undone_by = actor
    record.save(update_fields=["undone_at", "undone_by"])
    logger.info("mail %s: %s undone by %s", mail.pk, record.action, actor.username)
    return mail


def triage_undo_many(*, actor: User, record_ids: Iterable[int], now: datetime | None = None) -> tuple[int, list[str]]:
    """Undo several actions (a bulk action), each in its own transaction; returns how many were
    undone and the messages of those that could not be."""
    done, errors = 0, []
    for record_id in record_ids:
        try:
            triage_undo(actor=actor, record_id=record_id, now=now)
            done += 1
        except DomainError as exc:
            errors.append(exc.message)
    return done, errors


@transaction.atomic
def triage_record_finalize(*, record_id: int, now: datetime | None = None) -> TriageRecord | None:
    """The window of an action has passed without an undo: it stands, and the notice it held
    (the new ticket's assignee) goes out now. Does nothing for an undone or finalized record."""
    now = now or timezone.now()
    record = TriageRecord.objects.select_for_update().filter(pk=record_id).first()
    if record is None or record.undone_at is not None or record.finalized_at is not None:
        return record
    record.finalized_at = now
    record.save(update_fields=["finalized_at"])
    if record.notice_held and record.ticket_id:
        ticket = Ticket.objects.select_related("assignee").filter(pk=record.ticket_id).first()
        if ticket is not None:
            # What ticket_create would have done at the creation: a notice now, or a digest item.
            ticket_assignee_notify(ticket=ticket, actor=record.actor, now=record.done_at)
    return record
