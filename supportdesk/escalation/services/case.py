"""Working a Prio 1 case (R14, R18, R19): acknowledgement, status updates, calls, resolution, nudges."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from supportdesk.accounts.models import User
from supportdesk.escalation import selectors
from supportdesk.escalation import tasks as escalation_tasks
from supportdesk.escalation.event_texts import via_code
from supportdesk.escalation.exceptions import EscalationClosed, InvalidEntry
from supportdesk.escalation.models import (
    Escalation,
    EscalationEvent,
    EscalationStatus,
    EventDetail,
    EventKind,
    new_token,
)
from supportdesk.escalation.services.timeline import event_add
from supportdesk.notifications.services import notify
from supportdesk.tickets.models import OPEN_STATUSES, Prio1Case, Prio1Status, Status, Ticket

logger = logging.getLogger(__name__)


# --- acknowledgement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledgement:
    escalation: Escalation
    accepted: bool
    """False when someone else (or the same person) acknowledged first, or the case is resolved."""
    message: str


@transaction.atomic
def escalation_acknowledge(
    *, escalation: Escalation, actor: User, via: str = "page", now: datetime | None = None
) -> Acknowledgement:
    """The first acknowledgement stops the chain and tells the phone duty; later ones are only recorded."""
    now = now or timezone.now()
    via = via_code(via)
    locked = Escalation.objects.select_for_update(of=("self",)).select_related("case__ticket").get(pk=escalation.pk)
    if locked.status != EscalationStatus.ACTIVE:
        if locked.status == EscalationStatus.RESOLVED:
            message = gettext("The case is already resolved.")
            event_add(
                locked,
                EventKind.ACK_IGNORED,
                now,
                actor=actor,
                detail=EventDetail.ACK_AFTER_RESOLVED,
                params={"via": via},
            )
        else:
            who = locked.acknowledged_by.name if locked.acknowledged_by else gettext("someone")
            when = timezone.localtime(locked.acknowledged_at).strftime("%H:%M:%S") if locked.acknowledged_at else ""
            message = gettext("%(name)s acknowledged this case already at %(time)s; nothing changed.") % {
                "name": who,
                "time": when,
            }
            params: dict[str, object] = {
                "via": via,
                "name": locked.acknowledged_by.name if locked.acknowledged_by else "",
            }
            if locked.acknowledged_at is not None:
                params["at"] = locked.acknowledged_at.isoformat()
            event_add(locked, EventKind.ACK_IGNORED, now, actor=actor, detail=EventDetail.ACK_AFTER_ACK, params=params)
        return Acknowledgement(escalation=locked, accepted=False, message=message)
    locked.status = EscalationStatus.ACKNOWLEDGED
    locked.acknowledged_at = now
    locked.acknowledged_by = actor
    locked.step_token = new_token()  # a queued step finds a stale token and exits
    locked.next_step_at = None
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "step_token", "next_step_at"])
    Prio1Case.objects.filter(pk=locked.case_id, status=Prio1Status.OPEN).update(status=Prio1Status.ACKNOWLEDGED)
    event_add(locked, EventKind.ACKNOWLEDGED, now, actor=actor, detail=EventDetail.ACK_VIA, params={"via": via})
    phone_duty = selectors.phone_duty_at(at=now)
    if phone_duty is not None and phone_duty.pk != actor.pk:
        deliveries = notify(
            recipient=phone_duty,
            template="escalation/acknowledged",
            context={
                "recipient": phone_duty,
                "actor": actor,
                "ticket": locked.case.ticket,
                "case_url": settings.SITE_URL + locked.get_absolute_url(),
            },
            channel_names=None,
            urgent=True,
        )
        event = event_add(locked, EventKind.PHONE_DUTY_TOLD, now, recipient=phone_duty)
        event.deliveries.set(deliveries)
    logger.info("escalation %s acknowledged by %s via %s", locked.pk, actor.pk, via)
    return Acknowledgement(escalation=locked, accepted=True, message=gettext("Acknowledged: the escalation stops."))


# --- status updates, calls, resolution -----------------------------------------------------------


def open_escalation_lock(escalation: Escalation) -> Escalation:
    """The case re-read under a lock; :class:`EscalationClosed` once it is resolved."""
    locked = Escalation.objects.select_for_update(of=("self",)).select_related("case__ticket").get(pk=escalation.pk)
    if locked.status == EscalationStatus.RESOLVED:
        raise EscalationClosed(gettext("The case is resolved: nothing more can be added."))
    return locked


@transaction.atomic
def escalation_status_update_post(
    *, escalation: Escalation, actor: User, text: str, now: datetime | None = None
) -> EscalationEvent:
    """The standby keeps the phone duty informed (R19): an entry on the live timeline."""
    now = now or timezone.now()
    if not text.strip():
        raise InvalidEntry(gettext("The status update must not be empty."))
    locked = open_escalation_lock(escalation)
    return event_add(locked, EventKind.STATUS_UPDATE, now, actor=actor, text=text.strip())


@transaction.atomic
def escalation_phone_call_log(
    *, escalation: Escalation, actor: User, text: str, now: datetime | None = None
) -> EscalationEvent:
    """The phone duty owns the customer communication (R14): a call with the customer, logged."""
    now = now or timezone.now()
    if not text.strip():
        raise InvalidEntry(gettext("Describe the call."))
    locked = open_escalation_lock(escalation)
    return event_add(locked, EventKind.PHONE_CALL, now, actor=actor, text=text.strip())


@transaction.atomic
def escalation_resolve(*, escalation: Escalation, actor: User, summary: str, now: datetime | None = None) -> Escalation:
    """Close the case with a summary (R18): the chain stops, the Prio 1 case and the ticket are resolved."""
    from supportdesk.tickets.services import ticket_update

    now = now or timezone.now()
    if not summary.strip():
        raise InvalidEntry(gettext("Write a short summary of the cause and the fix."))
    locked = open_escalation_lock(escalation)
    locked.status = EscalationStatus.RESOLVED
    locked.resolved_at = now
    locked.resolved_by = actor
    locked.summary = summary.strip()
    locked.step_token = new_token()
    locked.next_step_at = None
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "summary", "step_token", "next_step_at"])
    Prio1Case.objects.filter(pk=locked.case_id).update(status=Prio1Status.RESOLVED)
    ticket = Ticket.objects.get(pk=locked.case.ticket_id)
    if ticket.status in OPEN_STATUSES:
        ticket_update(actor, ticket, ticket.version, now=now, status=Status.RESOLVED)
    event_add(locked, EventKind.RESOLVED, now, actor=actor, text=locked.summary)
    return locked


# --- R19: nudge the phone duty when the case goes silent -------------------------------------


def escalation_nudge_sweep(*, now: datetime | None = None) -> int:
    """Enqueue a nudge task for every acknowledged case silent for too long; the task re-checks."""
    now = now or timezone.now()
    policy = selectors.policy_get()
    due = [
        escalation.pk
        for escalation in Escalation.objects.filter(status=EscalationStatus.ACKNOWLEDGED)
        if selectors.nudge_due(escalation=escalation, now=now, policy=policy)
    ]
    for pk in due:
        with transaction.atomic():
            escalation_tasks.escalation_nudge.enqueue(escalation_id=pk)
    return len(due)


@transaction.atomic
def escalation_nudge_run(*, escalation_id: int, now: datetime | None = None) -> EscalationEvent | None:
    """Nudge the phone duty once per silent period (R19); a duplicate task finds it done and exits."""
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket", "acknowledged_by")
        .filter(pk=escalation_id)
        .first()
    )
    policy = selectors.policy_get()
    if escalation is None or not selectors.nudge_due(escalation=escalation, now=now, policy=policy):
        return None
    since = selectors.silent_since(escalation=escalation)
    minutes = int((now - since).total_seconds() // 60) if since else policy.nudge_after_minutes
    phone_duty = selectors.phone_duty_at(at=now)
    recipients = [phone_duty] if phone_duty is not None else selectors.coordinators_at(at=now)
    event = event_add(
        escalation,
        EventKind.PHONE_DUTY_NUDGED,
        now,
        recipient=phone_duty,
        detail=EventDetail.SILENT_MINUTES,
        params={"minutes": minutes},
    )
    deliveries = []
    for user in recipients:
        deliveries += notify(
            recipient=user,
            template="escalation/silence_nudge",
            context={
                "recipient": user,
                "minutes": minutes,
                "worker": escalation.acknowledged_by,
                "ticket": escalation.case.ticket,
                "case_url": settings.SITE_URL + escalation.get_absolute_url(),
            },
            channel_names=None,
            urgent=True,
            now=now,
        )
    event.deliveries.set(deliveries)
    logger.info("escalation %s: phone duty nudged after %s silent minutes", escalation.pk, minutes)
    return event
