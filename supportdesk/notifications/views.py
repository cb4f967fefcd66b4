from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportdesk.core.http import AuthedRequest
from supportdesk.notifications import selectors, services
from supportdesk.notifications.forms import ChannelForm, QuietHoursForm
from supportdesk.notifications.models import ChannelKind, DeliveryStatus, QuietHours, UserChannel


@login_required
@require_GET
def delivery_log(request: AuthedRequest) -> HttpResponse:
    """The coordinator's view of every notice and its delivery status."""
    if not request.user.is_coordinator:
        return render(request, "roster/forbidden.html", status=403)
    status = request.GET.get("status", "")
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows = selectors.delivery_list(status=status, page=page)
    return render(
        request,
        "notifications/pages/delivery_log.html",
        {
            "deliveries": rows[: selectors.PAGE_SIZE],
            "has_next": len(rows) > selectors.PAGE_SIZE,
            "page": page,
            "status": status if status in DeliveryStatus.values else "",
            "statuses": DeliveryStatus.choices,
            "problems": selectors.delivery_problem_count(),
            "retention_days": services.ATTEMPT_RETENTION.days,
        },
    )


def _channels_page(request: AuthedRequest, *, form: ChannelForm | None = None, **extra: object) -> HttpResponse:
    context: dict[str, object] = {
        "channels": selectors.user_channel_list(user=request.user),
        "form": form or ChannelForm(),
        "quiet_form": QuietHoursForm(initial=_quiet_initial(request)),
        "time_zone": request.user.time_zone,
        **extra,
    }
    return render(request, "notifications/pages/channels.html", context, status=400 if form and form.errors else 200)


def _quiet_initial(request: AuthedRequest) -> dict[str, object]:
    row = QuietHours.objects.filter(user=request.user).first()
    return {"start": row.start, "end": row.end} if row else {}


def _own_channel(request: AuthedRequest, pk: int) -> UserChannel:
    channel = selectors.user_channel_get_for_user(user=request.user, channel_id=pk)
    if channel is None:
        raise Http404("No such channel.")
    return channel


@login_required
@require_http_methods(["GET", "POST"])
def channel_list(request: AuthedRequest) -> HttpResponse:
    """A person's own notice channels: list in order of use, add one."""
    if request.method == "GET":
        return _channels_page(request)
    form = ChannelForm(request.POST)
    if not form.is_valid():
        return _channels_page(request, form=form)
    kind = form.cleaned_data["kind"]
    secret = services.webhook_secret_new() if kind == ChannelKind.WEBHOOK else ""
    try:
        channel = services.user_channel_create(
            user=request.user,
            kind=kind,
            url=form.cleaned_data["url"] if kind != ChannelKind.EMAIL else "",
            secret=secret,
            label=form.cleaned_data["label"],
        )
    except services.InvalidChannel as exc:
        form.add_error("url", str(exc))
        return _channels_page(request, form=form)
    # The secret is shown in this one response only; it is never rendered again.
    return _channels_page(request, new_secret=secret, new_channel=channel)


@login_required
@require_POST
def channel_move(request: AuthedRequest, pk: int, direction: str) -> HttpResponse:
    services.user_channel_move(channel=_own_channel(request, pk), direction=direction)
    return redirect("notifications:channels")


@login_required
@require_POST
def channel_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    services.user_channel_delete(channel=_own_channel(request, pk))
    messages.success(request, _("The channel was removed."))
    return redirect("notifications:channels")


@login_required
@require_POST
def channel_test(request: AuthedRequest, pk: int) -> HttpResponse:
    """Queue a test notice on one channel; the page then follows its delivery."""
    delivery = services.user_channel_test(channel=_own_channel(request, pk))
    return _channels_page(request, test=delivery, tested_pk=pk)


@login_required
@require_GET
def channel_test_outcome(request: AuthedRequest, delivery_pk: int) -> HttpResponse:
    """The outcome region of a test notice, polled until it is sent or failed."""
    delivery = selectors.user_test_delivery_get(user=request.user, delivery_id=delivery_pk)
    if delivery is None:
        raise Http404("No such test notice.")
    return render(request, "notifications/pages/channels.html#test-outcome", {"test": delivery})


@login_required
@require_POST
def quiet_hours_save(request: AuthedRequest) -> HttpResponse:
    form = QuietHoursForm(request.POST)
    if form.is_valid():
        row = services.quiet_hours_set(
            user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        messages.success(request, _("Quiet hours saved.") if row else _("Quiet hours switched off."))
    else:
        messages.error(request, _("Enter both times as HH:MM."))
    return redirect("notifications:channels")
