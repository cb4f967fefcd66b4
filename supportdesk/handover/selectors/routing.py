"""Who holds the support line and the triage inbox, and the duty holders behind them (R10, R15, R16, R20, R22)."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_get_mailbox_head, user_list_coordinators
from supportdesk.handover.models import DayPresence, PresenceState, RoutingState, RoutingTarget
from supportdesk.handover.selectors.flow_settings import day_flow_settings_get
from supportdesk.handover.selectors.reads import DayReads, _reads_for, local_day, presence_on
from supportdesk.roster import business_hours as bh
from supportdesk.roster.models import Duty
from supportdesk.roster.selectors import holders_on, support_calendar, user_is_absent


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
    coordinators = user_list_coordinators(day=day)
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
