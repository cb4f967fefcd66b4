"""Demo data: an invented team of eight with a published plan for this week and the next.

Loaded only into a database without users, so it never touches real data and
running it twice changes nothing. Every person and number is invented; the
numbers are the Bundesnetzagentur's "drama numbers" (Amtsblatt 7/2021,
Mitteilung 148/2021), which are never assigned to anyone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from supportdesk.accounts.models import Role, User
from supportdesk.core.exceptions import DomainError
from supportdesk.mailbox import services as mail_services
from supportdesk.mailbox.models import Mailbox
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors, services
from supportdesk.roster.models import RosterWeek
from supportdesk.tickets import services as ticket_services
from supportdesk.tickets.models import Team

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
        self.stdout.write(f"Customers: {len(CUSTOMERS)}, each with a project manager, a project and a contact.")
        self.stdout.write(f"Support mailbox: {_load_mails()} mails waiting for triage.")
        team_feed = services.feed_token_ensure(user=None)
        self.stdout.write(f"Team calendar: {settings.SITE_URL}/roster/feeds/{team_feed.token}.ics")
        self.stdout.write("Start everything with `supportdesk run` (or `make run`).")
        print_logins(self.stdout.write)


def _load() -> list[RosterWeek]:
    admin = User.objects.create_superuser(
        username=ADMIN, email="admin@demo.example", display_name="Administrator", role=Role.ADMIN
    )
    _set_password(admin)
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
        users[person.username] = user
    coordinator = users[COORDINATOR]
    for person in TEAM:
        if person.pool_weekdays:
            services.pool_member_set(
                actor=coordinator, user=users[person.username], weekdays=list(person.pool_weekdays), active=True
            )
    _load_customers(users, coordinator)
    return _load_plan(coordinator)


def _set_password(user: User) -> None:
    validate_password(DEMO_PASSWORD, user)
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])


@dataclass(frozen=True)
class DemoCustomer:
    code: str
    name: str
    project_manager: str
    project: str
    contact: str
    extension: int


CUSTOMERS = [
    DemoCustomer("stadtwerke-moosach", "Stadtwerke Moosach", "mbrandt", "Kundenportal", "Petra Lindner", 301),
    DemoCustomer("brauerei-hofmeier", "Brauerei Hofmeier KG", "lzimmermann", "Warenwirtschaft", "Uwe Hofmeier", 302),
    DemoCustomer("klinikum-isartal", "Klinikum Isartal", "pschaefer", "Terminbuchung", "Dr. Sandra Keller", 303),
    DemoCustomer("spedition-roth", "Spedition Roth GmbH", "jkrueger", "Tourenplanung", "Karl Roth", 304),
    DemoCustomer("verlag-sonnenhang", "Verlag am Sonnenhang", "thartmann", "Abo-Verwaltung", "Ines Wagner", 305),
]

DEMO_TICKETS = [
    ("stadtwerke-moosach", "Login im Kundenportal schlägt fehl", "Seit heute früh kein Login möglich.", 2),
    ("klinikum-isartal", "Export der Termine als PDF", "Bitte um Rückruf wegen des PDF-Exports.", 3),
    ("spedition-roth", "Neue Benutzerin anlegen", "Frau Berger braucht einen Zugang.", 4),
]


def _load_customers(users: dict[str, User], actor: User) -> int:
    """Five customers, each with a project manager, a project and a contact (R12),
    the two assignment teams with members, and a few open tickets."""
    teams = {team.slug: team for team in Team.objects.all()}
    for person in TEAM:
        for group in person.groups:
            slug = "support-management" if group == SUPPORT_MANAGEMENT else "service-management"
            if slug in teams:
                teams[slug].members.add(users[person.username])
    customers = {}
    for demo in CUSTOMERS:
        customer = ticket_services.customer_create(
            code=demo.code, name=demo.name, project_manager=users[demo.project_manager]
        )
        ticket_services.project_create(customer=customer, name=demo.project, manager=users[demo.project_manager])
        last = demo.contact.rpartition(" ")[2]
        ticket_services.contact_create(
            name=demo.contact,
            customer=customer,
            phones=[office_phone(demo.extension - 100)],
            emails=[f"{last.lower()}@{demo.code}.example"],
        )
        customers[demo.code] = customer
    for code, subject, body, priority in DEMO_TICKETS:
        customer = customers[code]
        ticket_services.ticket_create(
            actor=actor,
            subject=subject,
            body=body,
            priority=priority,
            channel="phone",
            customer=customer,
            contact=customer.contacts.first(),
        )
    return len(customers)


DEMO_MAILS = [
    (
        "Petra Lindner <lindner@stadtwerke-moosach.example>",
        "Rechnungsexport bricht ab",
        "Hallo Herr Brandt,\n\nder Export der Rechnungen bricht seit gestern bei 80 % ab.\n"
        "Können Sie sich das ansehen?\n\nViele Grüße\nPetra Lindner",
    ),
    (
        "Karl Roth <roth@spedition-roth.example>",
        "Frage zur Tourenplanung",
        "Guten Tag,\n\nwie können wir in der Tourenplanung Feiertage hinterlegen?\n\n"
        "Mit freundlichen Grüßen\nKarl Roth",
    ),
    (
        "Ines Wagner <wagner@verlag-sonnenhang.example>",
        "Subscription export",
        "Hi Tobias,\n\ncould you send me last month's subscription export again?\n\nThanks, Ines",
    ),
]


def _load_mails() -> int:
    """A few mails in the triage inbox, as if the support mailbox had received them.

    Filed under an inactive mailbox without a server, so the IMAP listener leaves it alone.
    Runs after the main transaction: the intake commits in a transaction of its own.
    """
    mailbox, _created = Mailbox.objects.get_or_create(name="Demo", defaults={"active": False})
    items = []
    for number, (sender, subject, body) in enumerate(DEMO_MAILS, start=1):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "support@demo.example"
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(idstring=f"demo{number}", domain="demo.example")
        message["Date"] = formatdate(localtime=True)
        message.set_content(body)
        items.append((None, message.as_bytes()))
    return len(mail_services.mails_ingest(mailbox=mailbox, items=items))


def _load_plan(coordinator: User) -> list[RosterWeek]:
    """Draft and publish this week and the next, as the coordinator would in the jour fixe (R9)."""
    monday = bh.week_start(selectors.today())
    report = services.plan_generate(actor=coordinator, start=monday, end=monday + timedelta(days=13))
    return [services.week_publish(actor=coordinator, week=week) for week in report.weeks]
