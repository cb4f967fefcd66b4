"""HTML pages of tickets: list, ticket page, phone intake (R10, R12).

Views stay thin: parse, authorise through a selector, call one service, render.
Domain errors become messages in the page, never a 500.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import Conflict, DomainError
from supportdesk.tickets import selectors, services
from supportdesk.tickets.exceptions import TicketNotFound
from supportdesk.tickets.forms import NoteForm, PhoneIntakeForm, TicketFilterForm, TicketUpdateForm
from supportdesk.tickets.models import Priority, Status, Ticket
from supportdesk.tickets.phones import format_phone

logger = logging.getLogger(__name__)

LIST_ROWS = selectors.PAGE_ROWS
"""Rows per list page: a page of 200 rows took ~100 ms to render (bench/tickets.py)."""


class Request(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def _ticket_or_404(request: Request, number: str) -> Ticket:
    try:
        return selectors.ticket_get_for_user(user=request.user, number=number)
    except TicketNotFound as exc:
        raise Http404(exc.message) from exc


def _page_param(request: Request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _page_url(request: Request, number: int) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    if number > 1:
        params["page"] = str(number)
    return f"?{params.urlencode()}" if params else request.path


@login_required
@require_GET
def ticket_list(request: Request) -> HttpResponse:
    form = TicketFilterForm(request.GET or None)
    query = form.query()
    page_number = _page_param(request)
    if query:
        page = selectors.ticket_search_page(
            user=request.user, query=query, page=page_number, per_page=LIST_ROWS, filters=form.filters()
        )
    else:
        page = selectors.ticket_list_page(
            user=request.user, filters=form.filters(), page=page_number, per_page=LIST_ROWS
        )
    # choice labels once per page, not through get_FOO_display() (which hashes the choices) per row
    status_labels = {value: str(label) for value, label in Status.choices}
    priority_labels = {value: str(label) for value, label in Priority.choices}
    detail_url = reverse("tickets:detail", args=["__number__"])  # one reverse(), not one per row
    for ticket in page.tickets:
        ticket.url = detail_url.replace("__number__", ticket.number)  # type: ignore[attr-defined]
        ticket.status_label = status_labels.get(ticket.status, ticket.status)  # type: ignore[attr-defined]
        ticket.priority_label = priority_labels.get(ticket.priority, ticket.priority)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "tickets": page.tickets,
        "page": page,
        "next_url": _page_url(request, page.number + 1) if page.has_next else "",
        "previous_url": _page_url(request, page.number - 1) if page.has_previous else "",
        "query": query,
        "current_view": request.GET.get("view", ""),
    }
    template = "tickets/ticket_list.html#ticket-rows" if request.htmx else "tickets/ticket_list.html"
    return render(request, template, context)


def _detail_context(request: Request, ticket: Ticket, **forms: object) -> dict[str, object]:
    update_form = forms.get("update_form") or TicketUpdateForm(
        initial={
            "version": ticket.version,
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee_group": ticket.assignee_group,
            "assignee": ticket.assignee,
            "tags": ", ".join(t.name for t in ticket.tags.all()),
        }
    )
    return {
        "ticket": ticket,
        "articles": selectors.ticket_articles(ticket=ticket),
        "history": selectors.ticket_history(ticket=ticket),
        "note_form": forms.get("note_form") or NoteForm(),
        "update_form": update_form,
        "suggestion": selectors.assignment_suggest(customer=ticket.customer, project=ticket.project),
    }


@login_required
@require_GET
def ticket_detail(request: Request, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket))


@login_required
@require_POST
def ticket_note(request: Request, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.article_add(
                actor=request.user, ticket=ticket, kind=form.cleaned_data["kind"], body=form.cleaned_data["body"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The note was added."))
            return redirect(ticket)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket, note_form=form), status=400)


@login_required
@require_POST
def ticket_change(request: Request, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    form = TicketUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_update(request.user, ticket, form.cleaned_data["version"], **form.changes())
        except Conflict as exc:
            messages.error(request, exc.message)
            ticket = _ticket_or_404(request, number)
            return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket), status=409)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The ticket was saved."))
            return redirect(ticket)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket, update_form=form), status=400)


@login_required
@require_GET
def caller_search(request: Request) -> HttpResponse:
    query = request.GET.get("q", "")
    contacts = selectors.contact_search(query=query)
    for contact in contacts:
        contact.phone_display = [format_phone(p.number) for p in contact.phones.all()]  # type: ignore[attr-defined]
    return render(request, "tickets/phone_intake.html#caller-results", {"contacts": contacts, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def phone_intake(request: Request) -> HttpResponse:
    form = PhoneIntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create_from_phone(
                actor=request.user,
                contact=data["contact"],
                phone=data["phone"],
                caller_name=data["caller_name"],
                customer=data["customer"],
                subject=data["subject"],
                note=data["note"],
                priority=data["priority"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Ticket %(number)s was created.") % {"number": ticket.number})
            return redirect(ticket)
    status = 400 if request.method == "POST" else 200
    return render(request, "tickets/phone_intake.html", {"form": form, "contacts": []}, status=status)


@login_required
@require_GET
def intake_check(request: Request) -> HttpResponse:
    """The hourly look at the intake (R11): new tickets since the last check, open Prio 1 tickets."""
    return render(request, "tickets/intake_check.html", {"intake": selectors.intake_check_current()})


@login_required
@require_POST
def intake_check_done(request: Request, pk: int) -> HttpResponse:
    check = selectors.intake_check_get(pk=pk)
    if check is None:
        raise Http404
    services.intake_check_done(check=check, actor=request.user)
    if request.htmx:
        context = {"intake": selectors.intake_check_current()}
        return render(request, "tickets/_intake_check.html", context)
    messages.success(request, _("The intake check was recorded."))
    return redirect("tickets:intake_check")
