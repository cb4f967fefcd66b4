"""Reads of tickets, customers and contacts; every ticket read is scoped through the user."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets.exceptions import TicketNotFound, UnknownCustomer, UnknownGroup
from supportdesk.tickets.models import (
    OPEN_STATUSES,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Project,
    Team,
    Ticket,
    TicketChange,
)
from supportdesk.tickets.phones import phone_search_prefix

SEARCH_LIMIT = 10
LIST_LIMIT = 500


def team_list() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def team_get(*, slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise UnknownGroup(f"Unknown group {slug!r}.")
    return team


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.order_by("name")


def customer_get(*, code: str) -> Customer:
    customer = Customer.objects.filter(code=code).select_related("project_manager").first()
    if customer is None:
        raise UnknownCustomer(f"Unknown customer {code!r}.")
    return customer


def contact_by_phone(*, number: str) -> Contact | None:
    """The contact with this E.164 number (the oldest if several share it)."""
    return Contact.objects.filter(phones__number=number).order_by("id").first()


def contact_by_email(*, address: str) -> Contact | None:
    return Contact.objects.filter(emails__address=address.strip().lower()).order_by("id").first()


def contact_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Contact]:
    """Contacts whose number starts like ``query`` (any of the usual spellings) or whose name contains it.

    Each comes with its customer, the customer's project manager, its phones
    and mail addresses, and its open tickets as ``open_tickets``.
    """
    query = query.strip()
    if len(query) < 2:
        return []
    prefix = phone_search_prefix(query)
    condition = Q(phones__number__startswith=prefix) if prefix else Q(name__icontains=query)
    if not prefix:
        condition |= Q(customer__name__icontains=query) | Q(emails__address__icontains=query)
    ids = list(Contact.objects.filter(condition).values_list("id", flat=True).distinct()[: limit * 2])
    return list(
        Contact.objects.filter(id__in=ids)
        .select_related("customer__project_manager")
        .prefetch_related(
            "phones",
            "emails",
            Prefetch(
                "tickets",
                queryset=Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("priority", "due_at"),
                to_attr="open_tickets",
            ),
        )
        .order_by("name", "id")[:limit]
    )


@dataclass(frozen=True)
class Suggestion:
    """Who should handle a ticket (R12): a person, else a group."""

    assignee: User | None
    group: Team | None
    reason: str
    """``project_manager``, ``customer_project_manager`` or ``support_management``."""


def assignment_suggest(*, customer: Customer | None, project: Project | None = None) -> Suggestion:
    """The project's manager, else the customer's project manager, else Support management."""
    if project is not None and project.manager_id and project.manager.is_active:  # type: ignore[union-attr]
        return Suggestion(assignee=project.manager, group=None, reason="project_manager")
    if customer is not None and customer.project_manager_id and customer.project_manager.is_active:  # type: ignore[union-attr]
        return Suggestion(assignee=customer.project_manager, group=None, reason="customer_project_manager")
    return Suggestion(
        assignee=None, group=Team.objects.filter(slug=Team.SUPPORT_MANAGEMENT).first(), reason="support_management"
    )


def _tickets_for(user: User) -> QuerySet[Ticket]:
    """Every active signed-in user (agents included) works tickets; others see none."""
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    return Ticket.objects.all()


def ticket_get_for_user(*, user: User, number: str) -> Ticket:
    ticket = (
        _tickets_for(user)
        .select_related("customer__project_manager", "contact", "project", "assignee_group", "assignee", "created_by")
        .prefetch_related("tags")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise TicketNotFound(f"No ticket {number}.")
    return ticket


def ticket_articles(*, ticket: Ticket) -> QuerySet:
    return ticket.articles.select_related("author").order_by("created_at", "id")


def ticket_history(*, ticket: Ticket) -> QuerySet[TicketChange]:
    return ticket.changes.select_related("changed_by").order_by("changed_at", "id")


def ticket_changes_since(*, ticket: Ticket, version: int) -> list[TicketChange]:
    return list(ticket.changes.filter(version__gt=version).select_related("changed_by").order_by("version", "id"))


def tickets_open_for_contact(*, contact: Contact, limit: int = 10) -> list[Ticket]:
    return list(
        Ticket.objects.filter(contact=contact, status__in=OPEN_STATUSES)
        .select_related("assignee", "assignee_group")
        .order_by("priority", "due_at")[:limit]
    )


VIEWS = ("mine", "unassigned", "prio1_open", "due_next_working_day")
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "priority": ("priority", "due_at", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
}


@dataclass(frozen=True)
class TicketFilters:
    status: str = ""
    priority: int | None = None
    group: str = ""
    """A team slug, or ``none`` for tickets without a group."""
    assignee: str = ""
    """A username, ``me`` or ``none``."""
    customer: str = ""
    view: str = ""
    sort: str = "due"


def ticket_list(
    *, user: User, filters: TicketFilters, now: datetime | None = None, cal: bh.SupportCalendar | None = None
) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered and sorted; a constant number of queries however many rows."""
    qs = _tickets_for(user)
    if filters.view == "mine":
        qs = qs.filter(
            Q(assignee=user) | Q(assignee__isnull=True, assignee_group__members=user), status__in=OPEN_STATUSES
        )
    elif filters.view == "unassigned":
        qs = qs.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    elif filters.view == "prio1_open":
        qs = qs.filter(priority=1, status__in=OPEN_STATUSES)
    elif filters.view == "due_next_working_day":
        cal = cal or support_calendar()
        next_start = bh.next_working_day_start(cal, now or timezone.now())
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=bh.next_working_day_start(cal, next_start))
    if filters.status == "open_all":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.group == "none":
        qs = qs.filter(assignee_group__isnull=True)
    elif filters.group:
        qs = qs.filter(assignee_group__slug=filters.group)
    if filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee:
        qs = qs.filter(assignee__username=filters.assignee)
    if filters.customer:
        qs = qs.filter(customer__code=filters.customer)
    return (
        qs.distinct()
        .select_related("customer", "contact", "assignee_group", "assignee")
        .prefetch_related(Prefetch("tags"))
        .order_by(*SORTS.get(filters.sort, SORTS["due"]))
    )


def contact_phone_numbers(*, contact: Contact) -> list[str]:
    return list(ContactPhone.objects.filter(contact=contact).values_list("number", flat=True))


def contact_email_addresses(*, contact: Contact) -> list[str]:
    return list(ContactEmail.objects.filter(contact=contact).values_list("address", flat=True))
