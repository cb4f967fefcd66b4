"""The chain with a REAL db_worker process on the test database and a real SMTP sink on loopback."""

import itertools
import random
import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.escalation import services
from supportdesk.escalation.models import Escalation, EventDetail, EventKind
from supportdesk.escalation.testing import (
    roster_covering_now,
    start_scheduler,
    start_stalling_sink,
    start_worker,
    worker_env,
)
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import URGENT_SENDING_LEASE, delivery_sweep
from supportdesk.tickets.models import Priority
from supportdesk.tickets.services import ticket_create


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)


def to(sink, user):
    return [m for m in sink.messages if m["To"] == user.email and "Prio 1" in m["Subject"]]


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)  # the worker reads committed rows of the test database
def test_real_worker_renotifies_in_order_and_the_ack_stops_the_chain(db_tasks, smtp_sink, pool, coordinator, tmp_path):
    anna, bernd = pool[0], pool[1]
    customer = roster_covering_now(standby=anna, phone_duty=bernd, renotify_seconds=2, renotify_count=10)
    log = tmp_path / "worker.log"
    worker = start_worker(env=worker_env(smtp_port=smtp_sink.port), log=log)
    try:
        ticket = ticket_create(actor=coordinator, subject="Leitsystem steht", priority=Priority.P1, customer=customer)
        assert wait_until(lambda: len(to(smtp_sink, anna)) >= 2, 30), log.read_text()
        escalation = Escalation.objects.get(case__ticket=ticket)
        result = services.escalation_acknowledge(escalation=escalation, actor=anna, via="test")
        assert result.accepted
        count_at_ack = len(to(smtp_sink, anna))
        time.sleep(5)  # two more periods: nothing more may come
        assert len(to(smtp_sink, anna)) == count_at_ack
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=15)
    subjects = [m["Subject"] for m in to(smtp_sink, anna)]
    # The repeat names its attempt ("(notice 2)", or translated "(2. …)").
    assert "(" not in subjects[0] and "2" in subjects[1].rpartition("(")[2], subjects
    steps = list(
        escalation.events.filter(kind__in=[EventKind.NOTIFIED, EventKind.RENOTIFIED]).values_list("step", flat=True)
    )
    assert steps == list(range(len(steps))) and len(steps) == count_at_ack
    ack_at = escalation.events.get(kind=EventKind.ACKNOWLEDGED).at
    assert not escalation.events.filter(kind=EventKind.RENOTIFIED, at__gt=ack_at).exists()
    assert "Traceback" not in log.read_text()


@pytest.mark.django_db(transaction=True)
def test_sigkilled_worker_loses_no_step_and_sends_one_first_notice(db_tasks, smtp_sink, pool, coordinator, tmp_path):
    anna, bernd = pool[0], pool[1]
    customer = roster_covering_now(standby=anna, phone_duty=bernd, renotify_seconds=600, renotify_count=3)
    rng = random.Random(20261127)
    log = tmp_path / "worker.log"
    env = worker_env(smtp_port=smtp_sink.port)
    # The case is recorded (and committed) while no worker runs; then workers die at random moments.
    ticket = ticket_create(actor=coordinator, subject="Leitsystem steht", priority=Priority.P1, customer=customer)
    escalation = Escalation.objects.get(case__ticket=ticket)
    for _round in range(4):
        worker = start_worker(env=env, log=log)
        time.sleep(rng.uniform(0.3, 2.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    # What the per-minute sweeps would do later: re-enqueue a lost step and a lost delivery.
    services.escalation_sweep(now=timezone.now() + services.STEP_GRACE * 2)
    delivery_sweep(now=timezone.now() + timedelta(minutes=11))
    worker = start_worker(env=env, log=log)
    try:
        assert wait_until(lambda: len(to(smtp_sink, anna)) >= 1, 30), log.read_text()
        time.sleep(2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=15)
    assert len(to(smtp_sink, anna)) == 1
    assert escalation.events.filter(kind=EventKind.NOTIFIED).count() == 1
    assert NotificationDelivery.objects.filter(event="escalation/prio1_notice").count() == 1
    escalation.refresh_from_db()
    assert escalation.step == 1


@pytest.mark.django_db(transaction=True)
def test_real_worker_escalates_to_the_coordinator_after_the_repeats(db_tasks, smtp_sink, pool, coordinator, tmp_path):
    """Step 0, one repeat, then the coordinator: every step run by the worker on its ``run_after``."""
    anna, bernd = pool[0], pool[1]
    customer = roster_covering_now(standby=anna, phone_duty=bernd, renotify_seconds=2, renotify_count=1)
    log = tmp_path / "worker.log"
    worker = start_worker(env=worker_env(smtp_port=smtp_sink.port), log=log)
    try:
        ticket = ticket_create(actor=coordinator, subject="Leitsystem steht", priority=Priority.P1, customer=customer)
        assert wait_until(lambda: len(to(smtp_sink, coordinator)) >= 1, 30), log.read_text()
        time.sleep(3)  # the chain has ended: nothing more may come
    finally:
        stop(worker)
    escalation = Escalation.objects.get(case__ticket=ticket)
    assert escalation.step == 3 and escalation.next_step_at is None and escalation.is_active
    notices = list(
        escalation.events.filter(kind__in=services.NOTICE_KINDS)
        .order_by("at", "id")
        .values_list("kind", "step", "recipient", "detail_code", "at")
    )
    # The policy escalates to the coordinators only (roster_covering_now turns the pool off).
    assert [n[:4] for n in notices] == [
        (EventKind.NOTIFIED, 0, anna.pk, EventDetail.STANDBY),
        (EventKind.RENOTIFIED, 1, anna.pk, EventDetail.STANDBY),
        (EventKind.ESCALATED, 2, coordinator.pk, EventDetail.ESCALATION),
    ], notices
    # Each step waited for the policy's interval (the worker runs it at ``run_after``, not earlier).
    step_times = [notices[0][4], notices[1][4], notices[2][4]]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(step_times)]
    assert all(gap >= 2 for gap in gaps), gaps
    print(f"gaps between the steps: {gaps} s")
    [to_coordinator] = to(smtp_sink, coordinator)
    assert {"ESKALIERT", "ESCALATED"} & set(to_coordinator["Subject"].split()), to_coordinator["Subject"]
    assert len(to(smtp_sink, anna)) == 2
    assert "Traceback" not in log.read_text()


@pytest.fixture
def stalling_sink(settings, pool):
    sink, controller = start_stalling_sink(stall_to=pool[0].email)
    settings.MAILERS = {"default": sink.mailer()}
    yield sink
    sink.released.set()
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_the_prio1_notice_still_arrives_once(
    db_tasks, stalling_sink, pool, coordinator, tmp_path
):
    """Nobody moves the clock or calls a sweep: a real scheduler and a restarted worker recover it.

    Bound: the notice's lease ends 30 s after the claim; the lease check enqueued with the claim
    runs a second later. Were that check lost too, the per-minute urgent sweep re-sends it at the
    first minute after the lease: at most 30 s + 60 s + the scheduler's 1-second tick + the
    worker's poll. 120 s leaves room for a loaded machine; the test prints the delay it saw.
    """
    sink = stalling_sink
    anna, bernd = pool[0], pool[1]
    customer = roster_covering_now(standby=anna, phone_duty=bernd, renotify_seconds=600, renotify_count=3)
    env = worker_env(smtp_port=sink.port)
    log, scheduler_log = tmp_path / "worker.log", tmp_path / "scheduler.log"
    scheduler = start_scheduler(env=env, log=scheduler_log)
    worker = start_worker(env=env, log=log)
    try:
        ticket = ticket_create(actor=coordinator, subject="Leitsystem steht", priority=Priority.P1, customer=customer)
        assert wait_until(sink.stalled.is_set, 30), log.read_text()
        # The worker has claimed the row and is in the middle of the SMTP conversation.
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed = time.monotonic()
        [delivery] = NotificationDelivery.objects.filter(event="escalation/prio1_notice")
        assert delivery.status == DeliveryStatus.SENDING and delivery.attempts == 1
        sink.released.set()
        assert to(sink, anna) == []  # the server never accepted the message
        worker = start_worker(env=env, log=log)  # the process supervisor starts a new one
        bound = URGENT_SENDING_LEASE.total_seconds() + 60 + 30
        assert wait_until(lambda: len(to(sink, anna)) >= 1, bound), log.read_text() + scheduler_log.read_text()
        delay = time.monotonic() - killed
        print(f"Prio 1 notice arrived {delay:.1f} s after its worker was killed mid-send (bound {bound:.0f} s)")
        time.sleep(3)  # a second copy would follow within this
    finally:
        stop(worker)
        stop(scheduler)
    assert len(to(sink, anna)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert NotificationDelivery.objects.filter(event="escalation/prio1_notice").count() == 1
    assert Escalation.objects.get(case__ticket=ticket).events.filter(kind=EventKind.NOTIFIED).count() == 1
    assert "Traceback" not in log.read_text()
