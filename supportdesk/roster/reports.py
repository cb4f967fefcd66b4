"""The working-time report (R8): support duties per person and month, as regular working time.

Support time is ordinary working time and never overtime, so the report only
states what was held, with the hours of each day's support window:

* **Held** are duties in *published* weeks whose window has ended by ``now``.
  They are the totals and the only lines of the CSV/XLSX export (what time
  tracking books).
* **Planned** are the month's published duties whose window has not ended
  yet; they are listed apart and never counted. Drafts are left out entirely.
* A day's hours are its window as the support calendar has it (end − start in
  real time, so a window across a DST change counts what the clock really
  ran). A cell on a day without a window (a closing day added after planning)
  counts nothing: there was no support that day.
"""

import csv
import io
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from supportdesk.accounts.models import User
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.models import Duty

CATEGORY = "regular_working_time"
"""The only category the report knows (R8): never overtime."""
HOURS = Decimal("0.01")


def category_label() -> str:
    return _("Regular working time")


@dataclass(frozen=True)
class DutyDay:
    date: date
    duty: Duty
    start: datetime
    end: datetime
    """Aware, in the team's time zone."""

    @property
    def hours(self) -> Decimal:
        seconds = (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds()
        return (Decimal(int(seconds)) / 3600).quantize(HOURS)


@dataclass(frozen=True)
class DutyTotal:
    duty: Duty
    count: int
    hours: Decimal


@dataclass
class PersonMonth:
    user: User
    held: list[DutyDay] = field(default_factory=list)
    planned: list[DutyDay] = field(default_factory=list)

    def totals(self, duties: Sequence[Duty]) -> list[DutyTotal]:
        return [
            DutyTotal(
                duty=duty,
                count=sum(1 for d in self.held if d.duty.pk == duty.pk),
                hours=sum((d.hours for d in self.held if d.duty.pk == duty.pk), Decimal("0.00")),
            )
            for duty in duties
        ]

    @property
    def total_count(self) -> int:
        return len(self.held)

    @property
    def total_hours(self) -> Decimal:
        return sum((d.hours for d in self.held), Decimal("0.00"))

    @property
    def planned_hours(self) -> Decimal:
        return sum((d.hours for d in self.planned), Decimal("0.00"))


@dataclass
class WorkingTimeReport:
    first: date
    last: date
    as_of: datetime
    duties: list[Duty]
    people: list[PersonMonth]

    @property
    def month_key(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def complete(self) -> bool:
        """True once every window of the month has ended: the figures are final."""
        return not any(p.planned for p in self.people) and self.last < selectors.today(self.as_of)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def working_time_report(
    *, month: date, users: Sequence[User] | None = None, now: datetime | None = None
) -> WorkingTimeReport:
    """The report of ``month`` for ``users`` (None: everyone who held a duty, plus the active pool)."""
    now = now or timezone.now()
    first, last = month_bounds(month)
    cal = selectors.support_calendar()
    rows: dict[int, PersonMonth] = {}
    if users is not None:
        rows = {u.pk: PersonMonth(user=u) for u in users}
    else:
        rows = {m.user_id: PersonMonth(user=m.user) for m in selectors.pool_members()}
    entries = selectors.published_entries(
        start=first, end=last, user_ids=None if users is None else [u.pk for u in users]
    )
    for a in entries:
        window = bh.window_on(cal, a.date)
        if window is None or a.user is None:
            continue
        row = rows.setdefault(a.user_id, PersonMonth(user=a.user))  # type: ignore[arg-type]
        day = DutyDay(date=a.date, duty=a.duty, start=window.start, end=window.end)
        (row.held if window.end <= now else row.planned).append(day)
    people = sorted(rows.values(), key=lambda p: (p.user.name.lower(), p.user.username))
    return WorkingTimeReport(first=first, last=last, as_of=now, duties=selectors.duty_list(), people=people)


def working_time_report_for(*, viewer: User, month: date, now: datetime | None = None) -> WorkingTimeReport:
    """Coordinators see everyone, anyone else only themselves."""
    return working_time_report(month=month, users=None if viewer.is_coordinator else [viewer], now=now)


# --- exports -------------------------------------------------------------------------------------


def _day_headers() -> list[str]:
    return [
        _("Name"),
        _("Username"),
        _("Date"),
        _("Weekday"),
        _("Duty"),
        _("Start"),
        _("End"),
        _("Hours"),
        _("Category"),
    ]


def _day_rows(report: WorkingTimeReport) -> list[tuple[PersonMonth, DutyDay]]:
    return [(person, day) for person in report.people for day in person.held]


def export_filename(report: WorkingTimeReport, extension: str) -> str:
    return f"working-time-{report.month_key}.{extension}"


def report_csv(report: WorkingTimeReport) -> bytes:
    """One line per held duty: semicolon-separated UTF-8 with BOM, decimal comma (German Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_day_headers())
    label = category_label()
    for person, day in _day_rows(report):
        writer.writerow(
            [
                person.user.name,
                person.user.username,
                day.date.isoformat(),
                formats.date_format(day.date, "D"),
                day.duty.name,
                f"{day.start:%H:%M}",
                f"{day.end:%H:%M}",
                f"{day.hours:.2f}".replace(".", ","),
                label,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: WorkingTimeReport) -> bytes:
    """Two sheets: the summary per person and one line per held duty (the CSV's lines)."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    label = category_label()
    header = [_("Name"), _("Username")]
    for duty in report.duties:
        header += [_("%(duty)s (duties)") % {"duty": duty.name}, _("%(duty)s (hours)") % {"duty": duty.name}]
    header += [_("Duties"), _("Hours"), _("Category")]
    summary.append(header)
    for person in report.people:
        line: list[object] = [person.user.name, person.user.username]
        for total in person.totals(report.duties):
            line += [total.count, total.hours]
        line += [person.total_count, person.total_hours, label]
        summary.append(line)
    days = workbook.create_sheet(_("Days")[:31])
    days.append(_day_headers())
    for person, day in _day_rows(report):
        days.append(
            [
                person.user.name,
                person.user.username,
                day.date,
                formats.date_format(day.date, "D"),
                day.duty.name,
                f"{day.start:%H:%M}",
                f"{day.end:%H:%M}",
                day.hours,
                label,
            ]
        )
    for sheet in (summary, days):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for (cell,) in days.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = "DD.MM.YYYY"
    for row in list(summary.iter_rows(min_row=2, min_col=3)) + list(days.iter_rows(min_row=2, min_col=8, max_col=8)):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_payload(report: WorkingTimeReport) -> dict[str, object]:
    """The JSON form of the report (API)."""

    def day(d: DutyDay) -> dict[str, object]:
        return {
            "date": d.date.isoformat(),
            "duty": d.duty.code,
            "start": d.start.isoformat(),
            "end": d.end.isoformat(),
            "hours": float(d.hours),
        }

    return {
        "month": report.month_key,
        "as_of": timezone.localtime(report.as_of).isoformat(),
        "category": CATEGORY,
        "category_label": category_label(),
        "complete": report.complete,
        "people": [
            {
                "username": p.user.username,
                "name": p.user.name,
                "duties": {t.duty.code: {"count": t.count, "hours": float(t.hours)} for t in p.totals(report.duties)},
                "total_count": p.total_count,
                "total_hours": float(p.total_hours),
                "days": [day(d) for d in p.held],
                "planned": [day(d) for d in p.planned],
            }
            for p in report.people
        ],
    }


def parse_month(raw: str | None, *, today: date) -> date:
    """``YYYY-MM`` (as ``<input type="month">`` sends it) to the month's first day; empty is this month.

    Raises ValueError for anything else.
    """
    if not raw:
        return today.replace(day=1)
    year, sep, month = raw.strip().partition("-")
    if not sep or len(year) != 4 or not year.isdigit() or not month.isdigit() or len(month) != 2:
        raise ValueError("month must look like YYYY-MM")
    first = date(int(year), int(month), 1)
    if not 2000 <= first.year <= 2100:
        raise ValueError("month must be between 2000 and 2100")
    return first
