"""The attempt log: every try at a delivery with its times, outcome and error, written in the
transactions that change the delivery; marked lost when a sweep finds its worker gone; listed on
the delivery log in the reader's language; pruned after the retention period."""

import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.notifications.channels import NO_MAIL_ADDRESS
from supportdesk.notifications.models import AttemptOutcome, DeliveryAttempt, DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import (
    ATTEMPT_RETENTION,
    DEFAULT_CHANNELS,
    FALLBACK_AFTER_RETRIES,
    URGENT_GRACE,
    URGENT_SENDING_LEASE,
    delivery_attempt,
    delivery_attempts_prune,
    delivery_sweep,
    notify,
    user_channel_create,
)

pytestmark = pytest.mark.django_db

DEAD_APPRISE_URL = "json://127.0.0.1:9/hook"
"""Apprise understands it, but nothing listens on the discard port: every send fails."""


def _notice(user, **kwargs):
    [delivery] = notify(recipient=user, template="test_notice", context={"recipient": user}, **kwargs)
    return delivery


def _log(delivery):
    return list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number"))


def test_smtp_down_then_up_leaves_failed_failed_sent_with_the_servers_errors(agent, smtp_sink):
    delivery = _notice(agent)
    smtp_sink.refuse = True
    t0 = timezone.now()
    delivery_attempt(delivery_id=delivery.pk, now=t0)
    delivery_attempt(delivery_id=delivery.pk, now=t0 + timedelta(seconds=10))
    smtp_sink.refuse = False
    delivery_attempt(delivery_id=delivery.pk, now=t0 + timedelta(seconds=40))
    delivery_attempt(delivery_id=delivery.pk)  # a duplicate task writes no attempt
    assert len(smtp_sink.wait_for(1)) == 1

    log = _log(delivery)
    assert [(a.number, a.outcome) for a in log] == [
        (1, AttemptOutcome.RETRY),
        (2, AttemptOutcome.RETRY),
        (3, AttemptOutcome.SENT),
    ]
    assert [a.started_at for a in log] == [t0, t0 + timedelta(seconds=10), t0 + timedelta(seconds=40)]
    assert all(a.finished_at is not None for a in log)
    for failed in log[:2]:
        assert "451" in failed.error and failed.error.startswith("SMTP")  # the server's reply as it came
        assert failed.error_code == ""  # not one of ours: never translated
    assert (log[2].error, log[2].error_code) == ("", "")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3


def test_our_own_error_gets_its_code(agent):
    agent.email = ""
    agent.save()
    delivery = _notice(agent)
    delivery_attempt(delivery_id=delivery.pk)
    [attempt] = _log(delivery)
    assert (attempt.outcome, attempt.error, attempt.error_code) == (
        AttemptOutcome.FAILED,
        NO_MAIL_ADDRESS,
        "no_mail_address",
    )


class WorkerKilled(BaseException):
    """Stands for SIGKILL between the claim's commit and the outcome's (nothing after it runs)."""


class DyingMailChannel:
    name = "email"

    def address_for(self, delivery):
        return delivery.recipient.email

    def send(self, delivery):
        raise WorkerKilled


def test_a_worker_lost_mid_send_leaves_a_lost_attempt_then_a_sent_one(agent, smtp_sink, settings):
    delivery = _notice(agent, urgent=True)
    settings.SUPPORTDESK_NOTIFICATION_CHANNELS = [f"{__name__}.DyingMailChannel"]
    t0 = timezone.now()
    with pytest.raises(WorkerKilled):
        delivery_attempt(delivery_id=delivery.pk, now=t0)
    [attempt] = _log(delivery)
    assert (attempt.number, attempt.outcome, attempt.finished_at) == (1, AttemptOutcome.SENDING, None)

    settings.SUPPORTDESK_NOTIFICATION_CHANNELS = DEFAULT_CHANNELS
    assert delivery_sweep(now=t0 + URGENT_SENDING_LEASE - timedelta(seconds=1), urgent_only=True) == 0
    assert _log(delivery)[0].outcome == AttemptOutcome.SENDING  # a live lease is not taken for lost
    found = t0 + URGENT_SENDING_LEASE + timedelta(seconds=1)
    assert delivery_sweep(now=found, urgent_only=True) == 1
    again = found + URGENT_GRACE + timedelta(seconds=1)
    assert delivery_sweep(now=again, urgent_only=True) == 1  # its new task lost too: found again…
    delivery_attempt(delivery_id=delivery.pk, now=again)
    delivery_attempt(delivery_id=delivery.pk, now=again)  # …but one attempt sends it, and once
    assert len(smtp_sink.wait_for(1)) == 1

    lost, sent = _log(delivery)
    assert (lost.number, lost.outcome, lost.started_at, lost.finished_at) == (1, AttemptOutcome.LOST, t0, found)
    assert (sent.number, sent.outcome, sent.started_at) == (2, AttemptOutcome.SENT, again)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


def test_a_task_lost_before_its_claim_writes_no_attempt(agent):
    delivery = _notice(agent, urgent=True)
    assert delivery_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert _log(delivery) == []


def test_the_fallback_chain_keeps_each_channels_attempts(agent, coordinator, smtp_sink):
    user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    first = _notice(agent)
    for _ in range(FALLBACK_AFTER_RETRIES + 1):
        delivery_attempt(delivery_id=first.pk)
    fallback = NotificationDelivery.objects.get(fallback_of=first)
    delivery_attempt(delivery_id=fallback.pk)
    smtp_sink.wait_for(1)

    apprise_log = _log(first)
    assert [a.outcome for a in apprise_log] == [AttemptOutcome.RETRY] * FALLBACK_AFTER_RETRIES + [AttemptOutcome.FAILED]
    assert all(a.error for a in apprise_log)
    assert [(a.number, a.outcome) for a in _log(fallback)] == [(1, AttemptOutcome.SENT)]


def _page(client):
    return client.get("/notices/").content.decode()


def test_the_log_page_lists_each_deliverys_attempts_in_the_readers_language(client, coordinator, agent, smtp_sink):
    delivery = _notice(agent)
    smtp_sink.refuse = True
    delivery_attempt(delivery_id=delivery.pk)
    smtp_sink.refuse = False
    delivery_attempt(delivery_id=delivery.pk)
    agent.email = ""
    agent.save()
    broken = _notice(agent)
    delivery_attempt(delivery_id=broken.pk)
    client.force_login(coordinator)

    coordinator.language = "de"
    coordinator.save()
    page = _page(client)
    assert f'<details id="attempts-{delivery.pk}">' in page
    assert "2 Versuche" in page
    assert "Fehlgeschlagen, wird erneut versucht" in page and "Gesendet" in page
    assert "451" in page  # the server's error as it came
    assert "Endgültig fehlgeschlagen" in page
    assert "die empfangende Person hat keine Mailadresse" in page  # our own error, worded in German

    coordinator.language = "en"
    coordinator.save()
    page = _page(client)
    assert "2 attempts" in page
    assert "Failed, will be retried" in page and "Failed for good" in page
    assert "recipient has no mail address" in page


def test_attempts_no_longer_in_the_log_are_counted(client, coordinator, agent):
    delivery = _notice(agent)
    delivery_attempt(delivery_id=delivery.pk)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(attempts=3)  # two were pruned
    coordinator.language = "en"
    coordinator.save()
    client.force_login(coordinator)
    page = _page(client)
    assert "3 attempts" in page and "2 earlier attempts are no longer in the log." in page


def test_the_log_page_does_not_query_per_delivery_or_attempt(client, coordinator, agent, smtp_sink):
    client.force_login(coordinator)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notices/").status_code == 200
        return len(captured)

    def deliveries_with_attempts(count: int, tries: int) -> None:
        smtp_sink.refuse = True
        for _ in range(count):
            delivery = _notice(agent)
            for _ in range(tries):
                delivery_attempt(delivery_id=delivery.pk)

    deliveries_with_attempts(1, 1)
    few = queries_for_page()
    deliveries_with_attempts(12, 3)
    assert queries_for_page() == few


def test_prune_deletes_attempts_older_than_the_retention(agent):
    now = timezone.now()
    old, recent = _notice(agent), _notice(agent)
    delivery_attempt(delivery_id=old.pk, now=now - ATTEMPT_RETENTION - timedelta(minutes=1))
    delivery_attempt(delivery_id=recent.pk, now=now - ATTEMPT_RETENTION + timedelta(minutes=1))
    assert delivery_attempts_prune(now=now) == 1
    assert _log(old) == [] and len(_log(recent)) == 1
    assert NotificationDelivery.objects.filter(pk=old.pk, attempts=1).exists()  # the delivery stays
    assert delivery_attempts_prune(now=now) == 0


def test_the_prune_job_fires_once_a_night(agent):
    from django.tasks import default_task_backend

    jobs = {"notifications.prune_attempts": registered_jobs()["notifications.prune_attempts"]}
    start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    fired = []
    for hour in range(48):
        fired += run_due_jobs(now=start + timedelta(hours=hour), holder="test", jobs=jobs)
    assert fired.count("notifications.prune_attempts") == 2
    pruned = [r for r in default_task_backend.results if r.task.name == "prune_delivery_attempts"]
    assert len(pruned) == 2 and all(r.kwargs == {} for r in pruned)


@pytest.mark.django_db(transaction=True)  # the worker reads committed rows of the test database
def test_a_real_worker_killed_mid_send_leaves_a_lost_then_a_sent_attempt(settings, agent, tmp_path):
    """SIGKILL while the SMTP server holds the message; a new worker runs the lease check."""
    from supportdesk.escalation.testing import start_stalling_sink, start_worker, worker_env

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sink, controller = start_stalling_sink(stall_to=agent.email)
    log = tmp_path / "worker.log"
    env = worker_env(smtp_port=sink.port)
    worker = start_worker(env=env, log=log)
    try:
        delivery = _notice(agent, urgent=True)
        assert _wait(sink.stalled.is_set, 30), log.read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        [attempt] = _log(delivery)
        assert attempt.outcome == AttemptOutcome.SENDING
        sink.released.set()
        worker = start_worker(env=env, log=log)
        bound = URGENT_SENDING_LEASE.total_seconds() + 30
        assert _wait(lambda: len(sink.messages) >= 1, bound), log.read_text()
        assert _wait(lambda: len(_log(delivery)) == 2 and _log(delivery)[1].outcome != AttemptOutcome.SENDING, 10)
        time.sleep(2)  # a second copy would follow within this
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=15)
        controller.stop()
    assert len(sink.messages) == 1
    assert [(a.number, a.outcome) for a in _log(delivery)] == [(1, AttemptOutcome.LOST), (2, AttemptOutcome.SENT)]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert "Traceback" not in log.read_text()


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
