"""Import customers and contacts from CSV: all rows or none.

Columns (header row, ``,`` or ``;`` separated, UTF-8 with or without BOM)::

    customer_code, customer_name, project_manager, contact_name, emails, phones

``project_manager`` is a username (may be empty); ``emails`` and ``phones``
hold several values separated by ``|``. A row without ``contact_name`` only
creates or updates the customer. Existing customers (by code) are updated,
existing contacts (same customer and name) get the new addresses and numbers.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.tickets.exceptions import ImportFailed
from supportdesk.tickets.models import Contact, ContactEmail, ContactPhone, Customer
from supportdesk.tickets.phones import normalize_phone

REQUIRED_COLUMNS = {"customer_code", "customer_name", "contact_name"}


@dataclass
class ImportReport:
    customers_created: int = 0
    customers_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


@transaction.atomic
def customers_import(*, text: str) -> ImportReport:
    """Import ``text`` (CSV); on any bad row raise :class:`ImportFailed` listing every one, writing nothing."""
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
    if missing:
        raise ImportFailed(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))}, [(1, _("header"))]
        )
    report = ImportReport()
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    seen_customers: dict[str, Customer] = {}
    for row in reader:
        line = reader.line_num
        try:
            _import_row(row, users, seen_customers, report)
        except (DomainError, ValidationError) as exc:
            message = exc.message if isinstance(exc, DomainError) else "; ".join(exc.messages)
            report.errors.append((line, message))
    if report.errors:
        transaction.set_rollback(True)
        count = len(report.errors)
        raise ImportFailed(
            ngettext("%(count)d bad row; nothing was imported.", "%(count)d bad rows; nothing was imported.", count)
            % {"count": count},
            report.errors,
        )
    return report


def _import_row(row: dict[str, str], users: dict[str, User], seen: dict[str, Customer], report: ImportReport) -> None:
    code = (row.get("customer_code") or "").strip()
    name = (row.get("customer_name") or "").strip()
    manager_name = (row.get("project_manager") or "").strip()
    if not code:
        raise DomainError(_("customer_code is empty."))
    manager = users.get(manager_name) if manager_name else None
    if manager_name and manager is None:
        raise DomainError(_("Unknown project manager %(name)r.") % {"name": manager_name})
    phones = [normalize_phone(p) for p in _split(row.get("phones"))]
    emails = [e.lower() for e in _split(row.get("emails"))]
    for email in emails:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError(_("%(address)r is not a mail address.") % {"address": email}) from exc

    customer = seen.get(code) or Customer.objects.filter(code=code).first()
    if customer is None:
        if not name:
            raise DomainError(_("customer_name is empty."))
        customer = Customer(code=code, name=name, project_manager=manager)
        customer.full_clean()
        customer.save()
        report.customers_created += 1
    elif code not in seen and ((name and name != customer.name) or (manager and manager != customer.project_manager)):
        customer.name = name or customer.name
        customer.project_manager = manager or customer.project_manager
        customer.full_clean()
        customer.save(update_fields=["name", "project_manager"])
        report.customers_updated += 1
    seen[code] = customer

    contact_name = " ".join((row.get("contact_name") or "").split())
    if not contact_name:
        return
    contact = Contact.objects.filter(customer=customer, name=contact_name).first()
    if contact is None:
        contact = Contact(customer=customer, name=contact_name)
        contact.full_clean()
        contact.save()
        report.contacts_created += 1
    else:
        report.contacts_updated += 1
    for number in phones:
        ContactPhone.objects.get_or_create(contact=contact, number=number)
    for address in emails:
        ContactEmail.objects.get_or_create(contact=contact, address=address)
