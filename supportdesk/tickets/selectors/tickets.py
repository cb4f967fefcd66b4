"""Tickets as a user may read them: groups, the assignment suggestion (R12), the list with its views,
filters and pages, bulk changes and the open Prio 1 cases."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets.exceptions import TicketNotFound, UnknownGroup
from supportdesk.tickets.models import (
    OPEN_STATUSES,
    Customer,
    Prio1Case,
    Prio1Status,
    Project,
    Tag,
    Team,
    Ticket,
)

LIST_LIMIT = 500


def team_list() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def team_get(*, slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise UnknownGroup(_("Unknown group %(slug)r.") % {"slug": slug})
    return team


@dataclass(frozen=True)
class Suggestion:
    """Who should handle a ticket (R12): a person, else a group."""

    assignee: User | None
    group: Team | None
    reason: str
    """``project_manager``, ``customer_project_manager`` or ``support_management``."""


def assignment_suggest(*, customer: Customer | None, project: Project | None = None) -> Suggestion:
    """The project's manager, else the customer's project manager, else Support management."""
    if project is not None and project.manager_id and project.manager.is_active:  # type: ignore[union-attr]
        return Suggestion(assignee=project.manager, group=None, reason="project_manager")
    if customer is not None and customer.project_manager_id and customer.project_manager.is_active:  # type: ignore[union-attr]
        return Suggestion(assignee=customer.project_manager, group=None, reason="customer_project_manager")
    return Suggestion(
        assignee=None, group=Team.objects.filter(slug=Team.SUPPORT_MANAGEMENT).first(), reason="support_management"
    )


def _tickets_for(user: User) -> QuerySet[Ticket]:
    """Every active signed-in user (agents included) works tickets; others see none."""
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    return Ticket.objects.all()


def ticket_get_for_user(*, user: User, number: str) -> Ticket:
    found = list(
        _tickets_for(user)
        .select_related("customer__project_manager", "contact", "project", "assignee_group", "assignee", "created_by")
        .prefetch_related("tags")
        .filter(number=number)
        .order_by()[:1]  # the number is unique: no sort by the list's default order
    )
    if not found:
        raise TicketNotFound(_("No ticket %(number)s.") % {"number": number})
    return found[0]


VIEWS = ("open", "mine", "unassigned", "prio1_open", "due_next_working_day")
DEFAULT_VIEW = "open"
"""The ticket list's view when none is chosen: what is still to do (the API's default stays every ticket)."""
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "priority": ("priority", "due_at", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
}


@dataclass(frozen=True)
class TicketFilters:
    status: str = ""
    priority: int | None = None
    group: str = ""
    """A team slug, or ``none`` for tickets without a group."""
    assignee: str = ""
    """A username, ``me`` or ``none``."""
    customer: str = ""
    view: str = ""
    sort: str = "due"


def _filtered(
    *, user: User, filters: TicketFilters, now: datetime | None = None, cal: bh.SupportCalendar | None = None
) -> QuerySet[Ticket]:
    qs = _tickets_for(user)
    if filters.view == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.view == "mine":
        qs = qs.filter(
            Q(assignee=user) | Q(assignee__isnull=True, assignee_group__members=user), status__in=OPEN_STATUSES
        )
    elif filters.view == "unassigned":
        qs = qs.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    elif filters.view == "prio1_open":
        qs = qs.filter(priority=1, status__in=OPEN_STATUSES)
    elif filters.view == "due_next_working_day":
        cal = cal or support_calendar()
        next_start = bh.next_working_day_start(cal, now or timezone.now())
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=bh.next_working_day_start(cal, next_start))
    if filters.status == "open_all":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.group == "none":
        qs = qs.filter(assignee_group__isnull=True)
    elif filters.group:
        qs = qs.filter(assignee_group__slug=filters.group)
    if filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee:
        qs = qs.filter(assignee__username=filters.assignee)
    if filters.customer:
        qs = qs.filter(customer__code=filters.customer)
    if filters.view == "mine":
        qs = qs.distinct()  # a group with several of the user's memberships must not repeat a ticket
    return qs.select_related("customer", "contact", "assignee_group", "assignee").prefetch_related(Prefetch("tags"))


def ticket_list(
    *, user: User, filters: TicketFilters, now: datetime | None = None, cal: bh.SupportCalendar | None = None
) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered and sorted; a constant number of queries however many rows."""
    return _filtered(user=user, filters=filters, now=now, cal=cal).order_by(*SORTS.get(filters.sort, SORTS["due"]))


PAGE_ROWS = 50
MAX_PAGE = 200
"""Pages are LIMIT/OFFSET: fine for the first few thousand rows; beyond, narrow the filters."""
_USER_FIELDS = ("username", "display_name", "first_name", "last_name")


@dataclass(frozen=True)
class TicketPage:
    """One page of a ticket list or search; ``has_next`` comes from fetching one row more, never a count."""

    tickets: list[Ticket]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _page_number(page: int) -> int:
    return min(max(int(page or 1), 1), MAX_PAGE)


def _list_rows(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a list row shows: no user's password or flags, only the names of related rows;
    the tags as a list ``tag_list`` (``tags.all()`` per row clones a queryset each time)."""
    tags = Prefetch("tags", queryset=Tag.objects.only("name").order_by("name"), to_attr="tag_list")
    return (
        qs.prefetch_related(None)
        .prefetch_related(tags)
        .only(
            "number",
            "subject",
            "priority",
            "status",
            "due_at",
            "version",  # the bulk change's checkbox carries it (optimistic locking)
            "customer__name",
            "contact__name",
            "assignee_group__name",
            *(f"assignee__{f}" for f in _USER_FIELDS),
        )
    )


def ticket_list_page(
    *,
    user: User,
    filters: TicketFilters,
    page: int = 1,
    per_page: int = PAGE_ROWS,
    now: datetime | None = None,
    cal: bh.SupportCalendar | None = None,
) -> TicketPage:
    """Page ``page`` (from 1) of :func:`ticket_list`, with just the fields a list row shows."""
    number = _page_number(page)
    offset = (number - 1) * per_page
    rows = list(_list_rows(ticket_list(user=user, filters=filters, now=now, cal=cal))[offset : offset + per_page + 1])
    return TicketPage(tickets=rows[:per_page], number=number, has_next=len(rows) > per_page)


# --- Prio 1 cases ----------------------------------------------------------------------------


def prio1_cases_open(*, limit: int = 20) -> list[Prio1Case]:
    """Prio 1 cases not yet resolved, oldest first: what the Today page shows in red (R13)."""
    return list(
        Prio1Case.objects.exclude(status=Prio1Status.RESOLVED)
        .select_related("ticket", "ticket__customer", "ticket__contact", "opened_by")
        .order_by("opened_at")[:limit]
    )


# --- bulk changes ------------------------------------------------------------------------------

BULK_LIMIT = 200
"""At most this many tickets per bulk change (four list pages)."""


def tickets_for_bulk(*, user: User, numbers: Iterable[str]) -> dict[str, Ticket]:
    """The tickets among ``numbers`` the user may change, by number, in one query."""
    wanted = list(dict.fromkeys(numbers))[:BULK_LIMIT]
    return {t.number: t for t in _tickets_for(user).filter(number__in=wanted).order_by()}
