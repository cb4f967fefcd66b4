"""HTML pages of a Prio 1 case: the live case page, acknowledgement (button and signed link)."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.escalation import selectors, services
from supportdesk.escalation.exceptions import EscalationNotFound, InvalidAckLink
from supportdesk.escalation.models import Escalation

logger = logging.getLogger(__name__)


class Request(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def _escalation_or_404(request: Request, pk: int) -> Escalation:
    try:
        return selectors.escalation_get_for_user(user=request.user, escalation_id=pk)
    except EscalationNotFound as exc:
        raise Http404(exc.message) from exc


def _context(escalation: Escalation) -> dict[str, object]:
    from django.conf import settings

    from supportdesk.escalation.models import StatusMailTemplate

    return {
        "status_mail_names": sorted(set(StatusMailTemplate.objects.values_list("name", flat=True))),
        "languages": settings.LANGUAGES,
        "status_mail_to": services.status_mail_recipients(escalation=escalation),
        "escalation": escalation,
        "ticket": escalation.case.ticket,
        "events": list(selectors.escalation_timeline(escalation=escalation)),
    }


@login_required
@require_GET
def escalation_list(request: Request) -> HttpResponse:
    return render(request, "escalation/escalation_list.html", {"escalations": selectors.escalation_list_open()})


@login_required
@require_GET
def escalation_detail(request: Request, pk: int) -> HttpResponse:
    escalation = _escalation_or_404(request, pk)
    template = "escalation/escalation_detail.html"
    if request.htmx:
        template += "#case-live"
    return render(request, template, _context(escalation))


@login_required
@require_POST
def escalation_acknowledge(request: Request, pk: int) -> HttpResponse:
    escalation = _escalation_or_404(request, pk)
    result = services.escalation_acknowledge(escalation=escalation, actor=request.user, via="case page")
    (messages.success if result.accepted else messages.warning)(request, result.message)
    return redirect(escalation)


def _post_entry(request: Request, pk: int, service, success: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    escalation = _escalation_or_404(request, pk)
    try:
        service(escalation=escalation, actor=request.user, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(escalation)


@login_required
@require_POST
def escalation_status_update(request: Request, pk: int) -> HttpResponse:
    return _post_entry(request, pk, services.escalation_status_update_post, "The status update was posted.")


@login_required
@require_POST
def escalation_phone_call(request: Request, pk: int) -> HttpResponse:
    return _post_entry(request, pk, services.escalation_phone_call_log, "The call was logged.")


@login_required
@require_POST
def escalation_resolve(request: Request, pk: int) -> HttpResponse:
    escalation = _escalation_or_404(request, pk)
    try:
        services.escalation_resolve(escalation=escalation, actor=request.user, summary=request.POST.get("summary", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The case is resolved; the ticket was set to resolved.")
    return redirect(escalation)


@require_http_methods(["GET", "POST"])
def escalation_ack_link(request: Request, token: str) -> HttpResponse:
    """The link in the notice. GET only asks (mail scanners follow links); POST acknowledges."""
    try:
        escalation, user = services.ack_token_resolve(token=token)
    except InvalidAckLink as exc:
        return render(request, "escalation/ack_link.html", {"error": exc.message}, status=400)
    result = None
    if request.method == "POST":
        result = services.escalation_acknowledge(escalation=escalation, actor=user, via="link")
    escalation.refresh_from_db()
    return render(
        request,
        "escalation/ack_link.html",
        {"escalation": escalation, "ticket": escalation.case.ticket, "person": user, "result": result},
    )


@login_required
@require_POST
def escalation_status_mail(request: Request, pk: int) -> HttpResponse:
    """R14: the phone duty sends a templated status mail to the customer's contacts."""
    escalation = _escalation_or_404(request, pk)
    try:
        services.escalation_status_mail_send(
            escalation=escalation,
            actor=request.user,
            name=request.POST.get("name", ""),
            language=request.POST.get("language", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The status mail was sent to the customer.")
    return redirect(escalation)
