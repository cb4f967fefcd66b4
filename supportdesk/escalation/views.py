"""HTML pages of a Prio 1 case: the live case page, acknowledgement (button and signed link)."""

import logging
from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_active
from supportdesk.core.exceptions import DomainError
from supportdesk.escalation import selectors, services
from supportdesk.escalation.exceptions import EscalationNotFound, InvalidAckLink
from supportdesk.escalation.forms import CustomerPolicyForm, Prio1RuleForm, RuleTestForm
from supportdesk.escalation.models import Escalation, EscalationEvent, EventKind, Prio1Rule

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

    return {
        "status_mail_choices": selectors.status_mail_choices(
            escalation=escalation, language=translation.get_language() or settings.LANGUAGE_CODE
        ),
        "languages": settings.LANGUAGES,
        "status_mail_to": services.status_mail_recipients(escalation=escalation),
        "escalation": escalation,
        "ticket": escalation.case.ticket,
        "entries": selectors.escalation_timeline_entries(escalation=escalation),
        "notices": selectors.escalation_notice_deliveries(escalation=escalation),
        "contacts": selectors.case_contacts(escalation=escalation),
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
        template += "#case-poll"  # the live region, and the acknowledge box out of band
    return render(request, template, _context(escalation))


@login_required
@require_POST
def escalation_acknowledge(request: Request, pk: int) -> HttpResponse:
    escalation = _escalation_or_404(request, pk)
    result = services.escalation_acknowledge(escalation=escalation, actor=request.user, via="page")
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
    return _post_entry(request, pk, services.escalation_status_update_post, gettext("The status update was posted."))


@login_required
@require_POST
def escalation_phone_call(request: Request, pk: int) -> HttpResponse:
    return _post_entry(request, pk, services.escalation_phone_call_log, gettext("The call was logged."))


@login_required
@require_POST
def escalation_resolve(request: Request, pk: int) -> HttpResponse:
    escalation = _escalation_or_404(request, pk)
    try:
        services.escalation_resolve(escalation=escalation, actor=request.user, summary=request.POST.get("summary", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("The case is resolved; the ticket was set to resolved."))
    return redirect(escalation)


def _link_language(request: Request, person: User) -> str:
    """The ack page speaks the language of the person the link was made for, like their notice did
    (a phone's browser may be set to anything), unless the reader signed in or chose one."""
    from django.conf import settings

    if request.user.is_authenticated or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return translation.get_language() or settings.LANGUAGE_CODE
    return person.language or settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def escalation_ack_link(request: Request, token: str) -> HttpResponse:
    """The link in the notice. GET only asks (mail scanners follow links); POST acknowledges."""
    try:
        escalation, user = services.ack_token_resolve(token=token)
    except InvalidAckLink as exc:
        return render(request, "escalation/ack_link.html", {"error": exc.message}, status=400)
    with translation.override(_link_language(request, user)):
        result = None
        if request.method == "POST":
            result = services.escalation_acknowledge(escalation=escalation, actor=user, via="link")
        escalation.refresh_from_db()
        response = render(
            request,
            "escalation/ack_link.html",
            {"escalation": escalation, "ticket": escalation.case.ticket, "person": user, "result": result},
        )
        response["Content-Language"] = translation.get_language()
    return response


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
        messages.success(request, gettext("The status mail was sent to the customer."))
    return redirect(escalation)


# --- the coordinator's Prio 1 keyword rules -------------------------------------------------------


def _coordinator_only(request: Request) -> None:
    if not request.user.is_coordinator:
        raise Http404


def _rules_page(
    request: Request,
    *,
    rule: Prio1Rule | None,
    form: Prio1RuleForm,
    test_form: RuleTestForm | None = None,
    test: Mapping[str, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "rules": list(selectors.prio1_rule_list()),
        "rule": rule,
        "form": form,
        "test_form": test_form or RuleTestForm(),
        "test": test,
    }
    return render(request, "escalation/rule_list.html", context, status=status)


def _rule_save(request: Request, rule: Prio1Rule | None) -> HttpResponse:
    form = Prio1RuleForm(request.POST, instance=rule)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.prio1_rule_save(
                actor=request.user,
                rule=rule,
                name=data["name"],
                active=data["active"],
                customers=data["customers"],
                only_24x7=data["only_24x7"],
                phrases=data["phrases"],
                match_subject=data["match_subject"],
                match_body=data["match_body"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, gettext("The rule “%(name)s” was saved.") % {"name": saved.name})
            return redirect("escalation:rules")
    return _rules_page(request, rule=rule, form=form, test_form=RuleTestForm(request.POST), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def prio1_rule_list(request: Request) -> HttpResponse:
    _coordinator_only(request)
    if request.method == "POST":
        return _rule_save(request, None)
    return _rules_page(request, rule=None, form=Prio1RuleForm())


@login_required
@require_http_methods(["GET", "POST"])
def prio1_rule_edit(request: Request, pk: int) -> HttpResponse:
    _coordinator_only(request)
    try:
        rule = selectors.prio1_rule_get(rule_id=pk)
    except EscalationNotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        return _rule_save(request, rule)
    return _rules_page(request, rule=rule, form=Prio1RuleForm(instance=rule))


@login_required
@require_POST
def prio1_rule_test(request: Request) -> HttpResponse:
    """The test box: how the rule as typed (unsaved) and the saved rules treat a sample mail. Saves nothing."""
    _coordinator_only(request)
    rule_id = request.POST.get("rule_id", "")
    rule = Prio1Rule.objects.filter(pk=int(rule_id)).first() if rule_id.isdigit() else None
    form = Prio1RuleForm(request.POST, instance=rule)
    test_form = RuleTestForm(request.POST)
    test_form.is_valid()
    sample = test_form.cleaned_data
    customer = sample.get("sample_customer")
    draft, problem = form.draft()
    draft_result, saved_results = selectors.prio1_rules_evaluate(
        draft=draft,
        customer_id=customer.pk if customer else None,
        subject=sample.get("sample_subject", ""),
        body=sample.get("sample_body", ""),
        exclude_id=rule.pk if rule else None,
    )
    test: dict[str, object] = {"draft": draft_result, "problem": problem, "saved": saved_results}
    if request.htmx:
        return render(request, "escalation/rule_list.html#rule-test", {"test": test})
    return _rules_page(request, rule=rule, form=form, test_form=test_form, test=test)


# --- who hears of a Prio 1 outside the support windows -------------------------------------------


def _policies_page(
    request: Request, *, bound: CustomerPolicyForm | None = None, bound_id: int | None = None, status: int = 200
) -> HttpResponse:
    people = list(user_list_active())
    rows = [
        (
            row,
            bound
            if bound is not None and row.customer.pk == bound_id
            else CustomerPolicyForm(
                prefix=f"c{row.customer.pk}",
                initial={"mode": row.mode, "person": row.person.pk if row.person else ""},
                people=people,
            ),
        )
        for row in selectors.customer_policy_rows()
    ]
    return render(request, "escalation/outside_window.html", {"rows": rows}, status=status)


@login_required
@require_GET
def outside_window_policies(request: Request) -> HttpResponse:
    """Per customer: who hears of a Prio 1 outside the windows (coordinator, a named person, or nobody)."""
    _coordinator_only(request)
    return _policies_page(request)


@login_required
@require_POST
def outside_window_policy_set(request: Request, customer_id: int) -> HttpResponse:
    _coordinator_only(request)
    try:
        customer = selectors.customer_get(customer_id=customer_id)
    except EscalationNotFound as exc:
        raise Http404(exc.message) from exc
    form = CustomerPolicyForm(request.POST, prefix=f"c{customer.pk}", people=list(user_list_active()))
    if form.is_valid():
        try:
            policy = services.customer_escalation_policy_set(
                actor=request.user,
                customer=customer,
                mode=form.cleaned_data["mode"],
                person=form.cleaned_data["person"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                gettext("%(customer)s: outside the support windows, %(who)s is told now.")
                % {
                    "customer": customer.name,
                    "who": policy.person.name if policy.person else policy.get_mode_display(),
                },
            )
            return redirect(f"{reverse('escalation:outside_window')}#customer-{customer.pk}")
    return _policies_page(request, bound=form, bound_id=customer.pk, status=400)


# --- browser notifications ------------------------------------------------------------------------


def _poll_item(event: EscalationEvent) -> dict[str, object]:
    ticket = event.escalation.case.ticket
    if event.kind == EventKind.STARTED:
        title = gettext("Prio 1: %(number)s") % {"number": ticket.number}
    else:
        title = gettext("Prio 1 %(number)s acknowledged by %(name)s") % {
            "number": ticket.number,
            "name": event.actor.name if event.actor else "?",
        }
    customer = ticket.customer.name if ticket.customer is not None else ""
    return {
        "id": event.pk,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "escalation": event.escalation_id,
        "ticket": ticket.number,
        "subject": ticket.subject,
        "customer": customer,
        "actor": event.actor.name if event.actor else None,
        "title": title,
        "body": f"{customer}: {ticket.subject}" if customer else ticket.subject,
        "url": event.escalation.get_absolute_url(),
    }


@require_GET
def escalation_poll(request: Request) -> JsonResponse:
    """``GET ?since=<event id>``: new Prio 1 cases and acknowledgements, for prio1-notify.js.

    Without ``since`` only the cursor comes back, so a freshly opened page does not replay old cases.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Sign in first."}, status=401)
    since = request.GET.get("since", "")
    if not since:
        return JsonResponse({"cursor": selectors.poll_cursor(), "events": []})
    if not since.isdigit():
        return JsonResponse({"detail": "since must be an event id (a whole number)."}, status=400)
    events = selectors.escalation_events_since(user=request.user, since=int(since))
    cursor = events[-1].pk if events else max(int(since), 0)
    response = JsonResponse({"cursor": cursor, "events": [_poll_item(e) for e in events]})
    response["Cache-Control"] = "no-store"
    return response
