"""Reads of the day's flow: who holds the line, who owns triage, the day's timeline (R10, R15–R17, R20, R22)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal

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
from supportdesk.roster.models import Duty
from supportdesk.roster.selectors import absent_user_ids_on, holders_on, support_calendar, user_is_absent
from supportdesk.tickets.models import IntakeCheck, Prio1Case, Ticket
from supportdesk.tickets.selectors import (
    INTAKE_CHECK_OVERDUE,
    IntakeCheckView,
    intake_check_current,
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


def head_present_at(*, head: User | None, now: datetime, cal: bh.SupportCalendar | None = None) -> bool:
    """Whether the mailbox head is at her desk at ``now`` by her own word, else by the roster's absences."""
    if head is None:
        return False
    cal = cal or support_calendar()
    local = now.astimezone(cal.tz)
    presence = presence_on(user=head, day=local.date())
    if presence is None:
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


def line_fallback(*, day: date, until: datetime | None) -> Routing:
    """Nobody at the head's desk: the day's published phone duty, else the first coordinator (documented in README).

    A hand-over while the head is away or leaving goes to the same person, so that the line and the
    notice never disagree."""
    phone = duty_holder(day=day, duty=Duty.PHONE_DUTY)
    if phone is not None:
        return Routing(target=RoutingTarget.PHONE_DUTY, user=phone, until=until)
    coordinators = user_list_coordinators(absent_user_ids=absent_user_ids_on(day=day))
    if coordinators:
        return Routing(target=RoutingTarget.COORDINATOR, user=coordinators[0], until=until)
    return Routing(target=RoutingTarget.VOICEMAIL, user=None, until=until)


def routing_at(*, now: datetime, cal: bh.SupportCalendar | None = None) -> Routing:
    """Where the support line rings at ``now`` (R10, R15, R22).

    Core hours, mailbox head present and not handed over → the head; after the
    hand-over and during the window → the phone duty; after the window, before
    core hours, on days off and after an after-hours hand-over → voicemail.
    """
    cal = cal or support_calendar()
    local = now.astimezone(cal.tz)
    day = local.date()
    voicemail = Routing(target=RoutingTarget.VOICEMAIL, user=None, until=bh.next_working_day_start(cal, now))
    if not bh.is_working_day(cal, day) and bh.window_on(cal, day) is None:
        return voicemail
    window = bh.window_on(cal, day)
    core_start = datetime.combine(day, cal.core_hours[0], tzinfo=cal.tz)
    head_end = _head_phase_end(cal, day)
    if window is not None and window.contains(local):
        return line_fallback(day=day, until=window.end)
    if local < core_start or local >= head_end:
        return voicemail
    handover = handover_on(day=day)
    if handover is not None and handover.performed_at <= now:
        if handover.to_user is None:
            return voicemail
        if handover.to_target == RoutingTarget.COORDINATOR:
            # Nobody was published at the hand-over: the coordinator until the window, which has its own answer.
            return Routing(target=RoutingTarget.COORDINATOR, user=handover.to_user, until=head_end)
        return Routing(target=RoutingTarget.PHONE_DUTY, user=handover.to_user, until=window.end if window else None)
    head = user_get_mailbox_head()
    if head is not None and head_present_at(head=head, now=now, cal=cal):
        presence = presence_on(user=head, day=day)
        until = head_end
        if presence is not None and presence.state == PresenceState.LEAVING and presence.leaving_at is not None:
            until = min(until, datetime.combine(day, presence.leaving_at, tzinfo=cal.tz))
        return Routing(target=RoutingTarget.MAILBOX_HEAD, user=head, until=until)
    return line_fallback(day=day, until=window.end if window else head_end)


def triage_owner(now: datetime | None = None) -> User | None:
    """Who owns the triage inbox at ``now``: the mailbox head (or the day's flow settings' triage owner)
    before the hand-over, the day's phone duty after it and while the head is away; the head again after
    the window."""
    now = now or timezone.now()
    return _triage_owner_for(routing_at(now=now, cal=support_calendar()))


def _triage_owner_for(routing: Routing) -> User | None:
    if routing.target in (RoutingTarget.PHONE_DUTY, RoutingTarget.COORDINATOR):
        return routing.user
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


def intake_steps(*, day: date, now: datetime, cal: bh.SupportCalendar, who: User | None) -> list[Step]:
    """The day's hourly Prio 1 intake checks (R11): done (by whom, when), due, or missed when still
    open ``INTAKE_CHECK_OVERDUE`` after their time, as the tickets app escalates them."""
    slots = intake_check_slots_on(cal=cal, day=day)
    if not slots:
        return []
    checks = {c.due_at: c for c in IntakeCheck.objects.filter(due_at__in=slots).select_related("checked_by")}
    steps = []
    for slot in slots:
        check = checks.get(slot)
        if check is not None and check.checked_at is not None:
            steps.append(Step("intake", slot, "done", check.checked_at, check.checked_by))
        else:
            steps.append(Step("intake", slot, "missed" if now >= slot + INTAKE_CHECK_OVERDUE else "pending", None, who))
    return steps


def day_status(now: datetime | None = None) -> DayStatus:
    """The day's hand-over, readiness, intake checks and closing with what is done, due or missed, and who
    holds the line."""
    now = now or timezone.now()
    cal = support_calendar()
    flow = day_flow_settings_get()
    day = local_day(now, cal)
    window = bh.window_on(cal, day)
    handover = handover_on(day=day)
    readiness = readiness_on(day=day)
    closing = closing_on(day=day)
    status = DayStatus(
        day=day,
        now=now,
        window=window,
        routing=routing_at(now=now, cal=cal),
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
        who = readiness.user if readiness else duty_holder(day=day, duty=Duty.TECHNICAL_STANDBY)
        st: Status = "missed" if now >= readiness_due else "pending"
        status.steps.append(Step("readiness", readiness_due, st, readiness.checked_in_at if readiness else None, who))
    phone = duty_holder(day=day, duty=Duty.PHONE_DUTY)
    status.steps.extend(intake_steps(day=day, now=now, cal=cal, who=phone))
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
    status = day_status(now)
    head = user_get_mailbox_head()
    is_head = head is not None and head.pk == user.pk
    is_phone = duty_holder(day=status.day, duty=Duty.PHONE_DUTY) == user or (
        status.handover is not None and status.handover.to_user_id == user.pk
    )
    is_standby = duty_holder(day=status.day, duty=Duty.TECHNICAL_STANDBY) == user
    with translation.override(user.language):
        checklist = closing_checklist_text(language=user.language)
    return MyDay(
        status=status,
        is_head=is_head,
        is_phone_duty=is_phone,
        is_standby=is_standby,
        presence=presence_on(user=user, day=status.day) if is_head else None,
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


def today_board(*, now: datetime) -> TodayBoard:
    status = day_status(now)
    in_window = status.window is not None and status.window.contains(now)
    triage = mailbox_selectors.inbound_mail_triage_list()
    standby, standby_number = duty_contact(day=status.day, duty=Duty.TECHNICAL_STANDBY) if status.window else (None, "")
    return TodayBoard(
        status=status,
        triage_owner=_triage_owner_for(status.routing),
        standby=standby,
        standby_number=standby_number,
        triage_waiting=triage.count(),
        triage_mails=list(triage.order_by("received_at", "id")[:TODAY_TRIAGE_LIMIT]),
        prio1_cases=prio1_cases_open(),
        in_window=in_window,
        intake=intake_check_current(now) if in_window else None,
    )
