"""HTML pages of tickets: list, ticket page, phone intake (R10, R12).

Views stay thin: parse, authorise through a selector, call one service, render.
Domain errors become messages in the page, never a 500.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import Conflict, DomainError
from supportdesk.mailbox import services as mailbox_services
from supportdesk.mailbox.attachments import inline_image_response
from supportdesk.tickets import selectors, services, ticket_page
from supportdesk.tickets.exceptions import AttachmentNotFound, TicketNotFound
from supportdesk.tickets.forms import (
    BulkUpdateForm,
    DigestPreferenceForm,
    NoteForm,
    PhoneIntakeForm,
    ReplyForm,
    TicketFilterForm,
    TicketUpdateForm,
)
from supportdesk.tickets.models import OPEN_STATUSES, Priority, Status, Ticket
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
    form = TicketFilterForm.for_list(request.GET)
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
    now = timezone.now()
    for ticket in page.tickets:
        ticket.is_overdue = ticket.status in OPEN_STATUSES and ticket.due_at < now  # type: ignore[attr-defined]
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
        "current_view": form.data.get("view", ""),
        "bulk_form": BulkUpdateForm(auto_id="bulk-%s"),
        "list_query": _list_query(request.GET),
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
        "articles": selectors.ticket_timeline(ticket=ticket),
        "history": selectors.ticket_history_entries(ticket=ticket),
        "note_form": forms.get("note_form") or NoteForm(),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "update_form": update_form,
        "suggestion": selectors.assignment_suggest(customer=ticket.customer, project=ticket.project),
        "prio1_panels": ticket_page.ticket_prio1_panels(ticket=ticket),
    }


@login_required
@require_GET
def ticket_detail(request: Request, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket))


@login_required
@require_GET
def mail_image(request: Request, number: str, pk: int) -> HttpResponse:
    """An inline image of a mail in the ticket (a ``cid:`` part), shown in the page: raster images only."""
    ticket = _ticket_or_404(request, number)
    try:
        image = ticket_page.mail_image_get(ticket=ticket, attachment_id=pk)
    except AttachmentNotFound as exc:
        raise Http404(exc.message) from exc
    return inline_image_response(image)


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
def ticket_reply(request: Request, number: str) -> HttpResponse:
    """Answer the customer by mail, in the ticket's thread (the mailbox sends and files it)."""
    ticket = _ticket_or_404(request, number)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            mailbox_services.ticket_reply(actor=request.user, ticket=ticket, body=form.cleaned_data["body"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The answer was sent."))
            return redirect(ticket)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket, reply_form=form), status=400)


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


# --- bulk changes ------------------------------------------------------------------------------

LIST_PARAMS = ("q", "view", "status", "priority", "group", "assignee", "customer", "sort", "page")


def _list_query(params: QueryDict) -> str:
    """The list's filters from ``params`` as a query string: the bulk change returns to the same list."""
    keep = QueryDict(mutable=True)
    for name in LIST_PARAMS:
        value = params.get(name, "")
        if value:
            keep[name] = value[:200]
    return keep.urlencode()


def _list_url(query: str) -> str:
    """The list URL with the filters in ``query`` (only the known ones: never a redirect elsewhere)."""
    clean = _list_query(QueryDict(query))
    return reverse("tickets:list") + (f"?{clean}" if clean else "")


@login_required
@require_POST
def ticket_bulk_update(request: Request) -> HttpResponse:
    """Set status, person or group of the checked tickets; report who was skipped (changed meanwhile)."""
    back = _list_url(request.POST.get("back", ""))
    form = BulkUpdateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    items = form.cleaned_data["item"]
    tickets = selectors.tickets_for_bulk(user=request.user, numbers=[number for number, _v in items])
    try:
        report = services.tickets_bulk_update(
            actor=request.user,
            items=[(tickets[number], version) for number, version in items if number in tickets],
            changes=form.changes(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    changed = len(report.changed)
    if report.skipped:
        messages.warning(
            request,
            _("%(changed)d changed, %(skipped)d skipped (changed by someone else: %(numbers)s).")
            % {"changed": changed, "skipped": len(report.skipped), "numbers": ", ".join(report.skipped)},
        )
    elif changed:
        messages.success(
            request, ngettext("%(count)d ticket changed.", "%(count)d tickets changed.", changed) % {"count": changed}
        )
    if report.unchanged:
        messages.info(
            request,
            ngettext(
                "%(count)d ticket already had these values.",
                "%(count)d tickets already had these values.",
                len(report.unchanged),
            )
            % {"count": len(report.unchanged)},
        )
    for number, reason in report.failed:
        messages.error(request, _("%(number)s was not changed: %(reason)s") % {"number": number, "reason": reason})
    missing = [number for number, _v in items if number not in tickets]
    if missing:
        messages.error(request, _("Not found: %(numbers)s.") % {"numbers": ", ".join(missing)})
    return redirect(back)


# --- notification preference ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: Request) -> HttpResponse:
    """Switch the morning digest on or off (``notification_preference_set``)."""
    if request.method == "POST":
        form = DigestPreferenceForm(request.POST)
        if form.is_valid():
            pref = services.notification_preference_set(user=request.user, digest=form.cleaned_data["digest"])
            if pref.digest:
                messages.success(request, _("The morning digest is on."))
            else:
                messages.success(request, _("The morning digest is off: you hear of every new ticket at once."))
            return redirect("tickets:preferences")
        return render(request, "tickets/preferences.html", {"form": form}, status=400)
    form = DigestPreferenceForm(initial={"digest": selectors.wants_digest(user=request.user)})
    return render(request, "tickets/preferences.html", {"form": form})
