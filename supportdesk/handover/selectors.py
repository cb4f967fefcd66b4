"""Reads of the day's flow: who holds the line, who owns triage, the day's timeline (R10, R15–R17, R20, R22)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Literal

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, Window
from django.utils import timezone, translation

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_get_mailbox_head, user_list_coordinators
from supportdesk.handover import conf
from supportdesk.handover.models import (
    ChecklistText,
    ClosingCheck,
    DayFlowSettings,
    DayPresence,
    Handover,
    PresenceState,
    ReadinessCheck,
    RoutingState,
    RoutingTarget,
)
from supportdesk.mailbox import conf as mailbox_conf
from supportdesk.mailbox import selectors as mailbox_selectors
from supportdesk.mailbox.models import InboundMail
from supportdesk.roster import business_hours as bh
from supportdesk.roster.contacts import tel_uri
from supportdesk.roster.models import Absence, Assignment, Duty
from supportdesk.roster.selectors import absent_user_ids_on, holders_on, support_calendar, user_is_absent
from supportdesk.tickets.models import OPEN_STATUSES, IntakeCheck, Prio1Case, Ticket
from supportdesk.tickets.selectors import (
    INTAKE_CHECK_OVERDUE,
    INTAKE_LIST_LIMIT,
    IntakeCheckView,
    intake_check_slots_on,
    prio1_cases_open,
)

DEFAULT_CHECKLIST = {
    "de": "Telefon zurück in die Ladeschale stellen.\nAnrufbeantworter einschalten.",
    "en": "Put the phone back on its charger.\nSwitch the answering machine on.",
}


def day_flow_settings_get() -> DayFlowSettings:
    """The coordinators' settings of the day's flow; the row is made on first use with ``conf.defaults()``."""
    row = DayFlowSettings.objects.select_related("triage_owner").filter(pk=1).first()
    if row is not None:
        return row
    username = mailbox_conf.triage_owner_username()
    owner = User.objects.filter(username=username, is_active=True).first() if username else None
    row, _created = DayFlowSettings.objects.get_or_create(pk=1, defaults={**conf.defaults(), "triage_owner": owner})
    return row


@dataclass(frozen=True)
class FlowExample:
    """The settings applied to a window of the support calendar, for the settings page."""

    window_start: time
    window_end: time
    ask: time
    alert: time
    closing_overdue: time


def day_flow_example(*, flow: DayFlowSettings) -> FlowExample | None:
    """The first weekday's window with the settings' readiness and closing times, or None without windows."""
    cal = support_calendar()
    if not cal.windows:
        return None
    start, end = cal.windows[min(cal.windows)]
    base = datetime.combine(date(2000, 1, 3), start)
    close = datetime.combine(date(2000, 1, 3), end)
    return FlowExample(
        window_start=start,
        window_end=end,
        ask=(base - flow.readiness_lead).time(),
        alert=(base + flow.readiness_grace).time(),
        closing_overdue=(close + flow.closing_grace).time(),
    )


def local_day(now: datetime, cal: bh.SupportCalendar | None = None) -> date:
    cal = cal or support_calendar()
    return now.astimezone(cal.tz).date()


def duty_holder(*, day: date, duty: str) -> User | None:
    """The published holder of ``duty`` on ``day``, or None (drafts never route calls)."""
    assignment = holders_on(day=day, published_only=True).get(duty)
    return assignment.user if assignment is not None else None


def duty_contact(*, day: date, duty: str) -> tuple[User | None, str]:
    """The published holder of ``duty`` and the number callers need for it (the duty's contact field, as
    the Today page's duty cards show it; R16), or ``(None, "")``."""
    assignment = holders_on(day=day, published_only=True).get(duty)
    if assignment is None or assignment.user is None:
        return None, ""
    return assignment.user, str(getattr(assignment.user, assignment.duty.contact_field, "") or "")


def leaving_moment(*, presence: DayPresence) -> datetime:
    """When the mailbox head said she leaves (aware); the end of her day for any other presence."""
    cal = support_calendar()
    if presence.state == PresenceState.LEAVING and presence.leaving_at is not None:
        return datetime.combine(presence.date, presence.leaving_at, tzinfo=cal.tz)
    return datetime.combine(presence.date, time(23, 59), tzinfo=cal.tz)


def leaving_due(*, now: datetime) -> datetime | None:
    """When the mailbox head's part of today ended, once it has (the ``handover.leaving`` job's slot): her
    "leaving at" time, or the start of core hours when the roster has her absent and she said nothing."""
    head = user_get_mailbox_head()
    if head is None:
        return None
    cal = support_calendar()
    day = local_day(now, cal)
    presence = presence_on(user=head, day=day)
    if presence is None:
        if not (bh.is_working_day(cal, day) or bh.window_on(cal, day)) or not user_is_absent(user=head, day=day):
            return None
        moment = datetime.combine(day, cal.core_hours[0], tzinfo=cal.tz)
    elif presence.state == PresenceState.LEAVING:
        moment = leaving_moment(presence=presence)
    else:
        return None
    return moment if moment <= now else None


def handover_on(*, day: date) -> Handover | None:
    return Handover.objects.select_related("from_user", "to_user").filter(date=day).first()


def handover_get(*, pk: int) -> Handover | None:
    return Handover.objects.select_related("from_user", "to_user").filter(pk=pk).first()


def presence_on(*, user: User, day: date) -> DayPresence | None:
    return DayPresence.objects.filter(user=user, date=day).first()


class DayReads:
    """What one request reads about the local day of ``now``, each at most once.

    The Today page asks for the same day's flow settings, published holders, mailbox head and hand-over
    from the routing, the timeline, the triage owner and the standby card; passing one ``DayReads`` down
    reads each once. It lives for one request only: nothing is kept between requests.
    """

    def __init__(
        self,
        *,
        now: datetime,
        cal: bh.SupportCalendar | None = None,
        holders: dict[str, Assignment] | None = None,
    ) -> None:
        self.now = now
        self.cal = cal or support_calendar()
        self.day = local_day(now, self.cal)
        if holders is not None:
            # Already read by the caller (the Today page's duty cards): ``holders_on(day, published_only=True)``.
            self.__dict__["holders"] = holders

    @cached_property
    def flow(self) -> DayFlowSettings:
        return day_flow_settings_get()

    @cached_property
    def holders(self) -> dict[str, Assignment]:
        """The day's published cells by duty code (drafts never route calls)."""
        return holders_on(day=self.day, published_only=True)

    def holder(self, duty: str) -> User | None:
        assignment = self.holders.get(duty)
        return assignment.user if assignment is not None else None

    def contact(self, duty: str) -> tuple[User | None, str]:
        assignment = self.holders.get(duty)
        if assignment is None or assignment.user is None:
            return None, ""
        return assignment.user, str(getattr(assignment.user, assignment.duty.contact_field, "") or "")

    @cached_property
    def _head_day(self) -> tuple[User | None, DayPresence | None, bool]:
        """``user_get_mailbox_head()`` with her presence row of the day and whether the roster has her absent,
        in one query (her presence is unique per day, so the join adds no rows)."""
        head = (
            User.objects.filter(is_active=True, is_mailbox_head=True)
            .annotate(
                today=FilteredRelation("day_presences", condition=Q(day_presences__date=self.day)),
                presence_pk=F("today__pk"),
                presence_state=F("today__state"),
                presence_leaving_at=F("today__leaving_at"),
                presence_updated_at=F("today__updated_at"),
                absent_today=Exists(
                    Absence.objects.filter(user=OuterRef("pk"), start__lte=self.day, end__gte=self.day)
                ),
            )
            .first()
        )
        if head is None:
            return None, None, False
        presence = None
        if head.presence_pk is not None:
            presence = DayPresence(
                pk=head.presence_pk,
                user=head,
                date=self.day,
                state=head.presence_state,
                leaving_at=head.presence_leaving_at,
                updated_at=head.presence_updated_at,
            )
            presence._state.adding = False
        return head, presence, bool(head.absent_today)

    @property
    def head(self) -> User | None:
        return self._head_day[0]

    @property
    def head_presence(self) -> DayPresence | None:
        return self._head_day[1]

    @property
    def head_absent(self) -> bool:
        return self._head_day[2]

    @cached_property
    def handover(self) -> Handover | None:
        return handover_on(day=self.day)

    @cached_property
    def intake_checks(self) -> list[IntakeCheck]:
        """The day's intake checks and the latest one before the day, oldest first, in one query."""
        start = datetime.combine(self.day, time(0), tzinfo=self.cal.tz)
        end = datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=self.cal.tz)
        before = IntakeCheck.objects.filter(due_at__lt=start).order_by("-due_at").values("pk")[:1]
        return list(
            IntakeCheck.objects.filter(Q(due_at__gte=start, due_at__lt=end) | Q(pk__in=before))
            .select_related("checked_by")
            .order_by("due_at")
        )


def _reads_for(reads: DayReads | None, *, now: datetime, cal: bh.SupportCalendar | None = None) -> DayReads:
    """``reads`` when it was made for the same local day as ``now``, else fresh reads."""
    if reads is not None and reads.day == local_day(now, reads.cal):
        return reads
    return DayReads(now=now, cal=cal)


def head_present_at(
    *, head: User | None, now: datetime, cal: bh.SupportCalendar | None = None, reads: DayReads | None = None
) -> bool:
    """Whether the mailbox head is at her desk at ``now`` by her own word, else by the roster's absences."""
    if head is None:
        return False
    cal = cal or support_calendar()
    local = now.astimezone(cal.tz)
    known = reads is not None and reads.head is not None and reads.head.pk == head.pk and reads.day == local.date()
    presence = reads.head_presence if reads is not None and known else presence_on(user=head, day=local.date())
    if presence is None:
        if reads is not None and known:
            return not reads.head_absent
        return not user_is_absent(user=head, day=local.date())
    if presence.state == PresenceState.AWAY:
        return False
    if presence.state == PresenceState.LEAVING and presence.leaving_at is not None:
        return local.time() < presence.leaving_at
    return True


def _number(user: User) -> str:
    return user.office_phone or user.mobile


def _head_phase_end(cal: bh.SupportCalendar, day: date) -> datetime:
    """The head's part of the day ends at the window start, or at the end of core hours without a window."""
    window = bh.window_on(cal, day)
    return window.start if window else datetime.combine(day, cal.core_hours[1], tzinfo=cal.tz)


@dataclass(frozen=True)
class Routing:
    target: str
    user: User | None
    until: datetime | None

    @property
    def name(self) -> str:
        return self.user.name if self.user else ""

    @property
    def number(self) -> str:
        return _number(self.user) if self.user else ""

    @property
    def dial(self) -> str:
        """What a PBX dials: the number, or ``voicemail``."""
        return self.number if self.target != RoutingTarget.VOICEMAIL and self.number else "voicemail"

    def payload(self) -> dict[str, str | None]:
        return {
            "target": self.target,
            "name": self.name,
            "number": self.number or None,
            "until": self.until.isoformat() if self.until else None,
        }


def line_fallback(*, day: date, until: datetime | None, reads: DayReads | None = None) -> Routing:
    """Nobody at the head's desk: the day's published phone duty, else the first coordinator (documented in README).

    A hand-over while the head is away or leaving goes to the same person, so that the line and the
    notice never disagree."""
    if reads is not None and reads.day == day:
        phone = reads.holder(Duty.PHONE_DUTY)
    else:
        phone = duty_holder(day=day, duty=Duty.PHONE_DUTY)
    if phone is not None:
        return Routing(target=RoutingTarget.PHONE_DUTY, user=phone, until=until)
    coordinators = user_list_coordinators(absent_user_ids=absent_user_ids_on(day=day))
    if coordinators:
        return Routing(target=RoutingTarget.COORDINATOR, user=coordinators[0], until=until)
    return Routing(target=RoutingTarget.VOICEMAIL, user=None, until=until)


def routing_at(*, now: datetime, cal: bh.SupportCalendar | None = None, reads: DayReads | None = None) -> Routing:
    """Where the support line rings at ``now`` (R10, R15, R22).

    Core hours, mailbox head present and not handed over → the head; after the
    hand-over and during the window → the phone duty; after the window, before
    core hours, on days off and after an after-hours hand-over → voicemail.
    ``reads`` shares what the caller has read about the day already.
    """
    cal = cal or (reads.cal if reads is not None else support_calendar())
    reads = _reads_for(reads, now=now, cal=cal)
    local = now.astimezone(cal.tz)
    day = local.date()
    voicemail = Routing(target=RoutingTarget.VOICEMAIL, user=None, until=bh.next_working_day_start(cal, now))
    if not bh.is_working_day(cal, day) and bh.window_on(cal, day) is None:
        return voicemail
    window = bh.window_on(cal, day)
    core_start = datetime.combine(day, cal.core_hours[0], tzinfo=cal.tz)
    head_end = _head_phase_end(cal, day)
    if window is not None and window.contains(local):
        return line_fallback(day=day, until=window.end, reads=reads)
    if local < core_start or local >= head_end:
        return voicemail
    handover = reads.handover
    if handover is not None and handover.performed_at <= now:
        if handover.to_user is None:
            return voicemail
        if handover.to_target == RoutingTarget.COORDINATOR:
            # Nobody was published at the hand-over: the coordinator until the window, which has its own answer.
            return Routing(target=RoutingTarget.COORDINATOR, user=handover.to_user, until=head_end)
        return Routing(target=RoutingTarget.PHONE_DUTY, user=handover.to_user, until=window.end if window else None)
    head = reads.head
    if head is not None and head_present_at(head=head, now=now, cal=cal, reads=reads):
        presence = reads.head_presence
        until = head_end
        if presence is not None and presence.state == PresenceState.LEAVING and presence.leaving_at is not None:
            until = min(until, datetime.combine(day, presence.leaving_at, tzinfo=cal.tz))
        return Routing(target=RoutingTarget.MAILBOX_HEAD, user=head, until=until)
    return line_fallback(day=day, until=window.end if window else head_end, reads=reads)


def triage_owner(now: datetime | None = None) -> User | None:
    """Who owns the triage inbox at ``now``: the mailbox head (or the day's flow settings' triage owner)
    before the hand-over, the day's phone duty after it and while the head is away; the head again after
    the window."""
    now = now or timezone.now()
    reads = DayReads(now=now)
    return _triage_owner_for(routing_at(now=now, reads=reads), reads=reads)


def _triage_owner_for(routing: Routing, *, reads: DayReads | None = None) -> User | None:
    if routing.target in (RoutingTarget.PHONE_DUTY, RoutingTarget.COORDINATOR):
        return routing.user
    if reads is not None:
        return reads.flow.triage_owner or reads.head
    return day_flow_settings_get().triage_owner or user_get_mailbox_head()


def last_routing_state() -> RoutingState | None:
    return RoutingState.objects.order_by("-changed_at", "-id").first()


@dataclass(frozen=True)
class OpenItems:
    triage_waiting: int
    tickets_today: int
    prio1_open: list


def open_items(*, now: datetime) -> OpenItems:
    """What the hand-over notice lists: triage items waiting, tickets created today, open Prio 1 cases."""
    cal = support_calendar()
    day_start = datetime.combine(local_day(now, cal), time(0), tzinfo=cal.tz)
    return OpenItems(
        triage_waiting=mailbox_selectors.inbound_mail_triage_list().count(),
        tickets_today=Ticket.objects.filter(created_at__gte=day_start, created_at__lte=now).count(),
        prio1_open=prio1_cases_open(),
    )


def readiness_on(*, day: date) -> ReadinessCheck | None:
    return ReadinessCheck.objects.select_related("user").filter(date=day).first()


def closing_on(*, day: date) -> ClosingCheck | None:
    return ClosingCheck.objects.select_related("user").filter(date=day).first()


def closing_checklist_custom() -> dict[str, str]:
    """The coordinators' closing checklist text per language (languages without one use the built-in text)."""
    return dict(ChecklistText.objects.values_list("language", "text"))


def closing_checklist_text(*, language: str) -> list[str]:
    """The checklist items in ``language``: the coordinators' text, else the built-in one."""
    row = ChecklistText.objects.filter(language=language).first()
    text = row.text if row is not None else DEFAULT_CHECKLIST.get(language, DEFAULT_CHECKLIST["en"])
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- the day's timeline (Today page partial and "My day") ---------------------------------------

Status = Literal["done", "pending", "missed", "none"]


@dataclass(frozen=True)
class Step:
    key: str
    due: datetime | None
    status: Status
    at: datetime | None = None
    who: User | None = None


@dataclass
class DayStatus:
    day: date
    now: datetime
    window: bh.Window | None
    routing: Routing
    handover: Handover | None
    readiness: ReadinessCheck | None
    closing: ClosingCheck | None
    steps: list[Step] = field(default_factory=list)

    @property
    def missed(self) -> list[Step]:
        return [s for s in self.steps if s.status == "missed"]


def intake_steps(
    *,
    day: date,
    now: datetime,
    cal: bh.SupportCalendar,
    who: User | None,
    checks: Iterable[IntakeCheck] | None = None,
) -> list[Step]:
    """The day's hourly Prio 1 intake checks (R11): done (by whom, when), due, or missed when still
    open ``INTAKE_CHECK_OVERDUE`` after their time, as the tickets app escalates them.

    ``checks``: the day's checks when the caller has them (``DayReads.intake_checks``); else they are read."""
    slots = intake_check_slots_on(cal=cal, day=day)
    if not slots:
        return []
    if checks is None:
        checks = IntakeCheck.objects.filter(due_at__in=slots).select_related("checked_by")
    wanted = set(slots)
    by_due = {c.due_at: c for c in checks if c.due_at in wanted}
    steps = []
    for slot in slots:
        check = by_due.get(slot)
        if check is not None and check.checked_at is not None:
            steps.append(Step("intake", slot, "done", check.checked_at, check.checked_by))
        else:
            steps.append(Step("intake", slot, "missed" if now >= slot + INTAKE_CHECK_OVERDUE else "pending", None, who))
    return steps


def day_status(now: datetime | None = None, *, reads: DayReads | None = None) -> DayStatus:
    """The day's hand-over, readiness, intake checks and closing with what is done, due or missed, and who
    holds the line. ``reads`` shares what the caller has read about the day already."""
    now = now or timezone.now()
    reads = _reads_for(reads, now=now)
    cal = reads.cal
    flow = reads.flow
    day = reads.day
    window = bh.window_on(cal, day)
    handover = reads.handover
    readiness = readiness_on(day=day)
    closing = closing_on(day=day)
    status = DayStatus(
        day=day,
        now=now,
        window=window,
        routing=routing_at(now=now, cal=cal, reads=reads),
        handover=handover,
        readiness=readiness,
        closing=closing,
    )
    if window is None:
        return status
    repeat = flow.handover_repeat
    if handover is None:
        status.steps.append(Step("handover", window.start, "missed" if now >= window.start else "pending"))
    else:
        # acknowledged late: after every repeat and the coordinator's turn
        late = (
            handover.acknowledged_at is None
            and now >= handover.performed_at + (flow.handover_repeat_count + 1) * repeat
        )
        ack_status: Status = "done" if handover.acknowledged_at else ("missed" if late else "pending")
        status.steps.append(Step("handover", window.start, "done", handover.performed_at, handover.from_user))
        status.steps.append(Step("acknowledge", None, ack_status, handover.acknowledged_at, handover.to_user))
    readiness_due = window.start + flow.readiness_grace
    if readiness is not None and readiness.ready:
        status.steps.append(Step("readiness", readiness_due, "done", readiness.checked_in_at, readiness.user))
    else:
        who = readiness.user if readiness else reads.holder(Duty.TECHNICAL_STANDBY)
        st: Status = "missed" if now >= readiness_due else "pending"
        status.steps.append(Step("readiness", readiness_due, st, readiness.checked_in_at if readiness else None, who))
    phone = reads.holder(Duty.PHONE_DUTY)
    status.steps.extend(intake_steps(day=day, now=now, cal=cal, who=phone, checks=reads.intake_checks))
    closing_due = window.end + flow.closing_grace
    if closing is not None and closing.confirmed_at:
        status.steps.append(Step("closing", window.end, "done", closing.confirmed_at, closing.user))
    else:
        who = closing.user if closing else phone
        status.steps.append(Step("closing", window.end, "missed" if now >= closing_due else "pending", None, who))
    status.steps = _in_time_order(status.steps)
    return status


def _in_time_order(steps: list[Step]) -> list[Step]:
    """By due time, stable; a step without one (the acknowledgement) stays behind the step before it."""
    keyed: list[tuple[datetime, int, Step]] = []
    last = datetime.min.replace(tzinfo=UTC)
    for index, step in enumerate(steps):
        last = step.due or last
        keyed.append((last, index, step))
    return [step for _due, _index, step in sorted(keyed, key=lambda k: (k[0], k[1]))]


@dataclass(frozen=True)
class MyDay:
    status: DayStatus
    is_head: bool
    is_phone_duty: bool
    is_standby: bool
    presence: DayPresence | None
    checklist: list[str]
    open_items: OpenItems | None


def my_day(*, user: User, now: datetime) -> MyDay:
    reads = DayReads(now=now)
    status = day_status(now, reads=reads)
    head = reads.head
    is_head = head is not None and head.pk == user.pk
    is_phone = reads.holder(Duty.PHONE_DUTY) == user or (
        status.handover is not None and status.handover.to_user_id == user.pk
    )
    is_standby = reads.holder(Duty.TECHNICAL_STANDBY) == user
    with translation.override(user.language):
        checklist = closing_checklist_text(language=user.language)
    return MyDay(
        status=status,
        is_head=is_head,
        is_phone_duty=is_phone,
        is_standby=is_standby,
        presence=reads.head_presence if is_head else None,
        checklist=checklist,
        open_items=open_items(now=now) if is_head or is_phone else None,
    )


# --- the live part of the Today page ---------------------------------------------------------

TODAY_TRIAGE_LIMIT = 5
"""The Today page lists this many waiting mails; the triage page has the rest."""


@dataclass(frozen=True)
class TodayBoard:
    """What the Today page refreshes every few seconds: who holds what now, the day's timeline,
    open triage items, open Prio 1 cases and, during the window, the hourly intake check."""

    status: DayStatus
    triage_owner: User | None
    standby: User | None
    """The day's published technical standby; None on days without a window or when open."""
    standby_number: str
    """The standby's number callers need (the duty's contact field, as on the duty cards; R16), or ""."""
    triage_waiting: int
    triage_mails: list[InboundMail]
    """The oldest waiting mails first, at most ``TODAY_TRIAGE_LIMIT``."""
    prio1_cases: list[Prio1Case]
    in_window: bool
    intake: IntakeCheckView | None
    """Today's latest due intake check while the window runs, else None."""

    @property
    def standby_tel(self) -> str:
        return tel_uri(self.standby_number) if self.standby_number else ""

    @property
    def readiness_state(self) -> Status:
        """The standby's check-in: ``done``, ``pending``, ``missed`` or ``none`` (no window today)."""
        step = next((s for s in self.status.steps if s.key == "readiness"), None)
        return step.status if step is not None else "none"


def today_board(*, now: datetime, reads: DayReads | None = None) -> TodayBoard:
    """The live part of the Today page; its query count does not grow with the data (the triage mails,
    cases and tickets it lists are limited and fetched with what they show)."""
    reads = _reads_for(reads, now=now)
    status = day_status(now, reads=reads)
    in_window = status.window is not None and status.window.contains(now)
    standby, standby_number = reads.contact(Duty.TECHNICAL_STANDBY) if status.window else (None, "")
    mails, waiting = _triage_head()
    return TodayBoard(
        status=status,
        triage_owner=_triage_owner_for(status.routing, reads=reads),
        standby=standby,
        standby_number=standby_number,
        triage_waiting=waiting,
        triage_mails=mails,
        prio1_cases=prio1_cases_open(),
        in_window=in_window,
        intake=intake_current(now=now, reads=reads) if in_window else None,
    )


def _triage_head() -> tuple[list[InboundMail], int]:
    """The oldest ``TODAY_TRIAGE_LIMIT`` waiting mails and how many wait in all, in one query (the count is
    a window over the whole triage list, taken before the limit)."""
    rows = list(
        mailbox_selectors.inbound_mail_triage_list()
        .annotate(waiting=Window(Count("pk")))
        .order_by("received_at", "id")[:TODAY_TRIAGE_LIMIT]
    )
    mails: list[InboundMail] = list(rows)
    return mails, (int(rows[0].waiting) if rows else 0)


def intake_current(*, now: datetime, reads: DayReads | None = None) -> IntakeCheckView | None:
    """``tickets.selectors.intake_check_current(now)`` from the checks ``reads`` holds already: today's
    latest due check with what to look at, or None before the first one of the day."""
    reads = _reads_for(reads, now=now)
    day_start = datetime.combine(reads.day, time(0), tzinfo=reads.cal.tz)
    due = [c for c in reads.intake_checks if day_start <= c.due_at <= now]
    if not due:
        return None
    check = due[-1]
    earlier = [c for c in reads.intake_checks if c.due_at < check.due_at]
    previous = earlier[-1] if earlier else None
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
