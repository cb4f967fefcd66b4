"""Writes of tickets: numbers, creation (phone, API, web), changes with optimistic locking, articles."""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets import selectors
from supportdesk.tickets.due import due_at as compute_due_at
from supportdesk.tickets.due import ticket_targets
from supportdesk.tickets.exceptions import InvalidTicket, StaleTicket
from supportdesk.tickets.models import (
    Article,
    ArticleKind,
    Channel,
    Contact,
    ContactPhone,
    Customer,
    Prio1Case,
    Prio1Status,
    Priority,
    Project,
    Status,
    Tag,
    Team,
    Ticket,
    TicketChange,
    TicketCounter,
)
from supportdesk.tickets.phones import normalize_phone
from supportdesk.tickets.search import search_documents_refresh
from supportdesk.tickets.services.common import _check_priority, _check_subject, _local, _validation_text
from supportdesk.tickets.services.customers import contact_create
from supportdesk.tickets.services.notices import ticket_assignee_notify

logger = logging.getLogger(__name__)


FIRST_ARTICLE_KIND: dict[str, str] = {
    Channel.PHONE: ArticleKind.PHONE_NOTE,
    Channel.MAIL: ArticleKind.MAIL_IN,
    Channel.WEB: ArticleKind.INTERNAL_NOTE,
    Channel.API: ArticleKind.INTERNAL_NOTE,
}
UPDATABLE_FIELDS = (
    "subject",
    "priority",
    "status",
    "assignee_group",
    "assignee",
    "due_at",
    "customer",
    "contact",
    "project",
    "tags",
)
SEARCHED_FIELDS = {"subject", "customer", "contact"}
"""Changes to these fields rebuild the ticket's search document."""


@transaction.atomic
def ticket_number_allocate(*, year: int) -> str:
    """The next ``SD-<year>-<nnnnn>``; the year's counter row is locked until the caller commits."""
    TicketCounter.objects.get_or_create(year=year)
    counter = TicketCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SD-{year}-{counter.last:05d}"


def _tags(names: Iterable[str]) -> list[Tag]:
    clean = list(dict.fromkeys(n.strip().lower()[:50] for n in names if n and n.strip()))
    return [Tag.objects.get_or_create(name=name)[0] for name in clean]


def _prio1_open(*, ticket: Ticket, actor: User | None, now: datetime) -> Prio1Case:
    case = Prio1Case.objects.filter(ticket=ticket).exclude(status=Prio1Status.RESOLVED).first()
    if case is None:
        # Imported here: the escalation app imports this module (ticket_update on resolution).
        from supportdesk.escalation.services import escalation_start

        case = Prio1Case.objects.create(ticket=ticket, opened_at=now, opened_by=actor)
        logger.warning("Prio 1 case opened for %s", ticket.number)
        escalation_start(case=case, now=now)
    return case


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    subject: str,
    body: str = "",
    priority: int = Priority.P3,
    channel: str = Channel.WEB,
    customer: Customer | None = None,
    contact: Contact | None = None,
    project: Project | None = None,
    assignee_group: Team | None = None,
    assignee: User | None = None,
    tags: Iterable[str] = (),
    now: datetime | None = None,
    notify_assignee: bool = True,
) -> Ticket:
    """Create a ticket with its first article, due time and (unless given) the suggested assignment.

    Priority 1 also opens a :class:`Prio1Case`. The assignee is told (now or in the next digest)
    unless ``notify_assignee`` is false: then the caller does it with ``ticket_assignee_notify``
    when the time has come, e.g. once the creation can no longer be undone.
    """
    now = now or timezone.now()
    subject = _check_subject(subject)
    priority = _check_priority(priority)
    if channel not in Channel.values:
        raise InvalidTicket(_("Unknown channel %(channel)r.") % {"channel": channel})
    if customer is None and contact is not None:
        customer = contact.customer
    if project is not None and customer is not None and project.customer_id != customer.pk:
        raise InvalidTicket(_("The project belongs to another customer."))
    if assignee_group is None and assignee is None:
        suggestion = selectors.assignment_suggest(customer=customer, project=project)
        assignee, assignee_group = suggestion.assignee, suggestion.group
    ticket = Ticket(
        number=ticket_number_allocate(year=_local(now).year),
        subject=subject,
        customer=customer,
        contact=contact,
        project=project,
        channel=channel,
        priority=priority,
        status=Status.NEW,
        assignee_group=assignee_group,
        assignee=assignee,
        due_at=compute_due_at(support_calendar(), now, priority, ticket_targets()),
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    try:
        ticket.full_clean()
    except ValidationError as exc:
        raise InvalidTicket(_validation_text(exc)) from exc
    ticket.save()
    ticket.tags.set(_tags(tags))
    TicketChange.objects.create(
        ticket=ticket, version=1, changed_by=actor, changed_at=now, field="created", new_value=ticket.number
    )
    if body.strip():
        Article.objects.create(ticket=ticket, kind=FIRST_ARTICLE_KIND[channel], body=body, author=actor, created_at=now)
    if priority == Priority.P1:
        _prio1_open(ticket=ticket, actor=actor, now=now)
    search_documents_refresh(ticket_ids=[ticket.pk])
    if notify_assignee:
        ticket_assignee_notify(ticket=ticket, actor=actor, now=now)
    logger.info("ticket %s created (prio %s, %s)", ticket.number, priority, channel)
    return ticket


@transaction.atomic
def ticket_create_from_phone(
    *,
    actor: User,
    subject: str,
    note: str,
    priority: int,
    contact: Contact | None = None,
    phone: str = "",
    caller_name: str = "",
    customer: Customer | None = None,
    project: Project | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The phone duty's one action (R10, R12): find or create the caller, then the ticket.

    A caller not yet known becomes a contact in the same transaction; if the
    ticket cannot be created, the contact is not kept either.
    """
    number = normalize_phone(phone) if phone.strip() else ""
    if contact is None and number:
        contact = selectors.contact_by_phone(number=number)
    if contact is None:
        if not caller_name.strip():
            raise InvalidTicket(_("Enter the caller's name or pick a known contact."))
        contact = contact_create(name=caller_name, customer=customer, phones=[number] if number else [])
    elif number and number not in selectors.contact_phone_numbers(contact=contact):
        ContactPhone.objects.create(contact=contact, number=number)
    return ticket_create(
        actor=actor,
        subject=subject,
        body=note,
        priority=priority,
        channel=Channel.PHONE,
        customer=customer or contact.customer,
        contact=contact,
        project=project,
        now=now,
    )


def _shown(field: str, value: Any) -> str:
    """A value as the history shows it."""
    if value is None:
        return ""
    if field == "status":
        # Stored in the source language, whatever the actor's language: history rows are data.
        with translation.override(None):
            return str(Status(value).label)
    if field == "priority":
        return str(value)
    if field == "due_at":
        return _local(value).strftime(selectors.HISTORY_TIME_FORMAT)
    if field == "tags":
        return ", ".join(sorted(t.name for t in value))
    if isinstance(value, Model):
        return str(value)
    return str(value)


def _conflict_text(ticket: Ticket, expected_version: int) -> str:
    changes = selectors.ticket_changes_since(ticket=ticket, version=expected_version)
    if not changes:
        return _("%(number)s was changed by someone else (version %(version)s, you had %(expected)s).") % {
            "number": ticket.number,
            "version": ticket.version,
            "expected": expected_version,
        }
    fields = ", ".join(dict.fromkeys(str(selectors.ticket_change_field_label(c.field)) for c in changes))
    people = ", ".join(dict.fromkeys(c.changed_by.name if c.changed_by else _("system") for c in changes))
    last = date_format(_local(changes[-1].changed_at), "SHORT_DATETIME_FORMAT")
    return _(
        "%(number)s was changed by %(people)s at %(when)s (%(fields)s) since you loaded it. "
        "Nothing was saved: reload the ticket and apply your change again."
    ) % {"number": ticket.number, "people": people, "when": last, "fields": fields}


@transaction.atomic
def ticket_update(
    actor: User | None, ticket: Ticket, expected_version: int, now: datetime | None = None, **changes: Any
) -> Ticket:
    """Apply ``changes`` if the ticket is still at ``expected_version``; record each field in the history.

    A stale version raises :class:`StaleTicket` (a ``Conflict``) naming what
    changed, by whom and when: nothing is overwritten silently.
    """
    now = now or timezone.now()
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise InvalidTicket(_("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.version != expected_version:
        raise StaleTicket(_conflict_text(locked, expected_version))
    if "subject" in changes:
        changes["subject"] = _check_subject(changes["subject"])
    if "priority" in changes:
        changes["priority"] = _check_priority(changes["priority"])
        if changes["priority"] != locked.priority and "due_at" not in changes:
            changes["due_at"] = compute_due_at(support_calendar(), now, changes["priority"], ticket_targets())
    if "status" in changes and changes["status"] not in Status.values:
        raise InvalidTicket(_("Unknown status %(status)r.") % {"status": changes["status"]})
    new_tags = _tags(changes.pop("tags")) if "tags" in changes else None

    diffs: list[tuple[str, str, str]] = []
    for field, value in changes.items():
        old = getattr(locked, field)
        if old != value:
            diffs.append((field, _shown(field, old), _shown(field, value)))
            setattr(locked, field, value)
    if new_tags is not None:
        old_tags = list(locked.tags.all())
        if {t.pk for t in old_tags} != {t.pk for t in new_tags}:
            diffs.append(("tags", _shown("tags", old_tags), _shown("tags", new_tags)))
            locked.tags.set(new_tags)
    if not diffs:
        return locked
    try:
        locked.full_clean(exclude=["number"])
    except ValidationError as exc:
        raise InvalidTicket(_validation_text(exc)) from exc
    locked.version += 1
    locked.updated_at = now
    locked.save(update_fields=[*changes.keys(), "version", "updated_at"])
    TicketChange.objects.bulk_create(
        TicketChange(
            ticket=locked, version=locked.version, changed_by=actor, changed_at=now, field=f, old_value=o, new_value=n
        )
        for f, o, n in diffs
    )
    changed = {f for f, _o, _n in diffs}
    if "status" in changed:
        old, new = next((o, n) for f, o, n in diffs if f == "status")
        Article.objects.create(
            ticket=locked, kind=ArticleKind.STATUS_UPDATE, body=f"{old} → {new}", author=actor, created_at=now
        )
    if "priority" in changed and locked.priority == Priority.P1:
        _prio1_open(ticket=locked, actor=actor, now=now)
    if changed & SEARCHED_FIELDS:
        search_documents_refresh(ticket_ids=[locked.pk])
    return locked


@transaction.atomic
def article_add(*, actor: User | None, ticket: Ticket, kind: str, body: str, now: datetime | None = None) -> Article:
    """Add a note or mail to the timeline. Does not change the ticket's version: notes never conflict."""
    now = now or timezone.now()
    if kind not in ArticleKind.values or kind == ArticleKind.STATUS_UPDATE:
        raise InvalidTicket(_("Unknown article kind %(kind)r.") % {"kind": kind})
    if not body.strip():
        raise InvalidTicket(_("The text must not be empty."))
    article = Article.objects.create(ticket=ticket, kind=kind, body=body, author=actor, created_at=now)
    # The update locks the ticket row, so a concurrent note on the same ticket waits and then
    # rebuilds the document from both articles.
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    search_documents_refresh(ticket_ids=[ticket.pk])
    return article


def changes_from_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """The updatable fields present in ``data`` (for views and the API)."""
    return {k: v for k, v in data.items() if k in UPDATABLE_FIELDS}


@transaction.atomic
def ticket_create_with_contact(
    *,
    actor: User | None,
    subject: str,
    body: str,
    priority: int,
    channel: str,
    customer: Customer | None = None,
    contact_email: str = "",
    contact_phone: str = "",
    contact_name: str = "",
    assignee_group: Team | None = None,
    now: datetime | None = None,
) -> Ticket:
    """A ticket from the API or a form that names the contact by mail address or number.

    An unknown address or number becomes a new contact of ``customer`` in the
    same transaction; an invalid number is refused before anything is written.
    """
    number = normalize_phone(contact_phone) if contact_phone.strip() else ""
    address = contact_email.strip().lower()
    contact = None
    if address:
        contact = selectors.contact_by_email(address=address)
    if contact is None and number:
        contact = selectors.contact_by_phone(number=number)
    if contact is None and (address or number):
        contact = contact_create(
            name=contact_name or address or number,
            customer=customer,
            phones=[number] if number else [],
            emails=[address] if address else [],
        )
    return ticket_create(
        actor=actor,
        subject=subject,
        body=body,
        priority=priority,
        channel=channel,
        customer=customer or (contact.customer if contact else None),
        contact=contact,
        assignee_group=assignee_group,
        now=now,
    )
