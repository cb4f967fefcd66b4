"""HTML pages of customers, their contacts and projects, and the CSV import.

Every active user may look at customers and add a contact (the phone intake does
that anyway); only coordinators create and edit customers, contacts and projects
and import CSV files. Domain errors become messages in the page, never a 500.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from supportdesk.core.exceptions import DomainError
from supportdesk.tickets import selectors, services
from supportdesk.tickets.exceptions import ImportFailed, UnknownCustomer
from supportdesk.tickets.forms import ContactForm, CustomerForm, CustomerImportForm, CustomerSearchForm, ProjectForm
from supportdesk.tickets.imports import customers_import
from supportdesk.tickets.models import Contact, Customer
from supportdesk.tickets.phones import format_phone
from supportdesk.tickets.views import Request

View = Callable[..., HttpResponse]


def coordinator_required(view: View) -> View:
    """Refuse (403, with a page saying why) anyone who is not a coordinator."""

    @wraps(view)
    def wrapper(request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_coordinator:
            return render(request, "tickets/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _customer_or_404(code: str) -> Customer:
    try:
        return selectors.customer_get(code=code)
    except UnknownCustomer as exc:
        raise Http404(exc.message) from exc


def _form_page(request: Request, form: Any, *, title: str, customer: Customer | None = None, **extra: Any) -> Any:
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": title, "customer": customer, **extra}
    return render(request, "tickets/customer_form.html", context, status=status)


def _page_param(request: Request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@login_required
@require_GET
def customer_list(request: Request) -> HttpResponse:
    form = CustomerSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = selectors.customer_list_page(query=query, page=_page_param(request))
    params = {"q": query} if query else {}
    context = {
        "form": form,
        "page": page,
        "customers": page.customers,
        "query": query,
        "params": params,
        "may_edit": request.user.is_coordinator,
    }
    template = "tickets/customer_list.html#customer-rows" if request.htmx else "tickets/customer_list.html"
    return render(request, template, context)


@login_required
@require_GET
def customer_detail(request: Request, code: str) -> HttpResponse:
    customer = _customer_or_404(code)
    contacts = selectors.customer_contacts(customer=customer)
    for contact in contacts:
        contact.phone_display = [format_phone(p.number) for p in contact.phones.all()]  # type: ignore[attr-defined]
    context = {
        "customer": customer,
        "contacts": contacts,
        "projects": selectors.customer_projects(customer=customer),
        "tickets": selectors.customer_open_tickets(customer=customer),
        "may_edit": request.user.is_coordinator,
        "project_form": ProjectForm(initial={"manager": customer.project_manager_id}),
    }
    return render(request, "tickets/customer_detail.html", context)


@login_required
@coordinator_required
@require_http_methods(["GET", "POST"])
def customer_create(request: Request) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(**form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Customer %(name)s was created.") % {"name": customer.name})
            return redirect("tickets:customer_detail", code=customer.code)
    return _form_page(request, form, title=_("New customer"))


@login_required
@coordinator_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: Request, code: str) -> HttpResponse:
    customer = _customer_or_404(code)
    initial = {"code": customer.code, "name": customer.name, "project_manager": customer.project_manager_id}
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_update(customer=customer, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
            customer.refresh_from_db()
        else:
            messages.success(request, _("The customer was saved."))
            return redirect("tickets:customer_detail", code=customer.code)
    return _form_page(request, form, title=_("Edit customer"), customer=customer)


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request: Request, code: str) -> HttpResponse:
    """Agents may add a contact too: the phone intake creates one for every new caller."""
    customer = _customer_or_404(code)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.contact_create(
                name=data["name"], customer=customer, phones=data["phones"], emails=data["emails"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Contact %(name)s was added.") % {"name": contact.name})
            return redirect("tickets:customer_detail", code=customer.code)
    return _form_page(request, form, title=_("New contact"), customer=customer)


def _contact_or_404(customer: Customer, pk: int) -> Contact:
    contact = selectors.contact_get(customer=customer, pk=pk)
    if contact is None:
        raise Http404("no such contact of this customer")
    return contact


@login_required
@coordinator_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: Request, code: str, pk: int) -> HttpResponse:
    customer = _customer_or_404(code)
    contact = _contact_or_404(customer, pk)
    initial = {
        "name": contact.name,
        "phones": "\n".join(format_phone(p.number) for p in contact.phones.all()),
        "emails": "\n".join(e.address for e in contact.emails.all()),
    }
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_update(contact=contact, name=data["name"], phones=data["phones"], emails=data["emails"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The contact was saved."))
            return redirect("tickets:customer_detail", code=customer.code)
    return _form_page(request, form, title=_("Edit contact"), customer=customer)


@login_required
@coordinator_required
@require_http_methods(["GET", "POST"])
def project_add(request: Request, code: str) -> HttpResponse:
    customer = _customer_or_404(code)
    form = ProjectForm(request.POST or None, initial={"manager": customer.project_manager_id})
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(customer=customer, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Project %(name)s was added.") % {"name": project.name})
            return redirect("tickets:customer_detail", code=customer.code)
    return _form_page(request, form, title=_("New project"), customer=customer)


IMPORT_TITLE = gettext_lazy("Import customers")


@login_required
@coordinator_required
@require_http_methods(["GET", "POST"])
def customer_import(request: Request) -> HttpResponse:
    """Upload a CSV file: all rows are imported, or (on any bad row) none, with every bad line listed."""
    form = CustomerImportForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            report = customers_import(text=form.cleaned_data["file"])
        except ImportFailed as exc:
            errors, problem = exc.errors, exc.message
            messages.error(request, _("Nothing was imported: the file has errors. Correct them and upload it again."))
        else:
            messages.success(
                request,
                _(
                    "Imported: %(customers_created)d customers created, %(customers_updated)d updated; "
                    "%(contacts_created)d contacts created, %(contacts_updated)d updated."
                )
                % {
                    "customers_created": report.customers_created,
                    "customers_updated": report.customers_updated,
                    "contacts_created": report.contacts_created,
                    "contacts_updated": report.contacts_updated,
                },
            )
            return redirect("tickets:customer_list")
    return _form_page(
        request, form, title=str(IMPORT_TITLE), import_errors=errors, import_problem=problem, multipart=True
    )
