"""The day's timeline (hand-over, check-in, intake checks, closing), "My day" and what the hand-over notice lists."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal

from django.utils import timezone, translation

from supportdesk.accounts.models import User
from supportdesk.handover.models import ClosingCheck, DayPresence, Handover, ReadinessCheck
from supportdesk.handover.selectors.flow_settings import closing_checklist_text
from supportdesk.handover.selectors.reads import DayReads, _reads_for, closing_on, local_day, readiness_on
from supportdesk.handover.selectors.routing import Routing, routing_at
from supportdesk.mailbox import selectors as mailbox_selectors
from supportdesk.roster import business_hours as bh
from supportdesk.roster.models import Duty
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets.models import IntakeCheck, Ticket
from supportdesk.tickets.selectors import INTAKE_CHECK_OVERDUE, intake_check_slots_on, prio1_cases_open


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
