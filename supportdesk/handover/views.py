"""The "My day" page: presence and "End my day" (mailbox head), acknowledge and closing (phone duty),
check-in (technical standby)."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.handover import selectors, services
from supportdesk.handover.forms import PresenceForm, ReadinessForm

logger = logging.getLogger(__name__)


class Request(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def _page(request: Request, **extra: object) -> HttpResponse:
    now = timezone.now()
    day = selectors.my_day(user=request.user, now=now)
    context: dict[str, object] = {
        "my": day,
        "day_status": day.status,
        "presence_form": PresenceForm(
            initial={
                "state": day.presence.state if day.presence else "present",
                "leaving_at": day.presence.leaving_at if day.presence else None,
            }
        ),
        "readiness_form": ReadinessForm(),
        **extra,
    }
    template = "handover/my_day.html#today" if request.htmx else "handover/my_day.html"
    return render(request, template, context, status=400 if extra else 200)


def _done(request: Request, call, success: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("handover:my_day")


@login_required
@require_GET
def my_day(request: Request) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def presence(request: Request) -> HttpResponse:
    form = PresenceForm(request.POST)
    if not form.is_valid():
        return _page(request, presence_form=form)
    return _done(
        request,
        lambda: services.presence_set(
            actor=request.user,
            state=form.cleaned_data["state"],
            leaving_at=form.cleaned_data.get("leaving_at"),
            now=timezone.now(),
        ),
        _("Your presence is saved."),
    )


@login_required
@require_POST
def end_day(request: Request) -> HttpResponse:
    return _done(
        request,
        lambda: services.handover_perform(actor=request.user, now=timezone.now()),
        _("Handed over: the afternoon support has the line, the intake and the mailbox now."),
    )


@login_required
@require_POST
def acknowledge(request: Request, pk: int) -> HttpResponse:
    handover = selectors.handover_get(pk=pk)

    def call() -> None:
        if handover is None:
            raise DomainError(_("There is no such hand-over."))
        services.handover_acknowledge(handover=handover, actor=request.user, now=timezone.now())

    return _done(request, call, _("Hand-over acknowledged."))


@require_http_methods(["GET", "POST"])
def ack_link(request: Request, token: str) -> HttpResponse:
    """The link in the notice: GET shows a button (mail scanners follow links), POST acknowledges."""
    try:
        handover = services.ack_token_resolve(token=token)
    except DomainError as exc:
        return render(request, "handover/ack_link.html", {"error": exc.message}, status=400)
    done = False
    if request.method == "POST" and handover.to_user is not None:
        services.handover_acknowledge(handover=handover, actor=handover.to_user, now=timezone.now())
        done = True
    return render(request, "handover/ack_link.html", {"handover": handover, "done": done})


@login_required
@require_POST
def readiness(request: Request) -> HttpResponse:
    form = ReadinessForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return _done(
        request,
        lambda: services.readiness_checkin(
            actor=request.user,
            reachable=bool(data.get("reachable")),
            computer=bool(data.get("computer")),
            vpn=bool(data.get("vpn")),
            now=timezone.now(),
        ),
        _("Check-in saved."),
    )


@login_required
@require_POST
def closing(request: Request) -> HttpResponse:
    return _done(
        request,
        lambda: services.closing_confirm(actor=request.user, now=timezone.now()),
        _("Closing checklist confirmed."),
    )
