"""The working-time report page and its downloads (R8)."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from supportdesk.roster import reports, selectors
from supportdesk.roster.views.common import Request

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", reports.report_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", reports.report_xlsx),
}


def _report(request: Request) -> reports.WorkingTimeReport:
    try:
        month = reports.parse_month(request.GET.get("month"), today=selectors.today())
    except ValueError as exc:
        raise Http404("no such month") from exc
    return reports.working_time_report_for(viewer=request.user, month=month)


def _month_url(name: str, first: object) -> str:
    return f"{reverse(name)}?month={first:%Y-%m}"


@login_required
@require_GET
def working_time_report(request: Request) -> HttpResponse:
    report = _report(request)
    prev_first = (report.first - timedelta(days=1)).replace(day=1)
    next_first = report.last + timedelta(days=1)
    return render(
        request,
        "roster/report.html",
        {
            "report": report,
            "rows": [(person, person.totals(report.duties)) for person in report.people],
            "category": reports.category_label(),
            "prev_url": _month_url("roster:working_time_report", prev_first),
            "next_url": _month_url("roster:working_time_report", next_first),
            "this_month_url": reverse("roster:working_time_report"),
            "downloads": {
                fmt: f"{reverse('roster:working_time_report_download', args=[fmt])}?month={report.month_key}"
                for fmt in EXPORTS
            },
        },
    )


@login_required
@require_GET
def working_time_report_download(request: Request, fmt: str) -> HttpResponse:
    if fmt not in EXPORTS:
        raise Http404("no such format")
    report = _report(request)
    content_type, render_export = EXPORTS[fmt]
    response = HttpResponse(render_export(report), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{reports.export_filename(report, fmt)}"'
    return response
