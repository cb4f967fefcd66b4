"""Reads of the escalation: who is to be told now, the timeline, access checks."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_coordinators
from supportdesk.escalation.exceptions import EscalationNotFound
from supportdesk.escalation.models import (
    CustomerEscalationPolicy,
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    EscalationStatus,
    EventKind,
    OutsideWindowMode,
)
from supportdesk.roster.models import Duty
from supportdesk.roster.selectors import absent_user_ids_on, eligible_users, oncall_at


def policy_get() -> EscalationPolicy:
    policy, _created = EscalationPolicy.objects.get_or_create(pk=1)
    return policy


def _local_day(at: datetime) -> "datetime":
    return at.astimezone(ZoneInfo(settings.TIME_ZONE))


def coordinators_at(*, at: datetime) -> list[User]:
    """The coordinators, or the deputies while all coordinators are absent (R1)."""
    return user_list_coordinators(absent_user_ids=absent_user_ids_on(day=_local_day(at).date()))


@dataclass(frozen=True)
class Recipients:
    users: list[User]
    reason: str
    """Why these people (shown on the timeline): ``standby``, ``coordinator``, ``person``, ``nobody``, …"""


def recipients_at(*, escalation: Escalation, at: datetime) -> Recipients:
    """Who gets the notice of a step running at ``at``, read from the roster at that very moment.

    In a support window the published technical standby; outside, the customer's policy.
    """
    oncall = oncall_at(at=at)
    if oncall.window is not None:
        holder = oncall.holders.get(Duty.TECHNICAL_STANDBY)
        if holder is not None and holder.user is not None and holder.user.is_active:
            return Recipients(users=[holder.user], reason="standby")
        return Recipients(users=coordinators_at(at=at), reason="no standby published: coordinator")
    customer_id = escalation.case.ticket.customer_id
    policy = (
        CustomerEscalationPolicy.objects.select_related("person").filter(customer_id=customer_id).first()
        if customer_id
        else None
    )
    if policy is not None and policy.mode == OutsideWindowMode.NOBODY:
        return Recipients(users=[], reason="nobody")
    if policy is not None and policy.mode == OutsideWindowMode.PERSON and policy.person and policy.person.is_active:
        return Recipients(users=[policy.person], reason="person")
    return Recipients(users=coordinators_at(at=at), reason="coordinator")


def escalation_targets_at(*, at: datetime, exclude: set[int], policy: EscalationPolicy) -> list[User]:
    """The last step's people: coordinators (or deputies) and the other available pool members."""
    users: list[User] = []
    if policy.escalate_to_coordinators:
        users += coordinators_at(at=at)
    if policy.escalate_to_pool:
        users += eligible_users(day=_local_day(at).date())
    seen = set(exclude)
    result = []
    for user in users:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            result.append(user)
    return result


def phone_duty_at(*, at: datetime) -> User | None:
    holder = oncall_at(at=at).holders.get(Duty.PHONE_DUTY)
    return holder.user if holder is not None and holder.user is not None and holder.user.is_active else None


def escalation_get_for_user(*, user: User, escalation_id: int) -> Escalation:
    """Every active signed-in user works Prio 1 cases (as tickets); others see none."""
    if not user.is_authenticated or not user.is_active:
        raise EscalationNotFound(f"No escalation {escalation_id}.")
    found = (
        Escalation.objects.select_related(
            "case__ticket__customer", "case__ticket__contact", "acknowledged_by", "resolved_by"
        )
        .filter(pk=escalation_id)
        .first()
    )
    if found is None:
        raise EscalationNotFound(f"No escalation {escalation_id}.")
    return found


def escalation_timeline(*, escalation: Escalation) -> QuerySet[EscalationEvent]:
    return escalation.events.select_related("actor", "recipient").order_by("at", "id")


def escalation_list_open() -> QuerySet[Escalation]:
    return (
        Escalation.objects.exclude(status=EscalationStatus.RESOLVED)
        .select_related("case__ticket__customer", "acknowledged_by")
        .order_by("-started_at")
    )


def silent_since(*, escalation: Escalation) -> datetime | None:
    """Start of the current silent period of an acknowledged case: its last status update, else the acknowledgement."""
    last = (
        escalation.events.filter(kind=EventKind.STATUS_UPDATE)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return last or escalation.acknowledged_at


def nudge_due(*, escalation: Escalation, now: datetime, policy: EscalationPolicy) -> bool:
    """R19: silent for ``nudge_after_minutes`` and not yet nudged in this silent period."""
    if escalation.status != EscalationStatus.ACKNOWLEDGED or not policy.nudge_after_minutes:
        return False
    since = silent_since(escalation=escalation)
    if since is None or now - since < timedelta(minutes=policy.nudge_after_minutes):
        return False
    return not escalation.events.filter(kind=EventKind.PHONE_DUTY_NUDGED, at__gte=since).exists()
