"""Leases and sweeps: a delivery lost with its worker is sent again, a Prio 1 notice within about a minute."""

from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import default_task_backend
from django.utils import timezone

from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import (
    SENDING_LEASE,
    URGENT_GRACE,
    URGENT_SENDING_LEASE,
    delivery_attempt,
    delivery_lease_check,
    delivery_sweep,
    notify,
)

pytestmark = pytest.mark.django_db


def queued(task_name: str) -> list:
    return [r for r in default_task_backend.results if r.task.name == task_name]


def claimed_at(agent, at: datetime, *, urgent: bool) -> NotificationDelivery:
    """A delivery that a worker claimed at ``at`` and then died with (the row stays ``sending``)."""
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, urgent=urgent)
    lease = URGENT_SENDING_LEASE if urgent else SENDING_LEASE
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, next_attempt_at=at + lease
    )
    default_task_backend.clear()
    return delivery


def test_an_urgent_delivery_lost_mid_send_is_requeued_once_its_30_second_lease_ran_out(agent):
    t0 = timezone.now()
    delivery = claimed_at(agent, t0, urgent=True)
    assert delivery_sweep(now=t0 + URGENT_SENDING_LEASE - timedelta(seconds=1), urgent_only=True) == 0
    assert queued("deliver_notification") == []
    assert delivery_sweep(now=t0 + URGENT_SENDING_LEASE + timedelta(seconds=1), urgent_only=True) == 1
    [task] = queued("deliver_notification")
    assert task.kwargs == {"delivery_id": delivery.pk}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    # The requeued task sends it; the attempt is counted.
    assert delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.SENT
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_an_ordinary_delivery_keeps_its_five_minute_lease_and_the_urgent_sweep_leaves_it(agent):
    t0 = timezone.now()
    claimed_at(agent, t0, urgent=False)
    assert delivery_sweep(now=t0 + timedelta(minutes=9), urgent_only=False) == 0
    assert delivery_sweep(now=t0 + timedelta(minutes=11), urgent_only=True) == 0
    assert delivery_sweep(now=t0 + 2 * SENDING_LEASE + timedelta(seconds=1)) == 1


def test_a_delivery_being_sent_under_a_fresh_lease_is_never_taken(agent):
    t0 = timezone.now()
    delivery = claimed_at(agent, t0, urgent=True)
    # A retry claimed it again just now: the lease check of the first claim must not steal it.
    NotificationDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=t0 + 2 * URGENT_SENDING_LEASE)
    assert delivery_lease_check(delivery_id=delivery.pk, now=t0 + URGENT_SENDING_LEASE + timedelta(seconds=1)) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING and queued("deliver_notification") == []


def test_claiming_an_urgent_delivery_enqueues_the_check_at_the_end_of_its_lease(agent):
    now = timezone.now()
    [urgent] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, urgent=True)
    [ordinary] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    default_task_backend.clear()
    delivery_attempt(delivery_id=urgent.pk, now=now)
    delivery_attempt(delivery_id=ordinary.pk, now=now)
    [check] = queued("check_delivery_lease")
    assert check.kwargs == {"delivery_id": urgent.pk}
    assert check.task.run_after == now + URGENT_SENDING_LEASE + timedelta(seconds=1)
    # Sent in time: the check finds nothing to do.
    assert delivery_lease_check(delivery_id=urgent.pk, now=check.task.run_after) is False
    assert queued("deliver_notification") == []


def test_a_delivery_whose_task_died_before_the_claim_is_found_too(agent):
    """A worker killed after taking the task from the queue but before claiming the row."""
    [urgent] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, urgent=True)
    [ordinary] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    default_task_backend.clear()
    now = timezone.now()
    assert delivery_sweep(now=now + URGENT_GRACE - timedelta(seconds=2)) == 0
    assert delivery_sweep(now=now + URGENT_GRACE + timedelta(seconds=1)) == 1
    assert [t.kwargs for t in queued("deliver_notification")] == [{"delivery_id": urgent.pk}]
    urgent.refresh_from_db()
    assert urgent.status == DeliveryStatus.PENDING  # it was never claimed
    assert delivery_sweep(now=now + SENDING_LEASE + timedelta(seconds=1)) == 2  # urgent again, ordinary now
    assert sorted(t.kwargs["delivery_id"] for t in queued("deliver_notification")) == sorted(
        [urgent.pk, urgent.pk, ordinary.pk]
    )


def test_a_notice_on_hold_for_quiet_hours_is_not_taken_for_lost(agent):
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    hold_until = timezone.now() + timedelta(hours=8)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=hold_until)
    assert delivery_sweep(now=hold_until - timedelta(seconds=1)) == 0
    assert delivery_sweep(now=hold_until + SENDING_LEASE + timedelta(seconds=1)) == 1


def test_the_urgent_sweep_fires_every_minute_the_full_one_every_five(agent):
    jobs = {name: job for name, job in registered_jobs().items() if name.startswith("notifications.")}
    start = datetime(2026, 12, 1, 15, 0, 30, tzinfo=UTC)
    fired = []
    for minute in range(10):
        fired += run_due_jobs(now=start + timedelta(minutes=minute), holder="test", jobs=jobs)
    assert fired.count("notifications.sweep_urgent") == 10
    assert fired.count("notifications.sweep") == 2
    sweeps = queued("sweep_deliveries")
    assert sum(1 for t in sweeps if t.kwargs == {"urgent_only": True}) == 10
    assert sum(1 for t in sweeps if t.kwargs == {}) == 2
