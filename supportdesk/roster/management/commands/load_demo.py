"""Demo data: an invented team of eight with a published plan for this week and the next.

Loaded only into a database without users, so it never touches real data and
running it twice changes nothing. Every person and number is invented; the
numbers are the Bundesnetzagentur's "drama numbers" (Amtsblatt 7/2021,
Mitteilung 148/2021), which are never assigned to anyone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from supportdesk.accounts.models import Role, User
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, services
from supportdesk.roster.models import RosterWeek

DEMO_PASSWORD = "supportdesk"  # noqa: S105 - printed for the demo; passes the password validators
ALL_WEEK = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    extension: int
    """Last digits of the (fictional) office and mobile numbers."""
    role: str = Role.AGENT
    is_deputy: bool = False
    is_mailbox_head: bool = False
    pool_weekdays: tuple[int, ...] = ()
    """Weekdays in the afternoon pool; empty when not in the pool."""
    language: str = "de"
    groups: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def description(self) -> str:
        if self.role == Role.COORDINATOR:
            text = "deputy coordinator" if self.is_deputy else "coordinator"
        else:
            text = "mailbox head" if self.is_mailbox_head else "agent"
        if self.pool_weekdays:
            text += ", afternoon pool" + (" Mon–Wed" if self.pool_weekdays != ALL_WEEK else "")
        return text + (", English" if self.language == "en" else "")


SUPPORT_MANAGEMENT = "Support management"
SERVICE_MANAGEMENT = "Service management"

TEAM = [
    DemoPerson("kvogel", "Katrin", "Vogel", 101, role=Role.COORDINATOR, groups=(SUPPORT_MANAGEMENT,)),
    DemoPerson(
        "mbrandt",
        "Markus",
        "Brandt",
        102,
        role=Role.COORDINATOR,
        is_deputy=True,
        pool_weekdays=ALL_WEEK,
        groups=(SUPPORT_MANAGEMENT,),
    ),
    DemoPerson("sneumann", "Sabine", "Neumann", 103, is_mailbox_head=True, groups=(SERVICE_MANAGEMENT,)),
    DemoPerson("jkrueger", "Jana", "Krüger", 104, pool_weekdays=ALL_WEEK),
    DemoPerson("thartmann", "Tobias", "Hartmann", 105, pool_weekdays=ALL_WEEK, language="en"),
    DemoPerson("lzimmermann", "Lena", "Zimmermann", 106, pool_weekdays=ALL_WEEK, groups=(SERVICE_MANAGEMENT,)),
    DemoPerson("pschaefer", "Paul", "Schäfer", 107, pool_weekdays=ALL_WEEK),
    DemoPerson("mkoch", "Miriam", "Koch", 108, pool_weekdays=(0, 1, 2)),
]
COORDINATOR = "kvogel"
ADMIN = "admin"


def office_phone(extension: int) -> str:
    return f"+49 30 23125 {extension:03d}"  # Berlin drama numbers 030 23125 000–999


def mobile_phone(extension: int) -> str:
    return f"+49 40 66969 {extension + 100:03d}"  # Hamburg drama numbers 040 66969 000–999


def print_logins(write: Callable[[str], object], *, url: str | None = None) -> None:
    """The demo logins, for ``load_demo`` and ``supportdesk run``; ``write`` adds the line ends."""
    write(f"Open {url or settings.SITE_URL + '/'} and sign in as:")
    for person in TEAM:
        write(f"  {person.username:<12} {person.name} ({person.description})")
    write(f"  {ADMIN:<12} administrator (superuser, also /admin/)")
    write(f"Password for every demo user: {DEMO_PASSWORD}")


def demo_present() -> bool:
    return User.objects.filter(username=COORDINATOR).exists()


class Command(BaseCommand):
    help = "Load an invented demo team with a published plan; only into a database without users."

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            self.stdout.write("demo data already present (the database has users), nothing loaded.")
            return
        try:
            with transaction.atomic():
                weeks = _load()
        except (DomainError, ValidationError) as exc:
            raise CommandError(f"Demo data not loaded: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(TEAM)} people, {ADMIN!r} and a plan."))
        for week in weeks:
            year, number, _weekday = week.week_start.isocalendar()
            open_cells = week.assignments.filter(user__isnull=True).count()
            self.stdout.write(
                f"  {year}-W{number:02d} published (version {week.version})"
                + (f", {open_cells} duty(ies) still open" if open_cells else "")
            )
        self.stdout.write("Customers: none yet (they come with the tickets capability).")
        team_feed = services.feed_token_ensure(user=None)
        self.stdout.write(f"Team calendar: {settings.SITE_URL}/roster/feeds/{team_feed.token}.ics")
        self.stdout.write("Start everything with `supportdesk run` (or `make run`).")
        print_logins(self.stdout.write)


def _load() -> list[RosterWeek]:
    admin = User.objects.create_superuser(
        username=ADMIN, email="admin@demo.example", display_name="Administrator", role=Role.ADMIN
    )
    _set_password(admin)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (SUPPORT_MANAGEMENT, SERVICE_MANAGEMENT)}
    users = {}
    for person in TEAM:
        user = User.objects.create_user(
            username=person.username,
            email=f"{person.username}@demo.example",
            first_name=person.first_name,
            last_name=person.last_name,
            display_name=person.name,
            office_phone=office_phone(person.extension),
            mobile=mobile_phone(person.extension),
            language=person.language,
            role=person.role,
            is_deputy=person.is_deputy,
            is_mailbox_head=person.is_mailbox_head,
        )
        _set_password(user)
        user.groups.set([groups[name] for name in person.groups])
        users[person.username] = user
    coordinator = users[COORDINATOR]
    for person in TEAM:
        if person.pool_weekdays:
            services.pool_member_set(
                actor=coordinator, user=users[person.username], weekdays=list(person.pool_weekdays), active=True
            )
    _load_customers()
    return _load_plan(coordinator)


def _set_password(user: User) -> None:
    validate_password(DEMO_PASSWORD, user)
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])


def _load_customers() -> None:
    """Five customers, each with a project manager (R12 routes tickets to them).

    This comes with the tickets capability: there is no customer model yet, so
    nothing is stored now. The tickets work package fills in this function.
    """


def _load_plan(coordinator: User) -> list[RosterWeek]:
    """Draft and publish this week and the next, as the coordinator would in the jour fixe (R9)."""
    monday = bh.week_start(selectors.today())
    report = services.plan_generate(actor=coordinator, start=monday, end=monday + timedelta(days=13))
    return [services.week_publish(actor=coordinator, week=week) for week in report.weeks]
