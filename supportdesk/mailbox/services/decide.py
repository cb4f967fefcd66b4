"""Where an incoming mail goes: threading into a ticket, and the loop and flood protection.

A mail joins a ticket only when its In-Reply-To/References name a mail of that ticket (ours
or the customer's), or when its subject names the ticket number *and* the sender already
takes part in the ticket. Subject text alone never threads. Everything else waits in triage,
with a ``hint`` when something looked like a follow-up but was not trusted.

Threading comes first: a participant's own reply to their ticket is never held as a flood
(automatic mail still is: loop protection). The automatic decisions (a Prio 1 keyword rule,
the after-hours answer) act only on live mail written recently (``conf.automation_max_age``);
an import (``IntakeMode.IMPORT``) makes none of them and counts no floods.
"""

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.db.models import Count
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from supportdesk.escalation.models import Prio1Rule
from supportdesk.escalation.selectors import prio1_rule_for_mail
from supportdesk.handover.afterhours import after_hours_acknowledge
from supportdesk.mailbox import conf, parsing, selectors
from supportdesk.mailbox.models import InboundMail, InboundState, OutboundMail
from supportdesk.mailbox.quoting import extract_ticket_number
from supportdesk.tickets.models import (
    SUBJECT_MAX_LENGTH,
    Article,
    ArticleKind,
    Channel,
    Contact,
    Customer,
    Status,
    Ticket,
)
from supportdesk.tickets.selectors import contact_by_email
from supportdesk.tickets.services import article_add, ticket_create, ticket_update

logger = logging.getLogger(__name__)

EMPTY_BODY = "(ohne Text)"
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class IntakeMode(StrEnum):
    LIVE = "live"
    """Mail as it arrives (the IMAP listener): every decision applies."""
    IMPORT = "import"
    """An archive (``mailbox import``): threaded or held in triage only; no keyword rules, no
    flood counting, no automatic answers."""


@dataclass
class Batch:
    """What the decisions of one ingest batch share."""

    now: datetime
    mode: IntakeMode = IntakeMode.LIVE
    own_message_ids: set[str] = field(default_factory=set)
    """Message-IDs of the batch that are our own outbound mails."""
    tickets: dict[str, int] = field(default_factory=dict)
    """Message-ID → ticket id of the mails threaded so far in this batch."""
    senders: dict[str, int] = field(default_factory=dict)
    """Sender → mails from it within the flood window, this batch included."""
    reference_tickets: dict[str, int] = field(default_factory=dict)
    """Message-ID → ticket id of the stored mails (ours or received) that ``prefetch`` looked up."""
    references_prefetched: set[str] = field(default_factory=set)
    """The Message-IDs ``prefetch`` looked up (found or not): these need no query of their own."""
    prio1_rules_active: bool | None = None
    """Whether any Prio 1 keyword rule is active; looked up once per batch."""


def prefetch(batch: Batch, *, addresses: Iterable[str], references: Iterable[str]) -> None:
    """Look up what the decisions of a whole batch need in three queries instead of a few per mail:
    the flood counts of its senders and the tickets of all the Message-IDs its mails refer to."""
    wanted = {a.lower() for a in addresses if a} - batch.senders.keys()
    if wanted and batch.mode is IntakeMode.LIVE:
        counts = dict(
            InboundMail.objects.filter(
                from_address__in=wanted,
                received_at__gt=batch.now - conf.FLOOD_WINDOW,
                received_at__lte=batch.now,
            )
            .order_by()
            .values_list("from_address")
            .annotate(n=Count("id"))
            .values_list("from_address", "n")
        )
        for address in wanted:
            batch.senders[address] = counts.get(address, 0)
    ids = {r for r in references if r} - batch.references_prefetched
    if ids:
        batch.reference_tickets.update(_reference_tickets(ids))
        batch.references_prefetched.update(ids)


def _reference_tickets(references: Collection[str]) -> dict[str, int]:
    """Message-ID → ticket id for the stored mails among ``references``: of several received mails
    with one Message-ID the newest counts, and a mail we sent wins over a received one."""
    found: dict[str, int] = {}
    for message_id, ticket_id in (
        InboundMail.objects.filter(message_id__in=references, ticket__isnull=False)
        .order_by("received_at", "id")
        .values_list("message_id", "ticket_id")
    ):
        found[message_id] = ticket_id
    for message_id, ticket_id in OutboundMail.objects.filter(
        message_id__in=references, ticket__isnull=False
    ).values_list("message_id", "ticket_id"):
        found[message_id] = ticket_id
    return found


def article_body(parsed: parsing.ParsedMail) -> str:
    text = parsed.text.strip()
    return text or parsed.subject.strip() or EMPTY_BODY


def _text(message: str, **params: object) -> str:
    """A stored text (article, hint) in the site's language, whichever language is active."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % params


def _clip(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


def _triage(mail: InboundMail, hint: str = "") -> None:
    mail.state = InboundState.TRIAGE
    mail.hint = _clip(hint, 500)


def _flooding(mail: InboundMail, batch: Batch) -> bool:
    address = mail.from_address.lower()
    if not address:
        return False
    if address not in batch.senders:
        batch.senders[address] = InboundMail.objects.filter(
            from_address=address, received_at__gt=batch.now - conf.FLOOD_WINDOW, received_at__lte=batch.now
        ).count()
    batch.senders[address] += 1
    return batch.senders[address] > conf.flood_limit()


def ticket_for_references(*, references: Sequence[str], batch: Batch | None = None) -> int | None:
    """The ticket of the first of ``references`` (In-Reply-To first, then References newest first)
    that is a mail of a ticket: one we received, or one we sent."""
    references = [r for r in references if r]
    if not references:
        return None
    if batch is not None:
        for message_id in references:
            if message_id in batch.tickets:
                return batch.tickets[message_id]
        if batch.references_prefetched.issuperset(references):
            found = batch.reference_tickets
            return next((found[m] for m in references if m in found), None)
    found = _reference_tickets(references)
    return next((found[m] for m in references if m in found), None)


def _bounce(mail: InboundMail, parsed: parsing.ParsedMail, batch: Batch) -> None:
    """A delivery status notification: a note on the ticket of the mail it reports on; reopens nothing."""
    bounced = parsed.bounced_message_id
    ticket_id = None
    recipients = ""
    if bounced:
        outbound = OutboundMail.objects.filter(message_id=bounced).first()
        if outbound is not None:
            ticket_id = outbound.ticket_id
            recipients = ", ".join(outbound.addresses)
        else:
            ticket_id = ticket_for_references(references=[bounced], batch=batch)
    if ticket_id is None:
        _triage(mail, _text("Delivery status notification for a mail not found (%(id)s).", id=bounced or "?"))
        return
    ticket = Ticket.objects.get(pk=ticket_id)
    body = _text("Delivery failed: %(recipients)s", recipients=recipients or bounced)
    body = f"{body}\n\n{_clip(parsed.text.strip(), 4000)}".strip()
    mail.state = InboundState.ARTICLE
    mail.ticket = ticket
    mail.article = article_add(actor=None, ticket=ticket, kind=ArticleKind.INTERNAL_NOTE, body=body, now=batch.now)
    mail.hint = _text("Delivery status notification")


def _follow_up(mail: InboundMail, parsed: parsing.ParsedMail, ticket_id: int, batch: Batch) -> None:
    ticket = Ticket.objects.get(pk=ticket_id)
    mail.state = InboundState.ARTICLE
    if ticket.status in CLOSED_STATUSES and not parsed.is_automatic:
        if conf.closed_followup() == "new_ticket":
            _follow_up_new_ticket(mail, parsed, ticket, batch)
            return
        ticket = ticket_update(None, ticket, ticket.version, now=batch.now, status=Status.OPEN)
        logger.info("ticket %s reopened by follow-up mail %s", ticket.number, mail.message_id)
    mail.ticket = ticket
    mail.article = article_add(
        actor=None, ticket=ticket, kind=ArticleKind.MAIL_IN, body=article_body(parsed), now=batch.now
    )
    if mail.message_id:
        batch.tickets[mail.message_id] = ticket.pk


def _follow_up_new_ticket(mail: InboundMail, parsed: parsing.ParsedMail, closed: Ticket, batch: Batch) -> None:
    ticket = ticket_create(
        actor=None,
        subject=_clip(parsed.subject.strip() or closed.subject, SUBJECT_MAX_LENGTH),
        body=article_body(parsed),
        channel=Channel.MAIL,
        customer=closed.customer,
        contact=closed.contact,
        project=closed.project,
        assignee=closed.assignee,
        assignee_group=closed.assignee_group,
        now=batch.now,
    )
    article_add(
        actor=None,
        ticket=ticket,
        kind=ArticleKind.INTERNAL_NOTE,
        body=_text("Follow-up to the closed ticket %(number)s.", number=closed.number),
        now=batch.now,
    )
    article_add(
        actor=None,
        ticket=closed,
        kind=ArticleKind.INTERNAL_NOTE,
        body=_text("A follow-up mail started the new ticket %(number)s.", number=ticket.number),
        now=batch.now,
    )
    mail.ticket = ticket
    mail.article = Article.objects.filter(ticket=ticket, kind=ArticleKind.MAIL_IN).order_by("id").first()
    if mail.message_id:
        batch.tickets[mail.message_id] = ticket.pk


def written_at(parsed: parsing.ParsedMail, *, now: datetime) -> datetime:
    """When the mail was written: its Date header, or its arrival (``now``) when the Date is missing
    or lies in the future (a wrong clock must not make a mail look fresh for days)."""
    if parsed.date is None or parsed.date > now:
        return now
    return parsed.date


def is_recent(parsed: parsing.ParsedMail, *, now: datetime) -> bool:
    """Whether the mail is recent enough for the intake's automatic decisions."""
    return now - written_at(parsed, now=now) <= conf.automation_max_age()


def _thread(mail: InboundMail, parsed: parsing.ParsedMail, batch: Batch) -> tuple[int | None, str]:
    """The ticket the mail belongs to (by references, or by number from a participant) and a hint."""
    ticket_id = ticket_for_references(references=[*parsed.in_reply_to, *reversed(parsed.references)], batch=batch)
    if ticket_id is not None:
        return ticket_id, ""
    number = extract_ticket_number(parsed.subject)
    if not number:
        return None, ""
    ticket = Ticket.objects.filter(number=number).first()
    if ticket is None:
        return None, _text("Names %(number)s, but there is no such ticket.", number=number)
    if mail.from_address.lower() in selectors.ticket_participants(ticket=ticket):
        return ticket.pk, ""
    return None, _text("Names %(number)s, but the sender is not a participant of it.", number=number)


def _participant_reply(mail: InboundMail, parsed: parsing.ParsedMail, ticket_id: int | None) -> bool:
    """A person's mail into a ticket they take part in: never held as a flood (a busy customer)."""
    if ticket_id is None or parsed.is_automatic or not mail.from_address:
        return False
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    return ticket is not None and mail.from_address.lower() in selectors.ticket_participants(ticket=ticket)


def decide(*, mail: InboundMail, parsed: parsing.ParsedMail, batch: Batch) -> None:
    """Set ``mail``'s state (and ticket and article) from its parsed content; writes articles and
    ticket changes, never the mail row itself (the caller stores it)."""
    mail.is_automatic = parsed.is_automatic
    mail.is_bounce = parsed.is_bounce
    if mail.message_id and mail.message_id in batch.own_message_ids:
        # One of ours came back (a Cc to the support address, a list reflecting it): never a new article.
        mail.state = InboundState.IGNORED
        mail.hint = _text("Our own outbound mail came back.")
        return
    ticket_id, hint = (None, "") if parsed.is_bounce else _thread(mail, parsed, batch)
    live = batch.mode is IntakeMode.LIVE
    if live and _flooding(mail, batch) and not _participant_reply(mail, parsed, ticket_id):
        mail.flood = True
        _triage(
            mail,
            _text("Flood: more than %(limit)s mails from this sender within 10 minutes.", limit=conf.flood_limit()),
        )
        return
    if parsed.is_bounce:
        _bounce(mail, parsed, batch)
        return
    if ticket_id is not None:
        _follow_up(mail, parsed, ticket_id, batch)
        return
    recent = is_recent(parsed, now=batch.now)
    if live:
        match = _prio1_rule_match(mail, parsed, batch)
        if match is not None:
            if recent:
                # outside the windows the escalation's policy answers the customer, not the after-hours reply
                _prio1_create(mail, parsed, batch, *match)
                return
            with translation.override(settings.LANGUAGE_CODE):
                written = formats.date_format(
                    timezone.localtime(written_at(parsed, now=batch.now)), "SHORT_DATETIME_FORMAT"
                )
            stale = _text(
                "The Prio 1 rule “%(rule)s” matches, but the mail was written on %(written)s: "
                "too old for an automatic Prio 1, please check it.",
                rule=match[0].name,
                written=written,
            )
            hint = f"{stale} {hint}".strip()
    _triage(mail, hint)
    if live and recent:
        _after_hours_reply(mail, parsed, batch)


def _prio1_rule_match(
    mail: InboundMail, parsed: parsing.ParsedMail, batch: Batch
) -> tuple[Prio1Rule, Contact | None, Customer | None] | None:
    """The admin's keyword rule that marks this mail as a production outage, with the sender's
    contact and customer; None for automatic mail or when no rule matches."""
    if parsed.is_automatic:
        return None
    if batch.prio1_rules_active is None:
        batch.prio1_rules_active = Prio1Rule.objects.filter(active=True).exists()
    if not batch.prio1_rules_active:
        return None
    address = mail.from_address.lower()
    contact = contact_by_email(address=address) if address else None
    customer = contact.customer if contact is not None else None
    rule = prio1_rule_for_mail(customer=customer, subject=parsed.subject, body=article_body(parsed))
    return None if rule is None else (rule, contact, customer)


def _prio1_create(
    mail: InboundMail,
    parsed: parsing.ParsedMail,
    batch: Batch,
    rule: Prio1Rule,
    contact: Contact | None,
    customer: Customer | None,
) -> None:
    """The mail becomes a Prio 1 ticket at once (R13): creating it starts the escalation in this
    same transaction."""
    ticket = ticket_create(
        actor=None,
        subject=(parsed.subject.strip() or EMPTY_BODY)[:SUBJECT_MAX_LENGTH],
        body=article_body(parsed),
        priority=1,
        channel=Channel.MAIL,
        customer=customer,
        contact=contact,
        now=batch.now,
    )
    mail.state = InboundState.ARTICLE
    mail.ticket = ticket
    mail.article = Article.objects.filter(ticket=ticket, kind=ArticleKind.MAIL_IN).order_by("-id").first()
    mail.hint = _clip(_text("Prio 1 by the rule “%(rule)s”.", rule=rule.name), 500)
    if mail.message_id:
        batch.tickets[mail.message_id] = ticket.pk
    logger.warning("mail from %s made Prio 1 ticket %s by rule %s", mail.from_address, ticket.number, rule.name)


def _after_hours_reply(mail: InboundMail, parsed: parsing.ParsedMail, batch: Batch) -> None:
    """R15: a person writing after hours learns once a day when support resumes (the caller
    passes only live, recent mail: an old mail or an import answers nobody)."""
    after_hours_acknowledge(inbound_mail=mail, now=batch.now, parsed=parsed)
