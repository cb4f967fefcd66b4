"""``load_demo``: the invented team with six weeks of history (see ``supportdesk.core.demo``).

Loaded only into a database without users, so it never touches real data and running it
twice changes nothing.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from supportdesk.accounts.models import User
from supportdesk.core.demo import (
    ADMIN,
    CUSTOMERS,
    DEMO_PASSWORD,
    TEAM,
    demo_load,
    demo_present,
    print_logins,
)
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import services as roster_services
from supportdesk.roster.models import RosterWeek

__all__ = ["DEMO_PASSWORD", "TEAM", "Command", "demo_present", "print_logins"]


@contextmanager
def _quiet_services() -> Iterator[None]:
    """The services log every ticket and hand-over of the invented past; only errors are news here."""
    app_logger = logging.getLogger("supportdesk")
    level = app_logger.level
    app_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        app_logger.setLevel(level)


class Command(BaseCommand):
    help = "Load an invented demo team with six weeks of history; only into a database without users."

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            self.stdout.write("demo data already present (the database has users), nothing loaded.")
            return
        try:
            with _quiet_services():
                report = demo_load()
        except (DomainError, ValidationError) as exc:
            raise CommandError(f"Demo data not loaded: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(TEAM)} people, {ADMIN!r} and a plan."))
        for week in RosterWeek.objects.filter(pk__in=[w.pk for w in report.weeks]).order_by("week_start"):
            year, number, _weekday = week.week_start.isocalendar()
            open_cells = week.assignments.filter(user__isnull=True).count()
            self.stdout.write(
                f"  {year}-W{number:02d} published (version {week.version})"
                + (f", {open_cells} duty(ies) still open" if open_cells else "")
            )
        for change in report.changes:
            self.stdout.write(f"  plan change: {change}")
        self.stdout.write(f"Customers: {len(CUSTOMERS)}, each with a project manager, a project and a contact.")
        self.stdout.write(
            f"History: {report.tickets} tickets, {report.prio1} resolved Prio 1 case(s), "
            f"hand-overs and checks on {report.days} support days; its notices count as sent."
        )
        self.stdout.write(f"Support mailbox: {report.mails} mails waiting for triage.")
        team_feed = roster_services.feed_token_ensure(user=None)
        self.stdout.write(f"Team calendar: {settings.SITE_URL}/roster/feeds/{team_feed.token}.ics")
        self.stdout.write("Start everything with `supportdesk run` (or `make run`).")
        print_logins(self.stdout.write)
