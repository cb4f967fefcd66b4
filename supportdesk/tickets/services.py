"""Writes of tickets: numbers, creation (phone, API, web), changes with optimistic locking, articles."""

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_coordinators
from supportdesk.core.exceptions import Conflict, DomainError
from supportdesk.notifications.services import notify, notify_many
from supportdesk.roster.business_hours import in_core_hours
from supportdesk.roster.selectors import absent_user_ids_on, holders_on, support_calendar
from supportdesk.tickets import selectors
from supportdesk.tickets.due import due_at as compute_due_at
from supportdesk.tickets.due import ticket_targets
from supportdesk.tickets.exceptions import InvalidTicket, StaleTicket
from supportdesk.tickets.models import (
    SUBJECT_MAX_LENGTH,
    Article,
    ArticleKind,
    Channel,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    DigestItem,
    IntakeCheck,
    NotificationPreference,
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


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(
            f"{field}: {' '.join(m for e in errors for m in e.messages)}" for field, errors in exc.error_dict.items()
        )
    return " ".join(exc.messages)


def _check_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise InvalidTicket("The subject must not be empty.")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise InvalidTicket(
            f"The subject may have at most {SUBJECT_MAX_LENGTH} characters (this one has {len(subject)}); "
            "put the details into the note."
        )
    return subject


def _check_priority(priority: int) -> int:
    if priority not in Priority.values:
        raise InvalidTicket("The priority must be 1, 2, 3 or 4 (1 = production outage).")
    return int(priority)


# --- numbers ------------------------------------------------------------------


@transaction.atomic
def ticket_number_allocate(*, year: int) -> str:
    """The next ``SD-<year>-<nnnnn>``; the year's counter row is locked until the caller commits."""
    TicketCounter.objects.get_or_create(year=year)
    counter = TicketCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SD-{year}-{counter.last:05d}"


# --- customers and contacts -------------------------------------------------------


@transaction.atomic
def customer_create(*, code: str, name: str, project_manager: User | None = None) -> Customer:
    customer = Customer(code=code, name=name, project_manager=project_manager)
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise InvalidTicket(_validation_text(exc)) from exc
    customer.save()
    return customer


@transaction.atomic
def project_create(*, customer: Customer, name: str, manager: User | None = None) -> Project:
    project = Project(customer=customer, name=name, manager=manager)
    try:
        project.full_clean()
    except ValidationError as exc:
        raise InvalidTicket(_validation_text(exc)) from exc
    project.save()
    return project


@transaction.atomic
def contact_create(
    *, name: str, customer: Customer | None = None, phones: Iterable[str] = (), emails: Iterable[str] = ()
) -> Contact:
    """A contact with its numbers (normalised to E.164) and mail addresses (lower case)."""
    numbers = list(dict.fromkeys(normalize_phone(p) for p in phones if p and p.strip()))
    addresses = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    contact = Contact(name=" ".join(name.split()), customer=customer)
    try:
        contact.full_clean()
        for address in addresses:
            ContactEmail(contact=contact, address=address).clean_fields(exclude=["contact"])
    except ValidationError as exc:
        raise InvalidTicket(_validation_text(exc)) from exc
    contact.save()
    ContactPhone.objects.bulk_create(ContactPhone(contact=contact, number=n) for n in numbers)
    ContactEmail.objects.bulk_create(ContactEmail(contact=contact, address=a) for a in addresses)
    return contact


# --- tickets --------------------------------------------------------------------


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
) -> Ticket:
    """Create a ticket with its first article, due time and (unless given) the suggested assignment.

    Priority 1 also opens a :class:`Prio1Case`.
    """
    now = now or timezone.now()
    subject = _check_subject(subject)
    priority = _check_priority(priority)
    if channel not in Channel.values:
        raise InvalidTicket(f"Unknown channel {channel!r}.")
    if customer is None and contact is not None:
        customer = contact.customer
    if project is not None and customer is not None and project.customer_id != customer.pk:
        raise InvalidTicket("The project belongs to another customer.")
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
            raise InvalidTicket("Enter the caller's name or pick a known contact.")
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
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if field == "tags":
        return ", ".join(sorted(t.name for t in value))
    if isinstance(value, Model):
        return str(value)
    return str(value)


def _conflict_text(ticket: Ticket, expected_version: int) -> str:
    changes = selectors.ticket_changes_since(ticket=ticket, version=expected_version)
    if not changes:
        return f"{ticket.number} was changed by someone else (version {ticket.version}, you had {expected_version})."
    fields = ", ".join(dict.fromkeys(c.field for c in changes))
    people = ", ".join(dict.fromkeys(c.changed_by.name if c.changed_by else "system" for c in changes))
    last = _local(changes[-1].changed_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"{ticket.number} was changed by {people} at {last} ({fields}) since you loaded it. "
        "Nothing was saved: reload the ticket and apply your change again."
    )


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
        raise InvalidTicket(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
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
        raise InvalidTicket(f"Unknown status {changes['status']!r}.")
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
        raise InvalidTicket(f"Unknown article kind {kind!r}.")
    if not body.strip():
        raise InvalidTicket("The text must not be empty.")
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


# --- hourly intake check (R11) --------------------------------------------------------


@transaction.atomic
def intake_check_open(*, due_at: datetime) -> IntakeCheck:
    """Create the check due at ``due_at`` and prompt the published phone duty; a second call does nothing."""
    check, created = IntakeCheck.objects.get_or_create(due_at=due_at)
    if not created:
        return check
    holder = holders_on(day=_local(due_at).date(), published_only=True).get("phone_duty")
    if holder is not None and holder.user is not None:
        notify(
            recipient=holder.user,
            template="tickets/intake_check_due",
            context={"recipient": holder.user, "check": check, "due_local": _local(due_at)},
        )
    else:
        logger.warning("intake check %s: no published phone duty to prompt", due_at.isoformat())
    return check


@transaction.atomic
def intake_check_done(*, check: IntakeCheck, actor: User, now: datetime | None = None) -> IntakeCheck:
    """Record who checked the intake and when; the first click counts."""
    now = now or timezone.now()
    IntakeCheck.objects.filter(pk=check.pk, checked_at__isnull=True).update(checked_at=now, checked_by=actor)
    check.refresh_from_db()
    return check


@transaction.atomic
def intake_checks_escalate(*, now: datetime | None = None) -> list[IntakeCheck]:
    """Tell the coordinators once about every check still open 15 minutes after its time."""
    now = now or timezone.now()
    late = list(
        IntakeCheck.objects.select_for_update()
        .filter(
            checked_at__isnull=True,
            coordinator_notified_at__isnull=True,
            due_at__lte=now - selectors.INTAKE_CHECK_OVERDUE,
            due_at__gte=now - timedelta(days=1),
        )
        .order_by("due_at")
    )
    if not late:
        return []
    day = _local(late[-1].due_at).date()
    holder = holders_on(day=day, published_only=True).get("phone_duty")
    coordinators = user_list_coordinators(absent_user_ids=absent_user_ids_on(day=day))
    for check in late:
        notify_many(
            recipients=coordinators,
            template="tickets/intake_check_overdue",
            context={
                "check": check,
                "due_local": _local(check.due_at),
                "phone_duty": holder.user if holder else None,
            },
        )
        check.coordinator_notified_at = now
        check.save(update_fields=["coordinator_notified_at"])
    return late


# --- notices of new tickets and the morning digest --------------------------------------


def _notice_is_immediate(*, ticket: Ticket, assignee: User, now: datetime) -> bool:
    """Prio 1 and 2, tickets created in core hours and people who turned the digest off hear at once."""
    if ticket.priority <= Priority.P2:
        return True
    if in_core_hours(support_calendar(), now):
        return True
    return not selectors.wants_digest(user=assignee)


def ticket_assignee_notify(*, ticket: Ticket, actor: User | None, now: datetime) -> None:
    """Tell the assignee of a new ticket now, or queue it for the next morning's digest."""
    assignee = ticket.assignee
    if assignee is None or not assignee.is_active or (actor is not None and assignee.pk == actor.pk):
        return
    if _notice_is_immediate(ticket=ticket, assignee=assignee, now=now):
        template = "tickets/ticket_assigned_urgent" if ticket.priority <= Priority.P2 else "tickets/ticket_assigned"
        notify(recipient=assignee, template=template, context={"recipient": assignee, "ticket": ticket})
    else:
        DigestItem.objects.get_or_create(user=assignee, ticket=ticket, defaults={"created_at": now})


@transaction.atomic
def digests_send(*, now: datetime | None = None) -> int:
    """One digest per person with pending items, listing them; returns the number of digests queued."""
    now = now or timezone.now()
    sent = 0
    for items in selectors.digest_pending().values():
        user = items[0].user
        notify(
            recipient=user,
            template="tickets/digest",
            context={"recipient": user, "tickets": [item.ticket for item in items]},
        )
        DigestItem.objects.filter(pk__in=[item.pk for item in items]).update(digested_at=now)
        sent += 1
    return sent


@transaction.atomic
def notification_preference_set(*, user: User, digest: bool) -> NotificationPreference:
    pref, _created = NotificationPreference.objects.update_or_create(user=user, defaults={"digest": digest})
    return pref


# --- customers and contacts: edits from the customer pages ------------------------------


@transaction.atomic
def customer_update(*, customer: Customer, code: str, name: str, project_manager: User | None) -> Customer:
    """Change a customer's key, name and project manager (the import and the API find it by the key)."""
    customer.code = code.strip()
    customer.name = " ".join(name.split())
    customer.project_manager = project_manager
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise InvalidTicket(_validation_text(exc)) from exc
    customer.save(update_fields=["code", "name", "project_manager"])
    return customer


@transaction.atomic
def contact_update(*, contact: Contact, name: str, phones: Iterable[str], emails: Iterable[str]) -> Contact:
    """Rename a contact and replace its numbers (normalised to E.164) and mail addresses (lower case).

    An invalid number or address is refused before anything is written.
    """
    numbers = list(dict.fromkeys(normalize_phone(p) for p in phones if p and p.strip()))
    addresses = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    contact.name = " ".join(name.split())
    try:
        contact.full_clean()
        for address in addresses:
            ContactEmail(contact=contact, address=address).clean_fields(exclude=["contact"])
    except ValidationError as exc:
        raise InvalidTicket(_validation_text(exc)) from exc
    contact.save(update_fields=["name"])
    ContactPhone.objects.filter(contact=contact).exclude(number__in=numbers).delete()
    ContactEmail.objects.filter(contact=contact).exclude(address__in=addresses).delete()
    ContactPhone.objects.bulk_create((ContactPhone(contact=contact, number=n) for n in numbers), ignore_conflicts=True)
    ContactEmail.objects.bulk_create(
        (ContactEmail(contact=contact, address=a) for a in addresses), ignore_conflicts=True
    )
    if contact.tickets.exists():
        # the contact's name is part of its tickets' search documents
        search_documents_refresh(ticket_ids=list(contact.tickets.values_list("pk", flat=True)))
    return contact


# --- bulk changes from the ticket list ------------------------------------------------------

BULK_FIELDS = ("status", "assignee", "assignee_group")


@dataclasses.dataclass
class BulkReport:
    """What a bulk change did, ticket by ticket (numbers, in the order given)."""

    changed: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    """Already had the new values: nothing written, no new version."""
    skipped: list[str] = dataclasses.field(default_factory=list)
    """Changed by someone else since the list was loaded (a ``Conflict``): left as they are."""
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """``(number, message)`` of tickets the change was refused for (e.g. a validation error)."""


def tickets_bulk_update(
    *,
    actor: User | None,
    items: Iterable[tuple[Ticket, int]],
    changes: Mapping[str, Any],
    now: datetime | None = None,
) -> BulkReport:
    """Apply ``changes`` (status, assignee, group) to each ``(ticket, expected_version)`` via ``ticket_update``.

    Per ticket, not all-or-nothing: each ticket is its own transaction (``ticket_update``
    is atomic and this function deliberately is not), so one row lock is held at a time and
    a ticket someone else changed meanwhile is skipped and reported while the others are
    saved. Called inside an outer transaction, each ticket becomes a savepoint instead.
    """
    unknown = set(changes) - set(BULK_FIELDS)
    if unknown:
        raise InvalidTicket(f"These fields cannot be changed for several tickets: {', '.join(sorted(unknown))}.")
    if not changes:
        raise InvalidTicket("Choose what to change.")
    now = now or timezone.now()
    report = BulkReport()
    for ticket, expected_version in items:
        try:
            saved = ticket_update(actor, ticket, expected_version, now=now, **changes)
        except Conflict:
            report.skipped.append(ticket.number)
        except DomainError as exc:
            report.failed.append((ticket.number, exc.message))
        else:
            (report.changed if saved.version != expected_version else report.unchanged).append(ticket.number)
    logger.info(
        "bulk change of %s tickets by %s: %s changed, %s skipped",
        len(report.changed) + len(report.unchanged) + len(report.skipped) + len(report.failed),
        actor,
        len(report.changed),
        len(report.skipped),
    )
    return report
