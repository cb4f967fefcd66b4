"""The chain with a REAL db_worker process on the test database and a real SMTP sink on loopback."""

import random
import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.escalation import services
from supportdesk.escalation.models import Escalation, EventKind
from supportdesk.escalation.testing import roster_covering_now, start_worker, worker_env
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.notifications.services import delivery_sweep
from supportdesk.tickets.models import Priority
from supportdesk.tickets.services import ticket_create


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


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
