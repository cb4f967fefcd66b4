import re
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, services
from supportdesk.roster.models import RosterWeek

ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def parse_day(raw: str, option: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD (got {raw!r}).") from exc


def parse_iso_week(raw: str) -> date:
    """``2026-W49`` → the Monday of that ISO week."""
    match = ISO_WEEK.match(raw.strip())
    if match is None:
        raise CommandError(f"--week must be an ISO week as YYYY-Www, e.g. 2026-W49 (got {raw!r}).")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise CommandError(f"--week: {exc} (got {raw!r}).") from exc


def iso_week(monday: date) -> str:
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


class Command(BaseCommand):
    help = (
        "The weekly plan: `plan generate --start YYYY-MM-DD --end YYYY-MM-DD` drafts the unpublished weeks, "
        "`plan publish --week YYYY-Www --as USERNAME` publishes one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="Draft every unpublished week between two dates (as the system).")
        generate.add_argument("--start", help="YYYY-MM-DD; default Monday of next week.")
        generate.add_argument("--end", help="YYYY-MM-DD; default the Sunday of the start's week.")
        publish = sub.add_parser("publish", help="Publish one week and notify everyone on it.")
        publish.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49.")
        publish.add_argument("--as", dest="actor", required=True, help="User name of the coordinator publishing.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "generate":
            self.generate(start=options.get("start"), end=options.get("end"))
        else:
            self.publish(week=options["week"], actor=options["actor"])

    def generate(self, *, start: str | None, end: str | None) -> None:
        first = parse_day(start, "--start") if start else bh.week_start(selectors.today()) + timedelta(weeks=1)
        last = parse_day(end, "--end") if end else bh.week_start(first) + timedelta(days=6)
        if last < first:
            raise CommandError("--end must not be before --start.")
        try:
            with translation.override("en"):  # the command speaks English, as its other output
                report = services.plan_generate(actor=None, start=first, end=last)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        cal = selectors.support_calendar()
        for week in report.weeks:
            self.print_week(week, cal)
        for monday in report.skipped_published:
            self.stdout.write(f"{iso_week(monday)}: already published, left as it is (change it cell by cell).")
        if report.problems:
            self.stdout.write(self.style.WARNING(f"{len(report.problems)} problem(s):"))
            for problem in report.problems:
                self.stdout.write(f"  {problem.date:%a %d.%m.%Y} {problem.duty}: {problem.reason}")
        elif report.weeks:
            self.stdout.write(self.style.SUCCESS("Every duty is filled."))

    def print_week(self, week: RosterWeek, cal: bh.SupportCalendar) -> None:
        grid = selectors.week_grid(week_start=week.week_start, cal=cal)
        duties = selectors.duty_list()
        self.stdout.write(
            f"{iso_week(week.week_start)} ({week.week_start:%d.%m.}–{week.week_start + timedelta(days=6):%d.%m.%Y}), "
            f"{week.get_status_display()}"
        )
        for day in grid.days:
            if day in grid.closed:
                self.stdout.write(f"  {day:%a %d.%m.}  closed: {grid.closed[day]}")
                continue
            cells = []
            for duty in duties:
                cell = grid.cells.get((day, duty.code))
                holder = cell.user.name if cell is not None and cell.user is not None else "OPEN"
                substitute = " (substitute)" if cell is not None and cell.is_substitute else ""
                cells.append(f"{duty.name}: {holder}{substitute}")
            self.stdout.write(f"  {day:%a %d.%m.}  " + " | ".join(cells))

    def publish(self, *, week: str, actor: str) -> None:
        monday = parse_iso_week(week)
        user = User.objects.filter(username=actor, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {actor!r}.")
        roster_week = selectors.week_get(week_start=monday)
        if roster_week is None or not roster_week.assignments.exists():
            raise CommandError(f"{iso_week(monday)} has no plan yet; run `supportdesk plan generate` first.")
        if roster_week.is_published:
            raise CommandError(
                f"{iso_week(monday)} is already published (version {roster_week.version}); "
                "change it cell by cell instead."
            )
        try:
            with translation.override("en"):  # the command speaks English, as its other output
                published = services.week_publish(actor=user, week=roster_week)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        open_cells = published.assignments.filter(user__isnull=True).select_related("duty").order_by("date")
        for cell in open_cells:
            self.stdout.write(self.style.WARNING(f"  still open: {cell.date:%a %d.%m.%Y} {cell.duty.name}"))
        self.stdout.write(
            self.style.SUCCESS(f"Published {iso_week(monday)} as version {published.version} by {user.username}.")
        )
