"""The invented team: eight people and an administrator, with pool weekdays and teams.

Every person and number is invented; the numbers are the Bundesnetzagentur's "drama numbers"
(Amtsblatt 7/2021, Mitteilung 148/2021), which are never assigned to anyone.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from supportdesk.accounts.models import Role, User
from supportdesk.roster import services as roster_services
from supportdesk.tickets.models import Team

DEMO_PASSWORD = "supportdesk"  # noqa: S105 - printed for the demo; passes the password validators
ALL_WEEK = (0, 1, 2, 3, 4)
SUPPORT_MANAGEMENT = Team.SUPPORT_MANAGEMENT
SERVICE_MANAGEMENT = Team.SERVICE_MANAGEMENT


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
    teams: tuple[str, ...] = ()
    """Slugs of the assignment teams the person belongs to."""

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


TEAM = [
    DemoPerson("kvogel", "Katrin", "Vogel", 101, role=Role.COORDINATOR, teams=(SUPPORT_MANAGEMENT,)),
    DemoPerson(
        "mbrandt",
        "Markus",
        "Brandt",
        102,
        role=Role.COORDINATOR,
        is_deputy=True,
        pool_weekdays=ALL_WEEK,
        teams=(SUPPORT_MANAGEMENT,),
    ),
    DemoPerson("sneumann", "Sabine", "Neumann", 103, is_mailbox_head=True, teams=(SERVICE_MANAGEMENT,)),
    DemoPerson("jkrueger", "Jana", "Krüger", 104, pool_weekdays=ALL_WEEK),
    DemoPerson("thartmann", "Tobias", "Hartmann", 105, pool_weekdays=ALL_WEEK, language="en"),
    DemoPerson("lzimmermann", "Lena", "Zimmermann", 106, pool_weekdays=ALL_WEEK, teams=(SERVICE_MANAGEMENT,)),
    DemoPerson("pschaefer", "Paul", "Schäfer", 107, pool_weekdays=ALL_WEEK),
    DemoPerson("mkoch", "Miriam", "Koch", 108, pool_weekdays=(0, 1, 2)),
]
COORDINATOR = "kvogel"
MAILBOX_HEAD = "sneumann"
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


def people_create() -> dict[str, User]:
    """The administrator and the team, by username; the pool and the assignment teams are set up too."""
    # One hash for everyone: the password is printed anyway, and nine rounds of PBKDF2 would
    # take most of the demo's loading time.
    hashed = make_password(DEMO_PASSWORD)
    admin = User.objects.create_superuser(
        username=ADMIN, email="admin@demo.example", display_name="Administrator", role=Role.ADMIN
    )
    users = {ADMIN: admin}
    for person in TEAM:
        users[person.username] = User.objects.create_user(
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
    for user in users.values():
        validate_password(DEMO_PASSWORD, user)
        user.password = hashed
        user.save(update_fields=["password"])
    coordinator = users[COORDINATOR]
    teams = {team.slug: team for team in Team.objects.all()}
    for person in TEAM:
        if person.pool_weekdays:
            roster_services.pool_member_set(
                actor=coordinator, user=users[person.username], weekdays=list(person.pool_weekdays), active=True
            )
        for slug in person.teams:
            if slug in teams:
                teams[slug].members.add(users[person.username])
    return users
