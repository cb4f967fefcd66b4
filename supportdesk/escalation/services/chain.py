"""The escalation chain (R13, R16): start, steps, the check of failed deliveries, the sweep.

Modelled on OnCall's escalate_alert_group. Every step is a task carrying the escalation's
``step_token``. It re-reads the row under a lock and exits when the token changed (the step
ran already, or the chain stopped) or the case was acknowledged. Its notices are delivery rows
written in the same transaction as the step's state change, and the next step is enqueued with
``run_after`` in it too: a worker killed at any moment loses no step (the sweep re-enqueues an
overdue one) and records no notice twice (the token makes a repeated step a no-op).

Sending is the notifications app's part: a Prio 1 notice is ``urgent``, so a worker killed while
sending it is noticed when its 30-second lease ends and the notice goes out again, within about
half a minute (a minute and a half at worst, by the per-minute sweep). One window remains where
the recipient gets it twice: a worker killed after the SMTP server (or webhook) accepted the
notice and before ``sent`` was committed; see ``notifications.services.deliveries.delivery_attempt``.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy

from supportdesk.accounts.models import User
from supportdesk.escalation import selectors
from supportdesk.escalation import tasks as escalation_tasks
from supportdesk.escalation.event_texts import detail_text
from supportdesk.escalation.models import (
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    EscalationStatus,
    EventDetail,
    EventKind,
    new_token,
)
from supportdesk.escalation.services.acks import ack_url
from supportdesk.escalation.services.timeline import event_add
from supportdesk.notifications.models import ChannelKind, DeliveryStatus, NotificationDelivery
from supportdesk.notifications.selectors import delivery_error_text
from supportdesk.notifications.services import notify, recipient_channels
from supportdesk.tickets.models import Prio1Case

logger = logging.getLogger(__name__)

STEP_GRACE = timedelta(seconds=30)
"""A step overdue by more than this was lost (worker killed, task dropped): the sweep re-enqueues it."""
DELIVERY_CHECK_DELAY = timedelta(seconds=20)
"""After a step, look this much later whether every channel of a recipient failed."""
NOTICE_KINDS = selectors.NOTICE_KINDS
_detail_lazy = lazy(lambda code: detail_text(code=code, params={}), str)
_error_lazy = lazy(delivery_error_text, str)
"""A reason or a channel's error worded when the notice is rendered, i.e. in the coordinator's language."""


@transaction.atomic
def escalation_start(*, case: Prio1Case, now: datetime | None = None) -> Escalation:
    """Open the chain of a new Prio 1 case; its first step is enqueued in the caller's transaction."""
    now = now or timezone.now()
    escalation, created = Escalation.objects.get_or_create(
        case=case, defaults={"started_at": now, "next_step_at": now, "step_token": new_token()}
    )
    if created:
        event_add(escalation, EventKind.STARTED, now, actor=case.opened_by)
        escalation_tasks.escalation_step.enqueue(escalation_id=escalation.pk, step_token=escalation.step_token)
        logger.warning("escalation %s started for %s", escalation.pk, case.ticket_id)
    return escalation


def _has_usable_channel(user: User) -> bool:
    return any(address for _name, address in recipient_channels(recipient=user))


def _tell_coordinators_unreachable(
    *,
    escalation: Escalation,
    user: User,
    now: datetime,
    reason: EventDetail,
    failed: Sequence[NotificationDelivery] = (),
) -> EscalationEvent | None:
    """Once per case and person: the coordinators hear that ``user`` cannot be reached.

    Never coalesced with the ordinary "could not reach" notices of ``notifications`` (which
    come at most once an hour per person): a Prio 1 that cannot reach its recipient is always told.
    """
    if escalation.events.filter(kind=EventKind.UNREACHABLE, recipient=user).exists():
        return None
    event = event_add(escalation, EventKind.UNREACHABLE, now, recipient=user, detail=reason)
    deliveries = []
    for coordinator in selectors.coordinators_at(at=now):
        if coordinator.pk == user.pk:
            continue
        deliveries += notify(
            recipient=coordinator,
            template="escalation/unreachable",
            context={
                "recipient": coordinator,
                "person": user,
                "reason": _detail_lazy(reason),
                "attempts": [
                    {
                        "channel": ChannelKind(d.channel).label if d.channel in ChannelKind.values else d.channel,
                        "error": _error_lazy(d.last_error) if d.last_error else "",
                    }
                    for d in failed
                ],
                "ticket": escalation.case.ticket,
                "case_url": settings.SITE_URL + escalation.get_absolute_url(),
            },
            channel_names=None,
            urgent=True,
        )
    event.deliveries.set(deliveries)
    logger.warning("escalation %s: %s unreachable (%s)", escalation.pk, user.pk, reason)
    return event


def _notice(*, escalation: Escalation, user: User, kind: str, step: int, reason: EventDetail, now: datetime) -> None:
    event = event_add(escalation, kind, now, step=step, recipient=user, detail=reason)
    if not _has_usable_channel(user):
        _tell_coordinators_unreachable(escalation=escalation, user=user, now=now, reason=EventDetail.NO_CHANNEL)
        return
    deliveries = notify(
        recipient=user,
        template="escalation/prio1_notice",
        context={
            "recipient": user,
            "ticket": escalation.case.ticket,
            "escalation": escalation,
            "kind": kind,
            "attempt": step + 1,
            "ack_url": ack_url(escalation=escalation, user=user),
            "case_url": settings.SITE_URL + escalation.get_absolute_url(),
        },
        channel_names=None,
        urgent=True,
    )
    event.deliveries.set(deliveries)


def _last_step(policy: EscalationPolicy) -> int:
    escalates = policy.escalate_to_coordinators or policy.escalate_to_pool
    return policy.renotify_count + (1 if escalates else 0)


@transaction.atomic
def escalation_step_run(*, escalation_id: int, step_token: str, now: datetime | None = None) -> Escalation | None:
    """Run the step the token names, once; anything stale or already acknowledged does nothing."""
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket__customer")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or escalation.status != EscalationStatus.ACTIVE or escalation.step_token != step_token:
        return escalation
    policy = selectors.policy_get()
    step = escalation.step
    chain_goes_on = step < _last_step(policy)
    if step <= policy.renotify_count:
        found = selectors.recipients_at(escalation=escalation, at=now)
        kind = EventKind.NOTIFIED if step == 0 else EventKind.RENOTIFIED
        if not found.users:
            nobody = found.reason == EventDetail.POLICY_NOBODY
            if nobody:
                event_add(escalation, EventKind.NO_RECIPIENT, now, step=step, detail=EventDetail.POLICY_NOBODY)
            else:
                event_add(
                    escalation,
                    EventKind.NO_RECIPIENT,
                    now,
                    step=step,
                    detail=EventDetail.NOBODY_TO_NOTIFY,
                    params={"reason": found.reason},
                )
            chain_goes_on = chain_goes_on and not nobody
            if nobody:
                escalation_tasks.escalation_auto_answer.enqueue(escalation_id=escalation.pk)
        for user in found.users:
            _notice(escalation=escalation, user=user, kind=kind, step=step, reason=found.reason, now=now)
    else:
        notified = set(
            escalation.events.filter(kind__in=NOTICE_KINDS, recipient__isnull=False).values_list(
                "recipient_id", flat=True
            )
        )
        # The people told so far hear again too: the escalation notice says that others were told.
        targets = selectors.escalation_targets_at(at=now, exclude=set(), policy=policy)
        for user in targets:
            reason = EventDetail.TOLD_BEFORE if user.pk in notified else EventDetail.ESCALATION
            _notice(escalation=escalation, user=user, kind=EventKind.ESCALATED, step=step, reason=reason, now=now)
        if not targets:
            event_add(escalation, EventKind.NO_RECIPIENT, now, step=step, detail=EventDetail.NOBODY_TO_ESCALATE)
    escalation.step = step + 1
    escalation.step_token = new_token()
    if chain_goes_on:
        escalation.next_step_at = now + timedelta(seconds=policy.renotify_seconds)
        escalation_tasks.escalation_step.using(run_after=escalation.next_step_at).enqueue(
            escalation_id=escalation.pk, step_token=escalation.step_token
        )
    else:
        escalation.next_step_at = None
    escalation.save(update_fields=["step", "step_token", "next_step_at"])
    escalation_tasks.escalation_deliveries_check.using(run_after=now + DELIVERY_CHECK_DELAY).enqueue(
        escalation_id=escalation.pk
    )
    return escalation


def _failed_everywhere(deliveries: list[NotificationDelivery]) -> bool:
    """Every channel has failed at least once and none got through (retries may still follow)."""
    return bool(deliveries) and all(
        d.status == DeliveryStatus.FAILED or (d.status == DeliveryStatus.RETRYING and d.attempts >= 1)
        for d in deliveries
    )


@transaction.atomic
def escalation_deliveries_check(*, escalation_id: int, now: datetime | None = None) -> list[EscalationEvent]:
    """Tell the coordinators about each recipient whose latest notice failed on all channels."""
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or escalation.status == EscalationStatus.RESOLVED:
        return []
    latest: dict[int, EscalationEvent] = {}
    for event in (
        escalation.events.filter(kind__in=NOTICE_KINDS, recipient__isnull=False)
        .select_related("recipient")
        .prefetch_related("deliveries")
        .order_by("at", "id")
    ):
        latest[event.recipient_id] = event  # type: ignore[index]
    told = []
    for event in latest.values():
        deliveries = list(event.deliveries.all())
        if _failed_everywhere(deliveries):
            assert event.recipient is not None  # noqa: S101 - filtered above
            result = _tell_coordinators_unreachable(
                escalation=escalation,
                user=event.recipient,
                now=now,
                reason=EventDetail.ALL_CHANNELS_FAILED,
                failed=sorted(deliveries, key=lambda d: d.pk),
            )
            if result is not None:
                told.append(result)
    return told


def escalation_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue steps overdue by more than :data:`STEP_GRACE`; check the deliveries of open chains."""
    now = now or timezone.now()
    overdue = list(
        Escalation.objects.filter(status=EscalationStatus.ACTIVE, next_step_at__lt=now - STEP_GRACE).values_list(
            "pk", "step_token"
        )
    )
    for pk, token in overdue:
        with transaction.atomic():
            escalation_tasks.escalation_step.enqueue(escalation_id=pk, step_token=token)
        logger.warning("escalation %s: step overdue, re-enqueued", pk)
    for pk in Escalation.objects.filter(status=EscalationStatus.ACTIVE).values_list("pk", flat=True):
        escalation_deliveries_check(escalation_id=pk, now=now)
    return len(overdue)
