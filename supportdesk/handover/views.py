"""The "My day" page: presence and "End my day" (mailbox head), acknowledge and closing (phone duty),
check-in (technical standby)."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.handover import agenda as agenda_module
from supportdesk.handover import conf, selectors, services
from supportdesk.handover.forms import DayFlowSettingsForm, PresenceForm, ReadinessForm
from supportdesk.handover.models import DayPresence, Handover, HandoverReason, RoutingTarget

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
        "poll_seconds": conf.today_poll_seconds(),
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


def _presence_saved(*, presence: DayPresence, handover_before: Handover | None, handover_after: Handover | None) -> str:
    """What saving the presence did: "away" (or a "leaving at" time already past) hands over at once, and
    the head is told to whom; a hand-over from earlier today stays as it was."""
    if handover_before is not None:
        return _("Your presence is saved. Today's hand-over happened already at %(time)s; it stays as it was.") % {
            "time": timezone.localtime(handover_before.performed_at).strftime("%H:%M")
        }
    if handover_after is None:
        return _("Your presence is saved.")
    if handover_after.reason == HandoverReason.AWAY:
        saved = _("Saved. You are away today.")
    else:
        leaving = presence.leaving_at.strftime("%H:%M") if presence.leaving_at else ""
        saved = _("Saved. Your leaving time %(time)s has passed.") % {"time": leaving}
    receiver = handover_after.to_user
    if receiver is None:
        went = _(
            "Nobody could take over (no phone duty published for today, no coordinator present): "
            "the support line goes to voicemail."
        )
    elif handover_after.to_target == RoutingTarget.COORDINATOR:
        went = _(
            "The support line, the triage inbox and the ticket intake went to %(name)s as coordinator, "
            "since no phone duty is published for today (notified)."
        ) % {"name": receiver.name}
    else:
        went = _(
            "The support line, the triage inbox and the ticket intake went to %(name)s, today's phone duty (notified)."
        ) % {"name": receiver.name}
    return f"{saved} {went}"


@login_required
@require_POST
def presence(request: Request) -> HttpResponse:
    form = PresenceForm(request.POST)
    if not form.is_valid():
        return _page(request, presence_form=form)
    now = timezone.now()
    day = selectors.local_day(now)
    before = selectors.handover_on(day=day)
    try:
        saved = services.presence_set(
            actor=request.user,
            state=form.cleaned_data["state"],
            leaving_at=form.cleaned_data.get("leaving_at"),
            now=now,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        after = selectors.handover_on(day=day) if before is None else None
        messages.success(request, _presence_saved(presence=saved, handover_before=before, handover_after=after))
    return redirect("handover:my_day")


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


# --- the live part of the Today page ---------------------------------------------------------


def today_live_context(*, reads: selectors.DayReads | None = None) -> dict[str, object]:
    """Context of ``handover/today_live.html``: the board and how often the page asks again.

    ``reads``: what the page has read about today already (the published holders of its duty cards)."""
    now = reads.now if reads is not None else timezone.now()
    return {"board": selectors.today_board(now=now, reads=reads), "poll_seconds": conf.today_poll_seconds()}


@login_required
@require_GET
def today_live(request: Request) -> HttpResponse:
    """The Today page polls this: its live region, and the Prio 1 banner out of band (htmx)."""
    return render(request, "handover/today_live.html#today-poll", {"live": today_live_context()})


# --- the weekly meeting's agenda (R9) ---------------------------------------------------------


def _agenda_week(request: Request) -> agenda_module.Agenda | None:
    try:
        week = agenda_module.week_parse(request.GET.get("week"))
    except agenda_module.InvalidWeek:
        return None
    return agenda_module.agenda_build(week=week)


def _agenda_language(request: Request) -> str:
    asked = request.GET.get("lang", "")
    return asked if asked in ("de", "en") else (translation.get_language() or "de")


@login_required
@require_GET
def agenda(request: Request) -> HttpResponse:
    """``/handover/agenda/?week=2026-W50``: the jour fixe's page, printable on one sheet."""
    language = _agenda_language(request)
    labels = agenda_module.labels_for(language)
    data = _agenda_week(request)
    if data is None:
        return HttpResponseBadRequest(labels["week"] + ": YYYY-Www, e.g. 2026-W50")
    return render(
        request,
        "handover/agenda.html",
        {
            "agenda": data,
            "L": labels,
            "next_status": labels[data.next_status],
            "missed": [(m, m.label(labels)) for m in data.missed],
            "duty_chart": agenda_module.svg_chart(data.duty_bars),
            "ack_chart": agenda_module.svg_chart(data.ack_bars),
            "resolve_chart": agenda_module.svg_chart(data.resolve_bars),
            "ticket_chart": agenda_module.svg_chart(
                agenda_module.ticket_bars(data.ticket_days, language=language), width=360, label_width=70
            ),
            "previous": agenda_module.week_label(data.last_week),
            "following": agenda_module.week_label(data.next_week),
        },
    )


@login_required
@require_GET
def agenda_pdf(request: Request) -> HttpResponse:
    """``/handover/agenda.pdf?week=2026-W50[&lang=de|en]``: the same agenda as a PDF."""
    language = _agenda_language(request)
    data = _agenda_week(request)
    if data is None:
        return HttpResponseBadRequest(agenda_module.labels_for(language)["week"] + ": YYYY-Www, e.g. 2026-W50")
    response = HttpResponse(agenda_module.agenda_pdf(data, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agenda-{data.label}.pdf"'
    return response


# --- the coordinators' day's flow settings ----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def flow_settings(request: Request) -> HttpResponse:
    """``/handover/settings/``: times and switches of the day's flow and the closing checklist (coordinators)."""
    if not request.user.is_coordinator:
        return render(request, "roster/forbidden.html", status=403)
    row = selectors.day_flow_settings_get()
    example = selectors.day_flow_example(flow=row)  # as saved: the bound form below changes ``row`` in memory
    checklists = selectors.closing_checklist_custom()
    form = DayFlowSettingsForm(request.POST or None, instance=row, checklists=checklists)
    if request.method == "POST" and form.is_valid():
        try:
            services.day_flow_settings_update(
                actor=request.user, values=form.settings_values(), checklists=form.checklists()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The day's flow settings were saved."))
            return redirect("handover:settings")
    return render(
        request,
        "handover/settings.html",
        {"form": form, "example": example},
        status=400 if form.is_bound else 200,
    )
