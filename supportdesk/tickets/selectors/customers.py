"""Customers and contacts: look-ups for the intake, the contact search and the customer pages."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from supportdesk.tickets.exceptions import UnknownCustomer
from supportdesk.tickets.models import (
    OPEN_STATUSES,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Project,
    Ticket,
)
from supportdesk.tickets.phones import phone_search_prefix
from supportdesk.tickets.selectors.tickets import _page_number

SEARCH_LIMIT = 10


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.order_by("name")


def customer_get(*, code: str) -> Customer:
    customer = Customer.objects.filter(code=code).select_related("project_manager").first()
    if customer is None:
        raise UnknownCustomer(_("Unknown customer %(code)r.") % {"code": code})
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


def tickets_open_for_contact(*, contact: Contact, limit: int = 10) -> list[Ticket]:
    return list(
        Ticket.objects.filter(contact=contact, status__in=OPEN_STATUSES)
        .select_related("assignee", "assignee_group")
        .order_by("priority", "due_at")[:limit]
    )


def contact_phone_numbers(*, contact: Contact) -> list[str]:
    return list(ContactPhone.objects.filter(contact=contact).values_list("number", flat=True))


def contact_email_addresses(*, contact: Contact) -> list[str]:
    return list(ContactEmail.objects.filter(contact=contact).values_list("address", flat=True))


# --- customer pages ---------------------------------------------------------------------------

CUSTOMER_PAGE_ROWS = 50


@dataclass(frozen=True)
class CustomerPage:
    customers: Sequence[Customer]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def customer_list_page(*, query: str = "", page: int = 1, per_page: int = CUSTOMER_PAGE_ROWS) -> CustomerPage:
    """Customers whose name or key contains ``query``, by name, with their project manager and
    ``open_ticket_count``; one query whatever the number of rows."""
    number = _page_number(page)
    qs = Customer.objects.select_related("project_manager")
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    qs = qs.annotate(open_ticket_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)))
    offset = (number - 1) * per_page
    rows = list(qs.order_by("name", "id")[offset : offset + per_page + 1])
    return CustomerPage(customers=rows[:per_page], number=number, has_next=len(rows) > per_page)


def customer_contacts(*, customer: Customer) -> list[Contact]:
    return list(customer.contacts.prefetch_related("phones", "emails").order_by("name", "id"))


def customer_projects(*, customer: Customer) -> list[Project]:
    return list(customer.projects.select_related("manager").order_by("name"))


def customer_open_tickets(*, customer: Customer, limit: int = 50) -> list[Ticket]:
    return list(
        Ticket.objects.filter(customer=customer, status__in=OPEN_STATUSES)
        .select_related("contact", "assignee", "assignee_group")
        .order_by("priority", "due_at", "id")[:limit]
    )


def contact_get(*, customer: Customer, pk: int) -> Contact | None:
    """A contact of this customer (never one of another customer's, whatever the id says)."""
    return customer.contacts.prefetch_related("phones", "emails").filter(pk=pk).first()
