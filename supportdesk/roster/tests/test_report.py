"""The working-time report (R8): figures, exports, who sees what, the API."""

import csv
import io
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from supportdesk.accounts.services import api_token_create
from supportdesk.roster import reports
from supportdesk.roster.models import Assignment, Duty, RosterWeek, SupportWindow
from supportdesk.roster.selectors import support_calendar_invalidate
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MARCH = date(2027, 3, 1)
"""March 2027: Good Friday (26) and Easter Monday (29) are holidays in Bavaria; summer time starts on Sunday 28."""
AFTER_MARCH = datetime(2027, 4, 2, 12, 0, tzinfo=BERLIN)
PHONE, STANDBY = Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY
pytestmark = pytest.mark.django_db


@pytest.fixture
def march(pool):
    """Anna and Bernd trade duties every day of March (make_week fills the holidays too);
    Clara holds a Sunday night window 01:00–04:00 across the change to summer time."""
    for monday in (date(2027, 3, 1), date(2027, 3, 8), date(2027, 3, 15), date(2027, 3, 22), date(2027, 3, 29)):
        make_week(monday, alternating(pool[0], pool[1]), published=True)
    SupportWindow.objects.create(weekday=6, start=time(1), end=time(4))
    support_calendar_invalidate()
    Assignment.objects.create(
        week=RosterWeek.objects.get(week_start=date(2027, 3, 22)),
        date=date(2027, 3, 28),
        duty=Duty.objects.get(code=PHONE),
        user=pool[2],
    )
    return pool


def person(report, username):
    return next(p for p in report.people if p.user.username == username)


def totals(report, username):
    p = person(report, username)
    return {t.duty.code: (t.count, t.hours) for t in p.totals(report.duties)}, p.total_count, p.total_hours


def test_march_counts_each_support_day_once_without_holidays_and_dst_in_real_hours(march):
    report = reports.working_time_report(month=MARCH, now=AFTER_MARCH)

    # 23 weekdays minus Good Friday and Easter Monday: 21 support days, 2 hours each.
    assert totals(report, "anna") == (
        {PHONE: (12, Decimal("24.00")), STANDBY: (9, Decimal("18.00"))},
        21,
        Decimal("42.00"),
    )
    assert totals(report, "bernd") == (
        {PHONE: (9, Decimal("18.00")), STANDBY: (12, Decimal("24.00"))},
        21,
        Decimal("42.00"),
    )
    # 01:00–04:00 on the night the clocks jump from 02:00 to 03:00 lasts two hours.
    assert totals(report, "clara") == ({PHONE: (1, Decimal("2.00")), STANDBY: (0, Decimal("0.00"))}, 1, Decimal("2.00"))
    held_days = {d.date for d in person(report, "anna").held}
    assert date(2027, 3, 26) not in held_days and date(2027, 3, 29) not in held_days
    assert max(held_days) == date(2027, 3, 31)  # April days of the last week are not in March
    assert all(not p.planned for p in report.people)
    assert report.complete
    # Pool members without duties are listed with zero.
    assert totals(report, "david")[1:] == (0, Decimal("0.00"))


def test_only_what_was_held_counts_later_days_are_planned_and_drafts_are_left_out(march):
    RosterWeek.objects.filter(week_start=date(2027, 3, 29)).update(status="draft")

    report = reports.working_time_report(month=MARCH, now=datetime(2027, 3, 17, 17, 0, tzinfo=BERLIN))

    anna = person(report, "anna")
    assert len(anna.held) == 12  # 1–16 March; the window of the 17th ends at 18:00
    assert [d.date for d in anna.planned][:1] == [date(2027, 3, 17)]
    assert len(anna.planned) == 21 - 12 - 2  # the draft week's 30 and 31 March are left out
    assert anna.total_hours == Decimal("24.00")
    assert not report.complete


def test_csv_is_semicolon_separated_utf8_with_bom_and_parses_back_with_the_same_numbers(march):
    report = reports.working_time_report(month=MARCH, now=AFTER_MARCH)

    data = reports.report_csv(report)

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, lines = rows[0], rows[1:]
    assert len(header) == 9 and len(lines) == 21 + 21 + 1
    hours: dict[str, Decimal] = {}
    for line in lines:
        hours[line[1]] = hours.get(line[1], Decimal(0)) + Decimal(line[7].replace(",", "."))
    assert hours == {"anna": Decimal("42.00"), "bernd": Decimal("42.00"), "clara": Decimal("2.00")}
    clara = next(line for line in lines if line[1] == "clara")
    assert clara[2:3] + clara[5:8] == ["2027-03-28", "01:00", "04:00", "2,00"]
    assert {line[8] for line in lines} == {reports.category_label()}
    assert "overtime" not in data.decode("utf-8-sig").lower()


def test_xlsx_loads_back_with_the_same_numbers(march):
    report = reports.working_time_report(month=MARCH, now=AFTER_MARCH)

    workbook = openpyxl.load_workbook(io.BytesIO(reports.report_xlsx(report)))

    summary, days = workbook.worksheets
    header = [c.value for c in summary[1]]
    by_user = {row[1]: row for row in summary.iter_rows(min_row=2, values_only=True)}
    # Name, username, (count, hours) per duty, duties, hours, category.
    assert len(header) == 2 + 2 * 2 + 3
    assert by_user["anna"][2:8] == (12, 24, 9, 18, 21, 42)
    assert by_user["clara"][2:8] == (1, 2, 0, 0, 1, 2)
    assert by_user["anna"][8] == reports.category_label()
    day_rows = list(days.iter_rows(min_row=2, values_only=True))
    assert len(day_rows) == 43
    assert sum(r[7] for r in day_rows if r[1] == "bernd") == 42
    assert day_rows[0][2].date() == date(2027, 3, 1)  # openpyxl reads dates back as naive datetimes


# --- page and downloads ----------------------------------------------------------------------------


def test_an_agent_sees_only_their_own_report(client, march):
    with time_machine.travel(AFTER_MARCH, tick=False):
        client.force_login(march[0])  # the session must not have expired by then
        page = client.get(reverse("roster:working_time_report"), {"month": "2027-03"})
        download = client.get(reverse("roster:working_time_report_download", args=["csv"]), {"month": "2027-03"})

    assert page.status_code == 200
    assert [p.user.username for p in page.context["report"].people] == ["anna"]
    assert "Anna Huber" in page.text and "Bernd Maier" not in page.text
    assert "42,00" in page.text or "42.00" in page.text
    lines = download.content.decode("utf-8-sig").splitlines()[1:]
    assert {line.split(";")[1] for line in lines} == {"anna"}


def test_a_coordinator_sees_everyone_and_downloads_csv_and_xlsx(client, coordinator, march):
    with time_machine.travel(AFTER_MARCH, tick=False):
        client.force_login(coordinator)
        page = client.get(reverse("roster:working_time_report"), {"month": "2027-03"})
        csv_file = client.get(reverse("roster:working_time_report_download", args=["csv"]), {"month": "2027-03"})
        xlsx_file = client.get(reverse("roster:working_time_report_download", args=["xlsx"]), {"month": "2027-03"})

    assert {"anna", "bernd", "clara"} <= {p.user.username for p in page.context["report"].people}
    assert "style=" not in page.text.split("<main", 1)[1] and "<script" not in page.text.split("<main", 1)[1]
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_file["Content-Disposition"] == 'attachment; filename="working-time-2027-03.csv"'
    assert xlsx_file["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert openpyxl.load_workbook(io.BytesIO(xlsx_file.content)).worksheets[1].max_row == 44


def test_a_bad_month_or_format_is_not_found(client, agent):
    client.force_login(agent)

    assert client.get(reverse("roster:working_time_report"), {"month": "März"}).status_code == 404
    assert client.get(reverse("roster:working_time_report_download", args=["pdf"])).status_code == 404


def test_the_page_defaults_to_this_month(client, agent):
    with time_machine.travel(datetime(2026, 11, 30, 12, tzinfo=BERLIN), tick=False):
        client.force_login(agent)
        page = client.get(reverse("roster:working_time_report"))

    assert page.context["report"].first == date(2026, 11, 1)


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture
def api(client):
    def as_user(user):
        _token, raw = api_token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return as_user


def report_api(client, **params):
    with time_machine.travel(AFTER_MARCH, tick=False):
        return client.get(reverse("api-working-time-report"), params)


def test_api_returns_json_by_default_only_own_for_an_agent(api, march):
    response = report_api(api(march[0]), month="2027-03")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["month"] == "2027-03" and body["category"] == "regular_working_time"
    [anna] = body["people"]
    assert anna["username"] == "anna"
    assert anna["duties"] == {PHONE: {"count": 12, "hours": 24.0}, STANDBY: {"count": 9, "hours": 18.0}}
    assert (anna["total_count"], anna["total_hours"], len(anna["days"]), anna["planned"]) == (21, 42.0, 21, [])
    assert anna["days"][0] == {
        "date": "2027-03-01",
        "duty": PHONE,
        "start": "2027-03-01T16:00:00+01:00",
        "end": "2027-03-01T18:00:00+01:00",
        "hours": 2.0,
    }


def test_api_csv_and_xlsx_for_a_coordinator(api, coordinator, march):
    client = api(coordinator)

    csv_response = report_api(client, month="2027-03", format="csv")
    xlsx_response = report_api(client, month="2027-03", format="xlsx")

    assert csv_response.status_code == 200
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == 'attachment; filename="working-time-2027-03.csv"'
    assert len(csv_response.content.decode("utf-8-sig").splitlines()) == 44
    assert xlsx_response.status_code == 200
    assert xlsx_response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    summary = openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).worksheets[0]
    assert {row[1] for row in summary.iter_rows(min_row=2, values_only=True)} >= {"anna", "bernd", "clara"}


@pytest.mark.parametrize(("params", "detail"), [({"month": "2027-13"}, "month"), ({"format": "pdf"}, "format")])
def test_api_bad_parameters_are_400_json(api, agent, params, detail):
    response = report_api(api(agent), **params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert detail in response.json()["detail"]


def test_api_without_a_token_is_401(client):
    assert client.get(reverse("api-working-time-report")).status_code == 401
