"""Writes of customers, their projects and contacts (numbers normalised to E.164)."""

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from supportdesk.accounts.models import User
from supportdesk.tickets.exceptions import InvalidTicket
from supportdesk.tickets.models import Contact, ContactEmail, ContactPhone, Customer, Project
from supportdesk.tickets.phones import normalize_phone
from supportdesk.tickets.search import search_documents_refresh
from supportdesk.tickets.services.common import _validation_text

logger = logging.getLogger(__name__)


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
