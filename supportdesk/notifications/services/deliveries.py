"""Sending a queued delivery: retries with back-off, the next channel when one fails for good,
the coordinators told when none is left, and the sweep that finds deliveries lost with a worker."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy

from supportdesk.notifications import tasks as notification_tasks
from supportdesk.notifications.channels import DeliveryResult, error_code, error_text
from supportdesk.notifications.models import (
    AttemptOutcome,
    ChannelKind,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationDelivery,
)
from supportdesk.notifications.services.notices import (
    channels,
    delivery_queue,
    notify,
    quiet_hours_end,
    recipient_channels,
)

logger = logging.getLogger(__name__)

RETRY_DELAYS = [timedelta(seconds=s) for s in (10, 30, 120, 600, 1800)]
"""Back-off between attempts; after the last one the delivery is marked failed."""
SENDING_LEASE = timedelta(minutes=5)
"""An ordinary delivery still ``sending`` one lease after its lease ran out was lost with its
worker; the five-minute sweep retries it (so up to about 15 minutes later: nobody waits for it)."""
URGENT_SENDING_LEASE = timedelta(seconds=30)
"""An urgent (Prio 1) delivery still ``sending`` this long after its claim was lost with its worker.

Three times the SMTP timeout (``SUPPORTDESK_SMTP_URL``'s ``timeout``, 10 s by default) and six
times the webhook's, so a slow send whose worker is alive is not taken for a lost one; short
enough that the standby hears of the case well within a minute when the worker died mid-send.
"""
URGENT_GRACE = timedelta(seconds=30)
"""An urgent delivery waiting (pending or retrying) this long past its due time lost its task."""
FALLBACK_AFTER_RETRIES = 2
"""An ordinary notice is retried this often on one channel before the recipient's next channel
takes over (about 40 seconds); the last channel gets every retry of :data:`RETRY_DELAYS`."""
UNREACHABLE_TEMPLATE = "notifications/unreachable"
"""The coordinators' notice that all of a person's channels failed."""
UNREACHABLE_NOTICE_MINUTES = 60
"""Default of ``settings.SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES``, see :func:`unreachable_notice_period`."""
ATTEMPT_RETENTION = timedelta(days=90)
"""Attempts (``DeliveryAttempt``) that started longer ago are pruned by the nightly job."""


def unreachable_notice_period() -> timedelta:
    """How long a coordinator's "could not reach" notice about a person stands for later failures.

    ``settings.SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES`` (default 60): within that many minutes
    after a coordinator was told that a person cannot be reached, further failed notices to that
    person are only logged, linked to the notice that was sent (the delivery log shows them), so a
    broken mail address does not bring one notice per failed notice. 0 tells of every failure.
    Prio 1 notices are not affected: the escalation tells the coordinators itself, every case.
    """
    minutes = getattr(settings, "SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES", UNREACHABLE_NOTICE_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise ImproperlyConfigured(
            f"SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES must be a whole number of minutes, 0 or more (got {minutes!r})."
        )
    return timedelta(minutes=minutes)


def sending_lease(*, urgent: bool) -> timedelta:
    return URGENT_SENDING_LEASE if urgent else SENDING_LEASE


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> NotificationDelivery | None:
    """Send one pending delivery once; on failure schedule the next attempt.

    The row is claimed in a short transaction and the channel is called outside
    it, so a slow SMTP server never holds a database write lock. The claim is a
    lease (``next_attempt_at``): a worker killed while sending leaves the row
    ``sending`` until the lease runs out, then it is sent again. An urgent
    delivery's claim enqueues, in the same transaction, :func:`delivery_lease_check`
    for the moment its 30-second lease ends, so a Prio 1 notice lost with its worker
    goes out about half a minute later (the per-minute urgent sweep is the backstop
    when that check is lost too).

    At most once is not promised for one window: a worker killed after the channel
    accepted the notice (SMTP said 250, the webhook answered 2xx) but before ``sent``
    is committed a few milliseconds later. The row is still ``sending``; when the lease
    runs out it is sent again, so the recipient gets it twice. The same happens when a
    send outlasts the lease (an SMTP server that answers each command just before the
    timeout). No protocol here can close this window: the channel does not take part
    in the database transaction, and SMTP has no idempotency key. Twice is the
    chosen failure; never is not acceptable for a Prio 1.

    Every claim writes a ``DeliveryAttempt`` (``sending``) in the claim's transaction, and the
    transaction that records the outcome finishes it (sent, failed and retried, failed for good),
    so the log and the delivery never disagree. A sweep that finds the attempt's lease run out
    marks it ``lost``; should its worker still finish it after all (a send that outlasted the
    lease), the worker's outcome replaces ``lost``: it is what the channel said.
    """
    now = now or timezone.now()
    urgent = NotificationDelivery.objects.filter(pk=delivery_id).values_list("urgent", flat=True).first()
    if urgent is None:
        return None
    lease_end = now + sending_lease(urgent=urgent)
    with transaction.atomic():
        claimed = NotificationDelivery.objects.filter(
            pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
        ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=lease_end)
        if not claimed:
            return None  # sent, given up or being sent by another worker: a duplicate task does nothing
        attempt = _attempt_start(delivery_id=delivery_id, now=now)
        if urgent:
            notification_tasks.check_delivery_lease.using(run_after=lease_end + timedelta(seconds=1)).enqueue(
                delivery_id=delivery_id
            )
    delivery = NotificationDelivery.objects.select_related("recipient").get(pk=delivery_id)
    result = channels()[delivery.channel].send(delivery)
    with transaction.atomic():
        next_channel = None
        if not result.ok and delivery.falls_back:
            next_channel = _next_channel(delivery=delivery)
        if result.ok:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.next_attempt_at = None
        elif (
            result.permanent
            or delivery.attempts > len(RETRY_DELAYS)
            or (next_channel is not None and delivery.attempts > FALLBACK_AFTER_RETRIES)
        ):
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = result.error
            delivery.next_attempt_at = None
            logger.error("notice %s to %s failed for good: %s", delivery.pk, delivery.address, result.error)
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.last_error = result.error
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
            notification_tasks.deliver_notification.using(run_after=delivery.next_attempt_at).enqueue(
                delivery_id=delivery.pk
            )
        delivery.save(update_fields=["status", "last_error", "sent_at", "next_attempt_at"])
        _attempt_finish(attempt=attempt, status=delivery.status, result=result)
        if delivery.status == DeliveryStatus.FAILED and delivery.falls_back:
            delivery_fall_back(delivery=delivery, next_channel=next_channel, now=timezone.now())
    return delivery


def _attempt_start(*, delivery_id: int, now: datetime) -> DeliveryAttempt:
    """The log row of the attempt just claimed; in the claim's transaction, which holds the row's lock,
    so ``attempts`` is this claim's number."""
    number = NotificationDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).get()
    return DeliveryAttempt.objects.create(delivery_id=delivery_id, number=number, started_at=now)


_ATTEMPT_OUTCOME = {
    DeliveryStatus.SENT: AttemptOutcome.SENT,
    DeliveryStatus.RETRYING: AttemptOutcome.RETRY,
    DeliveryStatus.FAILED: AttemptOutcome.FAILED,
}


def _attempt_finish(*, attempt: DeliveryAttempt, status: str, result: DeliveryResult) -> None:
    """Record an attempt's outcome; in the transaction that saves the delivery's ``status``."""
    attempt.outcome = _ATTEMPT_OUTCOME[DeliveryStatus(status)]
    attempt.finished_at = timezone.now()
    attempt.error = "" if result.ok else result.error
    attempt.error_code = "" if result.ok else error_code(result.error)
    attempt.save(update_fields=["outcome", "finished_at", "error", "error_code"])


@transaction.atomic
def delivery_attempts_prune(*, now: datetime | None = None) -> int:
    """Delete the attempt log older than :data:`ATTEMPT_RETENTION`; the number of attempts deleted.

    The deliveries stay (their ``attempts`` counter too); the delivery log says how many of a
    delivery's attempts are no longer listed.
    """
    cutoff = (now or timezone.now()) - ATTEMPT_RETENTION
    deleted, _ = DeliveryAttempt.objects.filter(started_at__lt=cutoff).delete()
    if deleted:
        logger.info("pruned %s delivery attempts that started before %s", deleted, cutoff.isoformat())
    return deleted


# --- the next channel when one fails ------------------------------------------------------------


def delivery_chain(*, delivery: NotificationDelivery) -> list[NotificationDelivery]:
    """``delivery`` and the failed deliveries of the same notice before it, newest first."""
    chain = [delivery]
    while chain[-1].fallback_of_id is not None:
        chain.append(NotificationDelivery.objects.select_related("recipient").get(pk=chain[-1].fallback_of_id))
    return chain


def _next_channel(*, delivery: NotificationDelivery) -> tuple[str, str] | None:
    """(channel name, address) of the recipient's first active channel this notice has not tried yet."""
    tried = {(d.channel, d.address) for d in delivery_chain(delivery=delivery)}
    available = channels()
    return next(
        (
            (name, address)
            for name, address in recipient_channels(recipient=delivery.recipient)
            if name in available and (name, address) not in tried
        ),
        None,
    )


@transaction.atomic
def delivery_fall_back(
    *, delivery: NotificationDelivery, next_channel: tuple[str, str] | None, now: datetime
) -> NotificationDelivery | None:
    """After ``delivery`` failed for good: queue the notice on ``next_channel``, or, when none is
    left, tell the coordinators that the recipient could not be reached.

    Written in the transaction that marks ``delivery`` failed, so that a worker killed in between
    loses neither. The next delivery waits for the recipient's quiet hours like the first. A
    failed "could not reach" notice is never reported in turn.
    """
    if next_channel is None:
        if delivery.event != UNREACHABLE_TEMPLATE:
            coordinators_tell_unreachable(delivery=delivery, now=now)
        return None
    name, address = next_channel
    fallback = NotificationDelivery(
        recipient=delivery.recipient,
        event=delivery.event,
        channel=name,
        address=address,
        subject=delivery.subject,
        body_text=delivery.body_text,
        body_html=delivery.body_html,
        falls_back=True,
        fallback_of=delivery,
        urgent=delivery.urgent,
    )
    hold_until = quiet_hours_end(recipient=delivery.recipient, now=now)
    logger.warning("notice %s failed on %s; going on on %s", delivery.pk, delivery.channel, name)
    return delivery_queue(delivery=fallback, hold_until=hold_until)


_error_text_lazy = lazy(error_text, str)
"""A channel's error worded when the notice is rendered, i.e. in the coordinator's language."""


def coordinators_tell_unreachable(*, delivery: NotificationDelivery, now: datetime) -> list[NotificationDelivery]:
    """Every channel of ``delivery``'s recipient failed: the coordinators (or the deputy while they
    are absent) hear whom the notice did not reach, what it was about and why.

    At most one such notice per coordinator and person within :func:`unreachable_notice_period`:
    a coordinator told of the person shortly before gets no new notice; the earlier notice is
    linked to this failure instead (``covered_by``). Returns the notices sent now.
    """
    from supportdesk.accounts.models import User
    from supportdesk.accounts.selectors import user_list_coordinators
    from supportdesk.roster.selectors import today

    person = delivery.recipient
    # Two workers failing notices to the same person at once must not both decide "nobody told yet".
    User.objects.select_for_update().filter(pk=person.pk).first()
    chain = list(reversed(delivery_chain(delivery=delivery)))
    coordinators = [user for user in user_list_coordinators(day=today(now)) if user.pk != person.pk]
    if not coordinators:
        logger.error("notice %s: %s could not be reached and there is no coordinator to tell", delivery.pk, person.pk)
        return []
    period = unreachable_notice_period()
    context = {
        "person": person,
        "subject": chain[0].subject,
        "attempts": [
            {
                "channel": ChannelKind(d.channel).label if d.channel in ChannelKind.values else d.channel,
                "error": _error_text_lazy(d.last_error) if d.last_error else "",
            }
            for d in chain
        ],
        "log_url": settings.SITE_URL + reverse("notifications:delivery_log") + "?status=failed",
        "period_minutes": int(period.total_seconds() // 60),
    }
    deliveries: list[NotificationDelivery] = []
    earlier: list[NotificationDelivery] = []
    for coordinator in coordinators:
        told = (
            NotificationDelivery.objects.filter(
                recipient=coordinator,
                event=UNREACHABLE_TEMPLATE,
                about__recipient=person,
                created_at__gte=now - period,
            )
            .order_by("-created_at", "-pk")
            .first()
            if period
            else None
        )
        if told is not None:
            earlier.append(told)
            continue
        deliveries += notify(
            recipient=coordinator, template=UNREACHABLE_TEMPLATE, context={**context, "recipient": coordinator}, now=now
        )
    NotificationDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(about=delivery)
    for sent in deliveries:
        sent.about = delivery
    delivery.covered_by.add(*earlier)
    logger.warning(
        "notice %s: %s could not be reached; %s coordinator(s) told, %s told within the last %s already",
        delivery.pk,
        person.pk,
        len(deliveries),
        len(earlier),
        period,
    )
    return deliveries


def _lost(*, now: datetime) -> Q:
    """Deliveries whose task was lost: a worker killed while sending (the lease ran out), or one
    killed after taking the task from the queue but before claiming the row (still waiting long
    after it was due). Urgent ones after :data:`URGENT_SENDING_LEASE` / :data:`URGENT_GRACE`,
    ordinary ones after twice :data:`SENDING_LEASE` / one lease."""
    waiting = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
    urgent = Q(urgent=True) & (
        Q(status=DeliveryStatus.SENDING, next_attempt_at__lt=now)
        | Q(status__in=waiting, next_attempt_at__lt=now - URGENT_GRACE)
        | Q(status=DeliveryStatus.PENDING, next_attempt_at__isnull=True, created_at__lt=now - URGENT_GRACE)
    )
    ordinary = Q(urgent=False) & (
        Q(status__in=[DeliveryStatus.SENDING, *waiting], next_attempt_at__lt=now - SENDING_LEASE)
        | Q(status=DeliveryStatus.PENDING, next_attempt_at__isnull=True, created_at__lt=now - SENDING_LEASE)
    )
    return urgent | ordinary


@transaction.atomic
def delivery_requeue_if_lost(*, delivery_id: int, now: datetime) -> bool:
    """Send a delivery again whose task was lost (see :func:`_lost`); False when it was not lost.

    The test and the change are one UPDATE, so a row that a live worker has claimed meanwhile
    (a fresh lease) is left alone. ``next_attempt_at`` becomes ``now``: should this task be lost
    as well, the next sweep finds the row again. A row lost while ``sending`` (its worker died
    mid-send) has its open attempt marked ``lost`` in the same transaction; one whose task died
    before the claim has no open attempt.
    """
    lost = NotificationDelivery.objects.filter(_lost(now=now), pk=delivery_id)
    # Two conditional UPDATEs instead of one with a CASE, to know whether the row was ``sending``;
    # each tests and changes in one statement, and the second never takes a ``sending`` row.
    mid_send = lost.filter(status=DeliveryStatus.SENDING).update(status=DeliveryStatus.RETRYING, next_attempt_at=now)
    requeued = bool(mid_send) or lost.exclude(status=DeliveryStatus.SENDING).update(next_attempt_at=now) == 1
    if mid_send:
        DeliveryAttempt.objects.filter(delivery_id=delivery_id, outcome=AttemptOutcome.SENDING).update(
            outcome=AttemptOutcome.LOST, finished_at=now
        )
    if requeued:
        notification_tasks.deliver_notification.enqueue(delivery_id=delivery_id)
        logger.warning("notice %s lost its task (worker gone?); sending it again", delivery_id)
    return requeued


def delivery_lease_check(*, delivery_id: int, now: datetime | None = None) -> bool:
    """When an urgent delivery's lease ends: still ``sending`` means its worker died; send it again."""
    return delivery_requeue_if_lost(delivery_id=delivery_id, now=now or timezone.now())


def delivery_sweep(*, now: datetime | None = None, urgent_only: bool = False) -> int:
    """Re-queue deliveries whose task was lost (worker killed mid-send or before its claim).

    The five-minute job sweeps all of them, the per-minute job (``urgent_only``) the Prio 1 notices.
    """
    now = now or timezone.now()
    lost = NotificationDelivery.objects.filter(_lost(now=now))
    if urgent_only:
        lost = lost.filter(urgent=True)
    return sum(
        delivery_requeue_if_lost(delivery_id=pk, now=now) for pk in lost.order_by("pk").values_list("pk", flat=True)
    )
