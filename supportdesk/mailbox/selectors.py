"""Reads of the mailbox app."""

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_active
from supportdesk.mailbox.attachments import is_inline_image
from supportdesk.mailbox.exceptions import MailNotFound
from supportdesk.mailbox.models import (
    InboundAttachment,
    InboundMail,
    InboundState,
    Mailbox,
    OutboundMail,
    TriageAction,
    TriageRecord,
)
from supportdesk.mailbox.quoting import extract_ticket_number
from supportdesk.tickets.exceptions import TicketNotFound
from supportdesk.tickets.models import Contact, ContactEmail, Customer, Ticket
from supportdesk.tickets.selectors import (
    Suggestion,
    assignment_suggest,
    contact_by_email,
    customer_open_tickets,
    ticket_get_for_user,
    ticket_search,
)


def mailbox_get(*, pk: int) -> Mailbox:
    return Mailbox.objects.get(pk=pk)


def mailbox_list_active() -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(active=True).exclude(host="").order_by("id")


def inbound_mail_list(*, state: str | None = None, mailbox: Mailbox | None = None) -> QuerySet[InboundMail]:
    """Received mails, newest first, without their raw bytes (the triage and quarantine lists)."""
    qs = InboundMail.objects.defer("raw").select_related("mailbox", "ticket")
    if state is not None:
        qs = qs.filter(state=state)
    if mailbox is not None:
        qs = qs.filter(mailbox=mailbox)
    return qs.order_by("-received_at", "-id")


def inbound_mail_triage_list() -> QuerySet[InboundMail]:
    return inbound_mail_list(state=InboundState.TRIAGE)


def inbound_mail_quarantine_list() -> QuerySet[InboundMail]:
    return inbound_mail_list(state=InboundState.QUARANTINE)


def inbound_mail_get(*, pk: int) -> InboundMail:
    mail = InboundMail.objects.filter(pk=pk).select_related("ticket", "handled_by").first()
    if mail is None:
        raise MailNotFound(_("No received mail %(id)s.") % {"id": pk})
    return mail


def inbound_attachment_get(*, pk: int) -> InboundAttachment:
    attachment = InboundAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise MailNotFound(_("No attachment %(id)s.") % {"id": pk})
    return attachment


def attachments_by_mail(*, mail_ids: list[int]) -> dict[int, list[InboundAttachment]]:
    """All parts of these mails, attached and inline, without their data; one query."""
    result: dict[int, list[InboundAttachment]] = {}
    for attachment in InboundAttachment.objects.filter(mail_id__in=mail_ids).defer("data").order_by("id"):
        result.setdefault(attachment.mail_id, []).append(attachment)
    return result


def triage_image_get(*, attachment_id: int) -> InboundAttachment:
    """An inline raster image (PNG, GIF, JPEG, WebP: ``mailbox.attachments.is_inline_image``) of a
    mail that waits in triage, with its data. Anything else — another type, a part of a mail
    already filed or quarantined — is MailNotFound."""
    found = InboundAttachment.objects.filter(pk=attachment_id, mail__state=InboundState.TRIAGE).first()
    if found is None or not is_inline_image(found):
        raise MailNotFound(_("No image %(id)s in a mail waiting for triage.") % {"id": attachment_id})
    return found


@dataclass(frozen=True)
class TicketPrefill:
    """What "create ticket" proposes for a mail: sender → contact → customer → project manager (R12)."""

    contact: Contact | None
    customer: Customer | None
    suggestion: Suggestion


def triage_prefill(*, mail: InboundMail) -> TicketPrefill:
    contact = contact_by_email(address=mail.from_address) if mail.from_address else None
    customer = contact.customer if contact is not None else None
    return TicketPrefill(contact=contact, customer=customer, suggestion=assignment_suggest(customer=customer))


_GREETING = re.compile(
    r"^\s*(?:hallo|hi|hey|moin|servus|grüß gott|guten\s+(?:morgen|tag|abend)|liebe[rs]?|sehr\s+geehrte[rs]?|"
    r"dear|hello|good\s+(?:morning|afternoon|evening))\b[\s,]*"
    r"(?:(frau|herr|mrs?\.?|ms\.?|dr\.?)\s+)?(?:dr\.?\s+)?([^\W\d_][\w-]*)",
    re.I,
)


def _name_parts(user: User) -> tuple[str, str]:
    parts = user.name.split()
    if not parts:
        return "", ""
    return parts[0].lower(), parts[-1].lower()


def forward_suggest(*, to: list[tuple[str, str]], cc: list[tuple[str, str]], text: str) -> User | None:
    """The colleague a mail personally addresses (R21): a To/Cc display name that is a user's full
    name, or a greeting ("Hallo Frau Berger", "Hi Jonas", "Guten Tag Herr Maier") naming exactly
    one user (by surname after Frau/Herr, else by first name or surname). None if unclear."""
    users = list(user_list_active().exclude(email=""))
    by_address = {u.email.lower(): u for u in users}
    for name, address in [*to, *cc]:
        if address.lower() in by_address:
            return by_address[address.lower()]
        wanted = " ".join(name.replace(",", " ").lower().split())
        if not wanted:
            continue
        found = [u for u in users if " ".join(u.name.lower().split()) == wanted]
        if len(found) == 1:
            return found[0]
    for line in text.splitlines()[:5]:
        match = _GREETING.match(line)
        if not match:
            continue
        title, word = (match.group(1) or "").lower(), match.group(2).lower()
        if title:
            found = [u for u in users if _name_parts(u)[1] == word]
        else:
            found = [u for u in users if _name_parts(u)[0] == word] or [u for u in users if _name_parts(u)[1] == word]
        if len(found) == 1:
            return found[0]
        break
    return None


def inbound_mail_by_message_id(*, message_id: str) -> list[InboundMail]:
    return list(inbound_mail_list().filter(message_id=message_id))


def ticket_participants(*, ticket: Ticket) -> set[str]:
    """Mail addresses (lower case) that take part in ``ticket``: its contact's, every sender of a
    mail filed in it, and every recipient of a mail we sent from it."""
    addresses: set[str] = set()
    if ticket.contact_id:
        addresses.update(
            a.lower()
            for a in ContactEmail.objects.filter(contact_id=ticket.contact_id).values_list("address", flat=True)
        )
    addresses.update(
        a.lower()
        for a in InboundMail.objects.filter(ticket=ticket)
        .exclude(from_address="")
        .values_list("from_address", flat=True)
    )
    for to, cc in OutboundMail.objects.filter(ticket=ticket).values_list("to", "cc"):
        addresses.update(a.strip().lower() for a in (*to.splitlines(), *cc.splitlines()) if a.strip())
    return addresses


def triage_record_list(*, mail: InboundMail) -> QuerySet[TriageRecord]:
    """The mail's timeline: every triage action on it, who did it and who undid it, oldest first."""
    return mail.triage_records.select_related("actor", "undone_by").order_by("done_at", "id")


def triage_record_current(*, mail: InboundMail) -> TriageRecord | None:
    """The action that took the mail out of triage (the latest one not undone)."""
    return mail.triage_records.filter(undone_at__isnull=True).order_by("-done_at", "-id").first()


@dataclass(frozen=True)
class UndoOffer:
    """The last triage action (or bulk action) of a person that can still be undone: the toast."""

    records: list[TriageRecord]
    undo_until: datetime
    text: str


def _record_text(record: TriageRecord) -> str:
    if record.action == TriageAction.CREATE_TICKET:
        return _("Ticket %(number)s created.") % {"number": record.ticket_number}
    if record.action == TriageAction.ADD_TO_TICKET:
        return _("Mail added to %(number)s.") % {"number": record.ticket_number}
    if record.action == TriageAction.REPLY:
        return _("Answer to %(to)s will be sent.") % {"to": record.summary}
    return _("Forward to %(name)s will be sent.") % {"name": record.summary}


def triage_undo_offer(*, user: User, now: datetime) -> UndoOffer | None:
    """``user``'s latest triage action, with all the records of its bulk batch, if it can still
    be undone at ``now``; None otherwise."""
    last = (
        TriageRecord.objects.filter(actor=user, undone_at__isnull=True, finalized_at__isnull=True, undo_until__gt=now)
        .order_by("-done_at", "-id")
        .first()
    )
    if last is None:
        return None
    records = list(
        TriageRecord.objects.filter(
            batch=last.batch, undone_at__isnull=True, finalized_at__isnull=True, undo_until__gt=now
        ).order_by("id")
    )
    many = _("%(count)s mails handled.") % {"count": len(records)}
    text = _record_text(records[0]) if len(records) == 1 else many
    return UndoOffer(records=records, undo_until=min(r.undo_until for r in records if r.undo_until), text=text)


CANDIDATE_LIMIT = 8
"""Tickets the add-to-ticket finder proposes at once."""
QUERY_MAX_LENGTH = 200


class CandidateSource:
    NUMBER = "number"
    CUSTOMER = "customer"
    SEARCH = "search"


@dataclass(frozen=True)
class TicketCandidate:
    ticket: Ticket
    source: str
    """Why it is proposed: ``number`` (the query names it), ``customer`` (an open ticket of the
    sender's customer) or ``search`` (the full-text search)."""


def _matches(ticket: Ticket, words: list[str]) -> bool:
    haystack = f"{ticket.number} {ticket.subject} {ticket.contact.name if ticket.contact else ''}".lower()
    return all(word in haystack for word in words)


def ticket_candidates(
    *, user: User, mail: InboundMail, query: str = "", limit: int = CANDIDATE_LIMIT
) -> list[TicketCandidate]:
    """The tickets ``mail`` may belong to, best first (the add-to-ticket finder, R21): the ticket
    whose number ``query`` names, then the open tickets of the sender's customer (those matching
    every word of ``query``), then the full-text ticket search for ``query``. Read-only."""
    query = " ".join(query.split())[:QUERY_MAX_LENGTH]
    found: dict[int, TicketCandidate] = {}

    def add(tickets: list[Ticket], source: str) -> None:
        for ticket in tickets:
            if len(found) >= limit:
                return
            found.setdefault(ticket.pk, TicketCandidate(ticket=ticket, source=source))

    number = extract_ticket_number(query)
    if number:
        with contextlib.suppress(TicketNotFound):  # no such ticket: the other sources still count
            add([ticket_get_for_user(user=user, number=number)], CandidateSource.NUMBER)
    contact = contact_by_email(address=mail.from_address) if mail.from_address else None
    if contact is not None and contact.customer is not None:
        words = query.lower().split()
        open_tickets = customer_open_tickets(customer=contact.customer)
        for ticket in open_tickets:
            ticket.customer = contact.customer  # known: no query per row for its name
        add([t for t in open_tickets if _matches(t, words)], CandidateSource.CUSTOMER)
    if query and not number and len(found) < limit:
        add(ticket_search(user=user, query=query, limit=limit), CandidateSource.SEARCH)
    return list(found.values())
