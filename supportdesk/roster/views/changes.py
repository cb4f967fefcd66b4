"""Swap and takeover requests (R5, R7): ask, answer in one click, the lists of requests."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.core.templatetags.sd import weekday_short
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, services
from supportdesk.roster.forms import RequestDecisionForm, SwapRequestForm
from supportdesk.roster.models import SwapRequest, SwapStatus, WeekStatus
from supportdesk.roster.views.common import ROSTER_CHANGED, Request, _duty_names, _week_url, requests_to_me

logger = logging.getLogger(__name__)


def _swap_targets(user: User, today: date) -> list[tuple[str, str]]:
    """Colleagues' published duties in the next eight weeks, as choices "date|duty"."""
    entries = (
        selectors.roster_entries(start=today, end=today + timedelta(weeks=8))
        .filter(user__isnull=False, week__status=WeekStatus.PUBLISHED)
        .exclude(user=user)
    )
    return [
        (
            f"{a.date.isoformat()}|{a.duty.code}",
            f"{weekday_short(a.date)} {date_format(a.date, 'SHORT_DATE_FORMAT')} · {a.duty.name} · {a.user.name}",
        )
        for a in entries
        if a.user is not None
    ]


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: Request) -> HttpResponse:
    """Ask for a takeover or a swap of one of my duties (from My duties and the week)."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        day = date.fromisoformat(source.get("date", ""))
    except ValueError as exc:
        raise Http404("bad date") from exc
    duties = _duty_names()
    duty = duties.get(source.get("duty", ""))
    if duty is None:
        raise Http404("no such duty")
    today = selectors.today()
    cell = selectors.holders_on(day=day).get(duty.code)
    if cell is None or cell.user_id != request.user.pk or day < today:
        messages.error(
            request,
            _("You do not hold %(duty)s on %(day)s.")
            % {"duty": duty.name, "day": date_format(day, "SHORT_DATE_FORMAT")},
        )
        return redirect("roster:my_duties")
    candidates = selectors.substitute_candidates(day=day, duty_code=duty.code, exclude=[request.user.pk])
    targets = _swap_targets(request.user, today)
    form = SwapRequestForm(request.POST or None, candidates=candidates, targets=targets)
    if request.method == "POST" and form.is_valid():
        target_day = target_duty = None
        if form.cleaned_data["target"]:
            target_iso, target_code = form.cleaned_data["target"].split("|", 1)
            target_day, target_duty = date.fromisoformat(target_iso), duties[target_code]
        try:
            swap = services.swap_request_create(
                actor=request.user,
                day=day,
                duty=duty,
                kind=form.cleaned_data["kind"],
                candidate=form.cleaned_data["candidate"],
                target_day=target_day,
                target_duty=target_duty,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if swap.candidate is not None:
                messages.success(request, _("Your request was sent to %(name)s.") % {"name": swap.candidate.name})
            elif swap.offered_to:
                messages.success(
                    request,
                    ngettext(
                        "Your request was sent to %(count)d eligible colleague.",
                        "Your request was sent to %(count)d eligible colleagues.",
                        len(swap.offered_to),
                    )
                    % {"count": len(swap.offered_to)},
                )
            else:
                messages.warning(request, _("Your request is open, but nobody is eligible to take it right now."))
            return redirect("roster:requests")
    return render(
        request,
        "roster/request_new.html",
        {"form": form, "day": day, "duty": duty, "cell": cell, "no_candidates": not candidates},
    )


@dataclass
class RequestLists:
    to_me: list[SwapRequest]
    offers: list[SwapRequest]
    mine: list[SwapRequest]
    others_open: list[SwapRequest]
    """Coordinators: every other open request (they may withdraw them)."""
    history: list[SwapRequest]


HISTORY_LIMIT = 30


def _request_lists(user: User) -> RequestLists:
    today = selectors.today()
    open_requests = list(
        selectors.swap_requests_for(user=user, status=SwapStatus.OPEN)
        .filter(date__gte=today)
        .select_related("absence__user")
    )
    answerable = requests_to_me(user, open_requests)
    to_me = [r for r in answerable if not r.is_system_offer]
    offers = [r for r in answerable if r.is_system_offer]
    mine = [r for r in open_requests if r.requester_id == user.pk]
    shown = {r.pk for r in (*to_me, *offers, *mine)}
    others_open = [r for r in open_requests if r.pk not in shown] if user.is_coordinator else []
    history_qs = selectors.swap_requests_for(user=user).exclude(status=SwapStatus.OPEN, date__gte=today)
    if not user.is_coordinator:
        history_qs = history_qs.filter(Q(requester=user) | Q(candidate=user) | Q(decided_by=user))
    history = list(history_qs.select_related("absence__user").order_by("-created_at")[:HISTORY_LIMIT])
    return RequestLists(to_me=to_me, offers=offers, mine=mine, others_open=others_open, history=history)


def _requests_context(user: User) -> dict[str, object]:
    return {"lists": _request_lists(user)}


@login_required
@require_GET
def requests_page(request: Request) -> HttpResponse:
    context = _requests_context(request.user)
    if request.htmx and request.htmx.target == "request-lists":
        return render(request, "roster/requests.html#request-lists", context)
    return render(request, "roster/requests.html", context)


def _visible_request(user: User, pk: int) -> SwapRequest:
    found = selectors.swap_requests_for(user=user).select_related("absence__user").filter(pk=pk).first()
    if found is None:
        raise Http404("no such request")
    return found


def _safe_next(request: Request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


ACCEPTED_TEXT = gettext_lazy("Done: you now hold %(duty)s on %(day)s.")


@login_required
@require_POST
def request_act(request: Request, pk: int, action: str) -> HttpResponse:
    """Accept, decline or withdraw a request in one click (htmx: the lists reload in place)."""
    swap = _visible_request(request.user, pk)
    try:
        if action == "accept":
            services.swap_request_accept(actor=request.user, request=swap)
            outcome = ACCEPTED_TEXT % {"duty": swap.duty.name, "day": date_format(swap.date, "SHORT_DATE_FORMAT")}
        elif action == "decline":
            services.swap_request_decline(actor=request.user, request=swap)
            outcome = _("You declined. The requester is told.") if swap.candidate_id else _("You declined.")
        elif action == "withdraw":
            services.swap_request_withdraw(actor=request.user, request=swap)
            outcome = _("The request was withdrawn.")
        else:
            raise Http404("no such action")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, outcome)
    if request.htmx:
        response = render(request, "roster/requests.html#request-lists", _requests_context(request.user))
        return trigger_client_event(response, ROSTER_CHANGED)
    return redirect(_safe_next(request, reverse("roster:requests")))


def _request_page(request: Request, swap: SwapRequest, *, token: str = "", status: int = 200) -> HttpResponse:
    today = selectors.today()
    passed = swap.date < today or bool(swap.target_date and swap.target_date < today)
    may_answer = swap.is_open and not passed and swap.requester_id != request.user.pk
    if swap.candidate_id is not None and swap.candidate_id != request.user.pk:
        may_answer = False
    if swap.candidate_id is None and request.user.pk in swap.declined_by:
        may_answer = False
    action_url = (
        reverse("roster:request_token", args=[token]) if token else reverse("roster:request_detail", args=[swap.pk])
    )
    return render(
        request,
        "roster/request_detail.html",
        {
            "swap": swap,
            "passed": passed,
            "may_answer": may_answer,
            "may_withdraw": swap.is_open and (swap.requester_id == request.user.pk or request.user.is_coordinator),
            "action_url": action_url,
            "week_url": _week_url(bh.week_start(swap.date)),
        },
        status=status,
    )


def _decide(request: Request, swap: SwapRequest, token: str | None) -> None:
    form = RequestDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose accept or decline."))
        return
    try:
        if form.cleaned_data["action"] == "accept":
            services.swap_request_accept(actor=request.user, request=swap, token=token)
            messages.success(
                request, ACCEPTED_TEXT % {"duty": swap.duty.name, "day": date_format(swap.date, "SHORT_DATE_FORMAT")}
            )
        else:
            services.swap_request_decline(actor=request.user, request=swap, token=token)
            messages.success(request, _("You declined. Thank you for answering."))
    except DomainError as exc:
        messages.error(request, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: Request, pk: int) -> HttpResponse:
    """One request with Accept / Decline (the "take it" link on Today leads here)."""
    swap = _visible_request(request.user, pk)
    if request.method == "POST":
        _decide(request, swap, token=None)
        return redirect("roster:request_detail", pk=pk)
    return _request_page(request, swap)


@login_required
@require_http_methods(["GET", "POST"])
def request_token(request: Request, token: str) -> HttpResponse:
    """The one-click link of a notice: GET only shows the request, the buttons POST."""
    swap = selectors.swap_request_by_token(token=token)
    if swap is None:
        return render(request, "roster/request_missing.html", status=404)
    if request.method == "POST":
        _decide(request, swap, token=token)
        return redirect("roster:request_token", token=token)
    return _request_page(request, swap, token=token)
