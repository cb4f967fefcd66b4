"""Reads of tickets, customers and contacts; every ticket read is scoped through the user."""

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from supportdesk.accounts.models import User
from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets import search
from supportdesk.tickets.exceptions import TicketNotFound, UnknownCustomer, UnknownGroup
from supportdesk.tickets.models import (
    OPEN_STATUSES,
    Article,
    ArticleKind,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    DigestItem,
    IntakeCheck,
    NotificationPreference,
    Prio1Case,
    Prio1Status,
    Project,
    Status,
    Tag,
    Team,
    Ticket,
    TicketChange,
)
from supportdesk.tickets.phones import phone_search_prefix
from supportdesk.tickets.ticket_page import ArticleMail, article_mails

SEARCH_LIMIT = 10
ZERO = timedelta(0)
LIST_LIMIT = 500


def team_list() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def team_get(*, slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise UnknownGroup(_("Unknown group %(slug)r.") % {"slug": slug})
    return team


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.order_by("name")


def customer_get(*, code: str) -> Customer:
    customer = Customer.objects.filter(code=code).select_related("project_manager").first()
    if customer is None:
        raise UnknownCustomer(_("Unknown customer %(code)r.") % {"code": code})
    return customer


def contact_by_phone(*, number: str) -> Contact | None:
    """The contact with this E.164 number (the oldest if several share it)."""
    return Contact.objects.filter(phones__number=number).order_by("id").first()


def contact_by_email(*, address: str) -> Contact | None:
    return Contact.objects.filter(emails__address=address.strip().lower()).order_by("id").first()


def contact_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Contact]:
    """Contacts whose number starts like ``query`` (any of the usual spellings) or whose name contains it.

    Each comes with its customer, the customer's project manager, its phones
    and mail addresses, and its open tickets as ``open_tickets``.
    """
    query = query.strip()
    if len(query) < 2:
        return []
    prefix = phone_search_prefix(query)
    condition = Q(phones__number__startswith=prefix) if prefix else Q(name__icontains=query)
    if not prefix:
        condition |= Q(customer__name__icontains=query) | Q(emails__address__icontains=query)
    ids = list(Contact.objects.filter(condition).values_list("id", flat=True).distinct()[: limit * 2])
    return list(
        Contact.objects.filter(id__in=ids)
        .select_related("customer__project_manager")
        .prefetch_related(
            "phones",
            "emails",
            Prefetch(
                "tickets",
                queryset=Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("priority", "due_at"),
                to_attr="open_tickets",
            ),
        )
        .order_by("name", "id")[:limit]
    )


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


def ticket_articles(*, ticket: Ticket) -> QuerySet:
    return ticket.articles.select_related("author").order_by("created_at", "id")


def ticket_history(*, ticket: Ticket) -> QuerySet[TicketChange]:
    return ticket.changes.select_related("changed_by").order_by("changed_at", "id")


HISTORY_FIELD_LABELS: dict[str, StrOrPromise] = {
    "subject": gettext_lazy("Subject"),
    "priority": gettext_lazy("Priority"),
    "status": gettext_lazy("Status"),
    "assignee_group": gettext_lazy("Group"),
    "assignee": gettext_lazy("Assignee"),
    "due_at": gettext_lazy("Due"),
    "customer": gettext_lazy("Customer"),
    "contact": gettext_lazy("Contact"),
    "project": gettext_lazy("Project"),
    "tags": gettext_lazy("Tags"),
}
"""The fields a history row names (``TicketChange.field``, a code) as people read them."""

HISTORY_TIME_FORMAT = "%Y-%m-%d %H:%M"
"""How ``ticket_update`` stores a due time in the history (local time of the team)."""


def ticket_change_field_label(field: str) -> str:
    """``priority`` → "Priorität" (in the active language); an unknown code stays as it is."""
    label = HISTORY_FIELD_LABELS.get(field)
    return str(label) if label is not None else field


def _status_label(value: str) -> str:
    """A stored status (the English label the history keeps, or the code) in the active language."""
    for status in Status:
        with translation.override(None):
            source_label = str(status.label)
        if value in (status.value, source_label):
            return str(status.label)
    return value


def _history_value(field: str, value: str) -> str:
    if not value:
        return "—"
    if field == "status":
        return _status_label(value)
    if field == "due_at":
        try:
            moment = datetime.strptime(value, HISTORY_TIME_FORMAT)  # noqa: DTZ007 - stored as the team's local time
        except ValueError:
            return value
        return date_format(moment, "SHORT_DATETIME_FORMAT")
    return value


@dataclass(frozen=True)
class HistoryEntry:
    """One history row as the ticket page shows it; the stored row keeps its codes (it is data)."""

    change: TicketChange
    text: str
    """E.g. "Ticket angelegt" or "Priorität: 3 → 1", in the active language."""


def ticket_change_text(change: TicketChange) -> str:
    """A history row as a sentence in the active language."""
    if change.field == "created":
        return _("Ticket created")
    return _("%(field)s: %(old)s → %(new)s") % {
        "field": ticket_change_field_label(change.field),
        "old": _history_value(change.field, change.old_value),
        "new": _history_value(change.field, change.new_value),
    }


@dataclass(frozen=True)
class TimelineEntry:
    """One article as the ticket page shows it."""

    article: Article
    text: str
    """The body; a status update's stored "New → Open" in the reader's language."""
    mail: ArticleMail | None = None
    """The mail the article came from or went out as, when it is one."""


def article_text(article: Article) -> str:
    """An article's body for the reader: status updates are stored with English labels (data)."""
    if article.kind != ArticleKind.STATUS_UPDATE:
        return article.body
    old, arrow, new = article.body.partition(" → ")
    if not arrow:
        return article.body
    return f"{_status_label(old)} → {_status_label(new)}"


def ticket_timeline(*, ticket: Ticket) -> list[TimelineEntry]:
    """The ticket's articles, oldest first, worded for the reader, each with its mail if it is one."""
    articles = list(ticket_articles(ticket=ticket))
    mails = article_mails(articles=articles)
    return [TimelineEntry(article=a, text=article_text(a), mail=mails.get(a.pk)) for a in articles]


def ticket_history_entries(*, ticket: Ticket) -> list[HistoryEntry]:
    """The ticket's history, oldest first, worded for the reader."""
    return [HistoryEntry(change=c, text=ticket_change_text(c)) for c in ticket_history(ticket=ticket)]


def ticket_changes_since(*, ticket: Ticket, version: int) -> list[TicketChange]:
    return list(ticket.changes.filter(version__gt=version).select_related("changed_by").order_by("version", "id"))


def tickets_open_for_contact(*, contact: Contact, limit: int = 10) -> list[Ticket]:
    return list(
        Ticket.objects.filter(contact=contact, status__in=OPEN_STATUSES)
        .select_related("assignee", "assignee_group")
        .order_by("priority", "due_at")[:limit]
    )


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


SEARCH_RESULTS = 50
SEARCH_CANDIDATES = 2000
"""PostgreSQL: hits in the articles alone are ranked among the newest this many of them."""
_EXCLUSION = re.compile(r"(?:^|\s)-\S")


def _search_ids_postgres(qs: QuerySet[Ticket], text: str, stop: int) -> list[tuple[int, float]]:
    """The first ``stop`` (id, rank) of the tickets in ``qs`` matching ``text``, best first.

    Hits in the small ``head`` vector (subject, names) first, by their rank there; then
    hits in the articles alone: the newest ``SEARCH_CANDIDATES`` of them (an index scan
    that stops early), ranked on the whole document. Ranking every document of a common
    word read each of them (two seconds at 100,000 tickets).
    """
    tsquery = search.postgres_query(text)
    if tsquery is None:
        return []
    heads = qs.filter(search_document__head=tsquery)
    if _EXCLUSION.search(text):  # "-word": the head holds no article text to rule a ticket out
        heads = heads.filter(search_document__document=tsquery)
    found = list(
        heads.annotate(rank=SearchRank(F("search_document__head"), tsquery))
        .order_by("-rank", "-id")
        .values_list("id", "rank")[:stop]
    )
    if len(found) < stop:
        candidates = (
            qs.filter(search_document__document=tsquery)
            .exclude(search_document__head=tsquery)
            .order_by("-id")
            .values("id")[:SEARCH_CANDIDATES]
        )
        found += list(
            Ticket.objects.filter(id__in=candidates)
            .annotate(rank=SearchRank(F("search_document__document"), tsquery))
            .order_by("-rank", "-id")
            .values_list("id", "rank")[: stop - len(found)]
        )
    return found


def _search_ids_sqlite(qs: QuerySet[Ticket], text: str, stop: int) -> list[tuple[int, float]]:
    expression = search.fts5_query(text)
    if not expression:
        return []
    # The FTS5 table joins through extra() (the ORM has no join to a table without a model); the
    # rank is an annotation, so that the ORM (and mypy's plugin) know it as a field of the rows.
    ranked = qs.extra(  # noqa: S610 - constant SQL; the query text is a bound parameter
        tables=[search.FTS_TABLE],
        where=[f"{search.FTS_TABLE}.rowid = tickets_ticket.id", f"{search.FTS_TABLE} MATCH %s"],
        params=[expression],
    ).annotate(rank=RawSQL(f"bm25({search.FTS_TABLE}, {search.FTS_WEIGHTS})", (), output_field=FloatField()))  # noqa: S611 - constant SQL
    return list(ranked.order_by("rank", "-id").values_list("id", "rank")[:stop])


def ticket_search_page(
    *,
    user: User,
    query: str,
    page: int = 1,
    per_page: int = SEARCH_RESULTS,
    filters: TicketFilters | None = None,
    now: datetime | None = None,
    rows: bool = True,
) -> TicketPage:
    """Page ``page`` of the tickets the user may see that match ``query``, best first.

    Subject hits rank above customer/contact name hits, which rank above article hits;
    ``filters`` narrow the result (their ``sort`` is ignored). Each ticket carries ``rank``.
    ``rows`` loads just what a list row shows (else whole tickets with their relations).
    """
    number = _page_number(page)
    offset = (number - 1) * per_page
    qs = _filtered(user=user, filters=filters or TicketFilters(), now=now)
    # ids first (the join order decides the ranking), then the rows of just this page
    qs_ids = qs.select_related(None).prefetch_related(None)
    find = _search_ids_postgres if connection.vendor == "postgresql" else _search_ids_sqlite
    found = find(qs_ids, query.strip(), offset + per_page + 1)[offset:]
    ranks = dict(found[:per_page])
    tickets = qs.filter(id__in=list(ranks)).order_by()
    by_id = {t.id: t for t in (_list_rows(tickets) if rows else tickets)}
    result = [by_id[i] for i in ranks if i in by_id]
    for ticket in result:
        ticket.rank = ranks[ticket.id]  # type: ignore[attr-defined]
    return TicketPage(tickets=result, number=number, has_next=len(found) > per_page)


def ticket_search(
    *,
    user: User,
    query: str,
    limit: int = SEARCH_RESULTS,
    filters: TicketFilters | None = None,
    now: datetime | None = None,
) -> list[Ticket]:
    """The first ``limit`` tickets of :func:`ticket_search_page`, whole (with their relations)."""
    return ticket_search_page(user=user, query=query, per_page=limit, filters=filters, now=now, rows=False).tickets


def contact_phone_numbers(*, contact: Contact) -> list[str]:
    return list(ContactPhone.objects.filter(contact=contact).values_list("number", flat=True))


def contact_email_addresses(*, contact: Contact) -> list[str]:
    return list(ContactEmail.objects.filter(contact=contact).values_list("address", flat=True))


# --- hourly intake check (R11) --------------------------------------------------------

DEFAULT_INTAKE_CHECK_TIMES = ("16:00", "17:00")
INTAKE_CHECK_OVERDUE = timedelta(minutes=15)


def intake_check_times() -> list[time]:
    """Wall-clock times of the check on every support day (``SUPPORTDESK_INTAKE_CHECK_TIMES``)."""
    raw = getattr(settings, "SUPPORTDESK_INTAKE_CHECK_TIMES", DEFAULT_INTAKE_CHECK_TIMES)
    return sorted(time.fromisoformat(t) if isinstance(t, str) else t for t in raw)


def intake_check_slots_on(*, cal: bh.SupportCalendar, day: date) -> list[datetime]:
    """The day's check moments (aware), or none on a day without a support window."""
    if bh.window_on(cal, day) is None:
        return []
    return [datetime.combine(day, t, tzinfo=cal.tz) for t in intake_check_times()]


def intake_check_last_slot(
    *, now: datetime, cal: bh.SupportCalendar | None = None, offset: timedelta = ZERO
) -> datetime | None:
    """The latest check moment plus ``offset`` at or before ``now`` within the past week, or None."""
    cal = cal or support_calendar()
    local = now.astimezone(cal.tz)
    for back in range(8):
        day = local.date() - timedelta(days=back)
        for slot in reversed(intake_check_slots_on(cal=cal, day=day)):
            if slot + offset <= local:
                return slot + offset
    return None


@dataclass(frozen=True)
class IntakeCheckView:
    check: IntakeCheck
    since: datetime
    """New tickets are counted from here: the previous check (when done) or one hour before."""
    new_tickets: list[Ticket]
    prio1_open: list[Ticket]
    overdue: bool


INTAKE_LIST_LIMIT = 50


def intake_checks_of_day(*, day: date, cal: bh.SupportCalendar | None = None) -> list[IntakeCheck]:
    """The intake checks due on ``day`` and the latest one before it, oldest first, in one query: all that
    ``intake_check_current(now, checks=...)`` needs for any moment of ``day``."""
    cal = cal or support_calendar()
    start = datetime.combine(day, time(0), tzinfo=cal.tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=cal.tz)
    before = IntakeCheck.objects.filter(due_at__lt=start).order_by("-due_at").values("pk")[:1]
    return list(
        IntakeCheck.objects.filter(Q(due_at__gte=start, due_at__lt=end) | Q(pk__in=before))
        .select_related("checked_by")
        .order_by("due_at")
    )


def intake_check_current(
    now: datetime | None = None, *, checks: Collection[IntakeCheck] | None = None
) -> IntakeCheckView | None:
    """Today's latest due intake check with what to look at, or None before the first one of the day.

    ``checks``: the caller's ``intake_checks_of_day(day=<the local day of now>)``; the checks are then
    taken from it instead of read (the tickets it lists are read either way)."""
    now = now or timezone.now()
    cal = support_calendar()
    local = now.astimezone(cal.tz)
    day_start = datetime.combine(local.date(), time(0), tzinfo=cal.tz)
    check: IntakeCheck | None
    previous: IntakeCheck | None
    if checks is None:
        check = (
            IntakeCheck.objects.filter(due_at__lte=now, due_at__gte=day_start)
            .select_related("checked_by")
            .order_by("-due_at")
            .first()
        )
        if check is None:
            return None
        previous = IntakeCheck.objects.filter(due_at__lt=check.due_at).order_by("-due_at").first()
    else:
        check = max((c for c in checks if day_start <= c.due_at <= now), key=lambda c: c.due_at, default=None)
        if check is None:
            return None
        due_at = check.due_at
        previous = max((c for c in checks if c.due_at < due_at), key=lambda c: c.due_at, default=None)
    since = check.due_at - timedelta(hours=1)
    if previous is not None and previous.checked_at is not None:
        since = min(previous.checked_at, check.due_at)
    related = ("customer", "contact", "assignee", "assignee_group")
    new_tickets = list(
        Ticket.objects.filter(created_at__gt=since, created_at__lte=now)
        .select_related(*related)
        .order_by("priority", "-created_at")[:INTAKE_LIST_LIMIT]
    )
    prio1 = list(
        Ticket.objects.filter(priority=1, status__in=OPEN_STATUSES)
        .select_related(*related)
        .order_by("created_at")[:INTAKE_LIST_LIMIT]
    )
    overdue = check.checked_at is None and now >= check.due_at + INTAKE_CHECK_OVERDUE
    return IntakeCheckView(check=check, since=since, new_tickets=new_tickets, prio1_open=prio1, overdue=overdue)


def intake_check_get(*, pk: int) -> IntakeCheck | None:
    return IntakeCheck.objects.filter(pk=pk).first()


# --- notices and digest --------------------------------------------------------------


def wants_digest(*, user: User) -> bool:
    pref = NotificationPreference.objects.filter(user=user).first()
    return True if pref is None else pref.digest


def digest_pending() -> dict[int, list[DigestItem]]:
    """Pending digest items per user id, oldest first, with their tickets."""
    result: dict[int, list[DigestItem]] = {}
    items = (
        DigestItem.objects.filter(digested_at__isnull=True, user__is_active=True)
        .select_related("user", "ticket__customer")
        .order_by("user_id", "created_at", "id")
    )
    for item in items:
        result.setdefault(item.user_id, []).append(item)
    return result


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


# --- customer pages ---------------------------------------------------------------------------

CUSTOMER_PAGE_ROWS = 50


@dataclass(frozen=True)
class CustomerPage:
    customers: Sequence[Customer]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def customer_list_page(*, query: str = "", page: int = 1, per_page: int = CUSTOMER_PAGE_ROWS) -> CustomerPage:
    """Customers whose name or key contains ``query``, by name, with their project manager and
    ``open_ticket_count``; one query whatever the number of rows."""
    number = _page_number(page)
    qs = Customer.objects.select_related("project_manager")
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    qs = qs.annotate(open_ticket_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)))
    offset = (number - 1) * per_page
    rows = list(qs.order_by("name", "id")[offset : offset + per_page + 1])
    return CustomerPage(customers=rows[:per_page], number=number, has_next=len(rows) > per_page)


def customer_contacts(*, customer: Customer) -> list[Contact]:
    return list(customer.contacts.prefetch_related("phones", "emails").order_by("name", "id"))


def customer_projects(*, customer: Customer) -> list[Project]:
    return list(customer.projects.select_related("manager").order_by("name"))


def customer_open_tickets(*, customer: Customer, limit: int = 50) -> list[Ticket]:
    return list(
        Ticket.objects.filter(customer=customer, status__in=OPEN_STATUSES)
        .select_related("contact", "assignee", "assignee_group")
        .order_by("priority", "due_at", "id")[:limit]
    )


def contact_get(*, customer: Customer, pk: int) -> Contact | None:
    """A contact of this customer (never one of another customer's, whatever the id says)."""
    return customer.contacts.prefetch_related("phones", "emails").filter(pk=pk).first()
