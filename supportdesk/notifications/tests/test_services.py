from datetime import timedelta

import pytest
from django.tasks import default_task_backend
from django.utils import timezone

from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import RETRY_DELAYS, delivery_attempt, delivery_sweep, notify

pytestmark = pytest.mark.django_db


def test_notify_logs_a_pending_delivery_and_enqueues_it(agent):
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.address == "jonas@example.test"
    assert "Testnachricht" in delivery.subject or "test" in delivery.subject.lower()
    [result] = default_task_backend.results
    assert result.kwargs == {"delivery_id": delivery.pk}


def test_notify_renders_in_the_recipients_language(agent):
    agent.language = "en"
    agent.save()
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    assert delivery.subject == "Supportdesk test notice"
    assert "Hello Jonas Berger" in delivery.body_text
    assert "<p>" in delivery.body_html


def test_delivery_reaches_a_real_smtp_server(agent, smtp_sink):
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    delivery_attempt(delivery_id=delivery.pk)
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == "jonas@example.test"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("html",)) is not None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


def test_smtp_down_then_up_retries_with_backoff_and_delivers_once(agent, smtp_sink):
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    smtp_sink.refuse = True
    now = timezone.now()
    delivery_attempt(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at == now + RETRY_DELAYS[0]
    assert "451" in delivery.last_error
    retry = default_task_backend.results[-1]
    assert retry.task.run_after == now + RETRY_DELAYS[0]

    smtp_sink.refuse = False
    delivery_attempt(delivery_id=delivery.pk)
    delivery_attempt(delivery_id=delivery.pk)  # a duplicate task changes nothing
    assert len(smtp_sink.wait_for(1)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


def test_gives_up_after_the_last_retry(agent, smtp_sink):
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    smtp_sink.refuse = True
    for _ in range(len(RETRY_DELAYS) + 1):
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == len(RETRY_DELAYS) + 1


def test_no_address_fails_at_once(agent):
    agent.email = ""
    agent.save()
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "no mail address" in delivery.last_error


def test_sweep_requeues_a_delivery_lost_with_its_worker(agent):
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    assert delivery_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert default_task_backend.results[-1].kwargs == {"delivery_id": delivery.pk}


def test_delivery_and_its_task_roll_back_with_the_callers_transaction(agent, settings):
    """The database task backend writes through the caller's connection (STYLE 15)."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        notify(recipient=agent, template="test_notice", context={"recipient": agent})
        assert DBTaskResult.objects.count() == 1
        raise Boom
    assert DBTaskResult.objects.count() == 0
    assert NotificationDelivery.objects.count() == 0

    notify(recipient=agent, template="test_notice", context={"recipient": agent})
    assert DBTaskResult.objects.count() == 1
