import json
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.api import oncall_payload
from supportdesk.roster.models import Duty


def parse_moment(raw: str) -> datetime:
    """ISO 8601; a moment without an offset is the team's wall-clock time."""
    try:
        moment = parse_datetime(raw.strip())
    except ValueError as exc:
        raise CommandError(f"--at: {exc} (got {raw!r}).") from exc
    if moment is None:
        raise CommandError(f"--at must be an ISO 8601 moment such as 2026-11-30T16:30 (got {raw!r}).")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment


class Command(BaseCommand):
    help = "Who is on duty now (or at --at): the support window, names and numbers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="ISO 8601 moment, e.g. 2026-11-30T16:30 (team time zone); default now.")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the same JSON as GET /api/v1/oncall."
        )

    def handle(self, *args: Any, at: str | None, as_json: bool, **options: Any) -> None:
        moment = parse_moment(at) if at else timezone.now()
        payload = oncall_payload(at=moment)
        if as_json:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        cal = selectors.support_calendar()
        self.stdout.write(f"{moment.astimezone(cal.tz):%a %d.%m.%Y %H:%M} ({cal.tz.key})")
        window = bh.window_at(cal, moment)
        if window is None:
            self.stdout.write("No support window at this moment.")
            upcoming = next_window(cal, moment)
            if upcoming is not None:
                self.stdout.write(f"Next window: {upcoming.start:%a %d.%m.%Y %H:%M}–{upcoming.end:%H:%M}")
            return
        self.stdout.write(f"Support window {window.start:%H:%M}–{window.end:%H:%M}")
        duties = {d.code: d.name for d in selectors.duty_list()}
        labels = {code: duties.get(code, code) for code in (Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY)}
        width = max(len(label) for label in labels.values())
        for code, label in labels.items():
            person = payload[code]
            if person is None:
                self.stdout.write(self.style.WARNING(f"{label:<{width}}  OPEN: nobody holds this duty"))
                continue
            numbers = [f"{kind} {person[kind]}" for kind in ("phone", "mobile") if person[kind]]
            self.stdout.write(
                f"{label:<{width}}  {person['name']} ({person['username']})  {', '.join(numbers) or 'no number'}"
            )


def next_window(cal: bh.SupportCalendar, moment: datetime, days: int = 31) -> bh.Window | None:
    """The first window that starts after ``moment``, within ``days``."""
    horizon = datetime.combine(moment.astimezone(cal.tz).date() + timedelta(days=days), time(), cal.tz)
    return next((w for w in bh.windows_between(cal, moment, horizon) if w.start > moment), None)
