"""The support calendar settings: windows per weekday, planning rules, closing days."""

import logging
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_stubs_ext import StrOrPromise

from supportdesk.core.exceptions import DomainError
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, services
from supportdesk.roster.forms import (
    HOLIDAY_STATE_CHOICES,
    WEEKDAY_CHOICES,
    ClosingDayForm,
    RosterSettingsForm,
    SupportWindowForm,
)
from supportdesk.roster.models import ClosingDay, SupportWindow
from supportdesk.roster.views.common import Request, _forbidden

logger = logging.getLogger(__name__)


def _window_forms(data: object = None) -> list[tuple[StrOrPromise, SupportWindowForm]]:
    existing = {w.weekday: w for w in SupportWindow.objects.all()}
    forms: list[tuple[StrOrPromise, SupportWindowForm]] = []
    for weekday, label in WEEKDAY_CHOICES:
        window = existing.get(weekday)
        initial = {
            "active": window.active if window else False,
            "start": window.start if window else bh.DEFAULT_WINDOW[0],
            "end": window.end if window else bh.DEFAULT_WINDOW[1],
        }
        forms.append((label, SupportWindowForm(data, prefix=f"w{weekday}", initial=initial)))  # type: ignore[arg-type]
    return forms


def _next_holidays(cal: bh.SupportCalendar, start: date, count: int = 8) -> list[tuple[date, str]]:
    """The next ``count`` public holidays from ``start``, named in the active language."""
    result: list[tuple[date, str]] = []
    language = get_language()
    day = start
    while len(result) < count and day < start + timedelta(days=400):
        name = cal.holiday_name(day, language)
        if name:
            result.append((day, name))
        day += timedelta(days=1)
    return result


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: Request) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    cfg = selectors.roster_settings_get()
    windows = _window_forms()
    settings_form = RosterSettingsForm(initial=RosterSettingsForm.initial_from(cfg))
    if request.method == "POST":
        try:
            if request.POST.get("form") == "windows":
                windows = _window_forms(request.POST)
                if all(form.is_valid() for _label, form in windows):
                    for weekday, (_label, form) in enumerate(windows):
                        services.support_window_set(actor=request.user, weekday=weekday, **form.cleaned_data)
                    messages.success(request, _("The support windows were saved."))
                    return redirect("roster:calendar_settings")
            else:
                settings_form = RosterSettingsForm(request.POST)
                if settings_form.is_valid():
                    services.roster_settings_update(actor=request.user, **settings_form.cleaned_data)
                    messages.success(request, _("The settings were saved."))
                    return redirect("roster:calendar_settings")
        except DomainError as exc:
            messages.error(request, exc.message)
    cal = selectors.support_calendar()
    today = selectors.today()
    return render(
        request,
        "roster/calendar_settings.html",
        {
            "windows": windows,
            "settings_form": settings_form,
            "closing_days": ClosingDay.objects.filter(date__gte=today - timedelta(days=31)),
            "closing_form": ClosingDayForm(),
            "holidays": _next_holidays(cal, today),
            "holiday_state": dict(HOLIDAY_STATE_CHOICES).get(cal.holiday_state, cal.holiday_state),
        },
    )


@login_required
@require_POST
def closing_day_add(request: Request) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    form = ClosingDayForm(request.POST)
    if form.is_valid():
        try:
            services.closing_day_add(actor=request.user, day=form.cleaned_data["date"], name=form.cleaned_data["name"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The closing day was saved."))
    else:
        messages.error(request, _("Please enter a valid date."))
    return redirect("roster:calendar_settings")


@login_required
@require_POST
def closing_day_delete(request: Request, pk: int) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    closing = ClosingDay.objects.filter(pk=pk).first()
    if closing is None:
        raise Http404("no such closing day")
    try:
        services.closing_day_remove(actor=request.user, closing_day=closing)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The closing day was removed."))
    return redirect("roster:calendar_settings")
