"""Absences (R6, R7): my and the team's absences, sick reports, the iCalendar import."""

import logging
from datetime import date, timedelta
from urllib.parse import urlsplit
from urllib.request import urlopen

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from supportdesk.core.exceptions import DomainError
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, services
from supportdesk.roster.forms import ICAL_MAX_BYTES, AbsenceForm, IcalImportForm, SickForm
from supportdesk.roster.models import AbsenceKind, AbsenceStatus, Duty
from supportdesk.roster.views.common import (
    AbsenceRow,
    Request,
    _absence_rows,
    _ask_url,
    _duty_names,
    _forbidden,
    _open_offers_for_cells,
    _people_for,
    _week_url,
)

logger = logging.getLogger(__name__)


def _absences_context(request: Request, form: AbsenceForm) -> dict[str, object]:
    user = request.user
    today = selectors.today()
    duties = _duty_names()
    mine = _absence_rows(selectors.absence_list(user=user, start=today - timedelta(days=90)), duties)
    context: dict[str, object] = {"form": form, "mine": mine, "today": today}
    if user.is_coordinator:
        cover_filter = request.GET.get("cover", "")
        team = _absence_rows(selectors.absence_list(start=today - timedelta(days=14)), duties)
        if cover_filter == "missing":
            team = [row for row in team if row.status == AbsenceStatus.COVER_MISSING]
        context.update(team=team, cover_filter=cover_filter)
    return context


def _cover_message(row: AbsenceRow) -> str:
    if row.status == AbsenceStatus.CONFIRMED:
        return _("The absence is entered and confirmed: it hits none of your duties.")
    if row.status == AbsenceStatus.COVERED:
        return _("The absence is entered; all duties it hits are covered.")
    return ngettext(
        "The absence is entered, but %(count)d duty is still uncovered: ask a colleague to take it.",
        "The absence is entered, but %(count)d duties are still uncovered: ask colleagues to take them.",
        len(row.uncovered),
    ) % {"count": len(row.uncovered)}


def _foreign_person(request: Request) -> bool:
    """An agent posted an absence for someone else (the form offers them only themselves)."""
    value = request.POST.get("user", "")
    return bool(value) and value != str(request.user.pk) and not request.user.is_coordinator


@login_required
@require_http_methods(["GET", "POST"])
def absences(request: Request) -> HttpResponse:
    """My absences and the form to enter one; coordinators also see everyone's, with a cover filter."""
    people = _people_for(request.user)
    if request.method == "GET":
        form = AbsenceForm(people=people, initial={"user": str(request.user.pk)})
        return render(request, "roster/absences.html", _absences_context(request, form))
    if _foreign_person(request):
        return _forbidden(request)
    form = AbsenceForm(request.POST, people=people)
    if form.is_valid():
        try:
            absence = services.absence_create(
                actor=request.user,
                user=form.cleaned_data.get("user") or request.user,
                kind=form.cleaned_data["kind"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            row = _absence_rows([absence], _duty_names())[0]
            (messages.warning if row.uncovered else messages.success)(request, _cover_message(row))
            return redirect("roster:absence_detail", pk=absence.pk)
    return render(request, "roster/absences.html", _absences_context(request, form), status=200)


@login_required
@require_GET
def absence_detail(request: Request, pk: int) -> HttpResponse:
    absence = selectors.absence_list().filter(pk=pk).first()
    if absence is None:
        raise Http404("no such absence")
    if absence.user_id != request.user.pk and not request.user.is_coordinator:
        return _forbidden(request)
    row = _absence_rows([absence], _duty_names())[0]
    offers = _open_offers_for_cells((day, duty.pk) for day, duty in row.uncovered if isinstance(duty, Duty))
    today = selectors.today()
    items = [
        {
            "day": day,
            "duty": duty,
            "request": offers.get((day, duty.pk)) if isinstance(duty, Duty) else None,
            "ask_url": _ask_url(day, duty.code)
            if isinstance(duty, Duty) and absence.user_id == request.user.pk and day >= today
            else "",
            "week_url": _week_url(bh.week_start(day)),
        }
        for day, duty in row.uncovered
    ]
    covered = [
        (date.fromisoformat(d), _duty_names().get(code, code))
        for d, code in absence.duties_hit
        if (date.fromisoformat(d), code) not in set(row.cover.uncovered)
    ]
    return render(request, "roster/absence_detail.html", {"row": row, "items": items, "covered": covered})


@login_required
@require_http_methods(["GET", "POST"])
def report_sick(request: Request) -> HttpResponse:
    """Report sick (R7): today or a range, for oneself or (a coordinator) for anyone."""
    people = _people_for(request.user)
    today = selectors.today()
    if request.method == "GET":
        form = SickForm(people=people, initial={"user": str(request.user.pk), "start": today, "end": today})
        return render(request, "roster/report_sick.html", {"form": form})
    if _foreign_person(request):
        return _forbidden(request)
    form = SickForm(request.POST, people=people)
    if form.is_valid():
        person = form.cleaned_data.get("user") or request.user
        try:
            absence = services.absence_create(
                actor=request.user,
                user=person,
                kind=AbsenceKind.SICK,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            count = len(absence.duties_hit)
            if count:
                messages.warning(
                    request,
                    ngettext(
                        "Get well soon. %(count)d duty was freed and offered to the fairest substitutes.",
                        "Get well soon. %(count)d duties were freed and offered to the fairest substitutes.",
                        count,
                    )
                    % {"count": count}
                    if person == request.user
                    else ngettext(
                        "%(name)s is reported sick. %(count)d duty was freed and offered to substitutes.",
                        "%(name)s is reported sick. %(count)d duties were freed and offered to substitutes.",
                        count,
                    )
                    % {"count": count, "name": person.name},
                )
            else:
                messages.success(
                    request,
                    _("Get well soon. No duties are affected.")
                    if person == request.user
                    else _("%(name)s is reported sick. No duties are affected.") % {"name": person.name},
                )
            return redirect("roster:absence_detail", pk=absence.pk)
    return render(request, "roster/report_sick.html", {"form": form})


def _fetch_ical(url: str) -> bytes:
    """Read a calendar from ``url`` (http or https, at most 2 MB); raises DomainError with a message for the user."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise DomainError(_("Only http and https addresses can be imported."))
    try:
        with urlopen(url, timeout=10) as response:  # noqa: S310 - the scheme is checked above
            data = response.read(ICAL_MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        logger.info("calendar import from %s failed: %s", url, exc)
        raise DomainError(_("The calendar could not be loaded from that address.")) from exc
    if len(data) > ICAL_MAX_BYTES:
        raise DomainError(_("The file is too large (at most 2 MB)."))
    return data


@login_required
@require_http_methods(["GET", "POST"])
def absences_import(request: Request) -> HttpResponse:
    """Import absences from an iCalendar file or address (coordinators); shows what happened."""
    if not request.user.is_coordinator:
        return _forbidden(request)
    report = None
    unmatched: list[dict[str, str]] = []
    if request.method == "GET":
        form = IcalImportForm()
    else:
        form = IcalImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                upload = form.cleaned_data["file"]
                data = upload.read(ICAL_MAX_BYTES + 1) if upload else _fetch_ical(form.cleaned_data["url"])
                report = services.absences_import_ical(actor=request.user, data=data, kind=form.cleaned_data["kind"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                unmatched = report.unmatched
                messages.success(
                    request,
                    _(
                        "Import finished: %(created)d new, %(updated)d moved, %(unchanged)d unchanged, "
                        "%(unmatched)d not imported."
                    )
                    % {
                        "created": len(report.created),
                        "updated": len(report.updated),
                        "unchanged": len(report.unchanged),
                        "unmatched": len(report.unmatched),
                    },
                )
    return render(request, "roster/absences_import.html", {"form": form, "report": report, "unmatched": unmatched})
