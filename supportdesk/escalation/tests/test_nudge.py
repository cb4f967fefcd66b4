"""R19: the phone duty is nudged once per silent period of an acknowledged case (clock pinned)."""

from datetime import timedelta

import pytest
from django.tasks import default_task_backend

from supportdesk.escalation import jobs, services
from supportdesk.escalation.models import EscalationPolicy, EventKind
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.roster.tests.plans import alternating, make_week

pytestmark = pytest.mark.django_db
ACK = TUESDAY_1630 + timedelta(minutes=1)


@pytest.fixture
def acknowledged(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    services.escalation_acknowledge(escalation=escalation, actor=pool[0], now=ACK)
    default_task_backend.clear()
    return escalation


def nudges():
    return list(NotificationDelivery.objects.filter(event="escalation/silence_nudge"))


def nudge_tasks():
    return [r for r in default_task_backend.results if r.task.name == "escalation_nudge"]


def test_sweep_enqueues_only_after_twenty_silent_minutes(acknowledged):
    assert services.escalation_nudge_sweep(now=ACK + timedelta(minutes=19, seconds=59)) == 0
    assert services.escalation_nudge_sweep(now=ACK + timedelta(minutes=20)) == 1
    [task] = nudge_tasks()
    assert task.kwargs == {"escalation_id": acknowledged.pk}


def test_phone_duty_is_nudged_once_per_silent_period(acknowledged, pool):
    bernd = pool[1]  # phone duty on Tuesday
    event = services.escalation_nudge_run(escalation_id=acknowledged.pk, now=ACK + timedelta(minutes=20))
    assert event is not None and event.kind == EventKind.PHONE_DUTY_NUDGED and event.recipient == bernd
    [notice] = nudges()
    assert notice.recipient == bernd and "20" in notice.subject
    assert list(event.deliveries.all()) == [notice]
    # Still silent: no second nudge, neither from the sweep nor from a duplicate task.
    assert services.escalation_nudge_sweep(now=ACK + timedelta(minutes=45)) == 0
    assert services.escalation_nudge_run(escalation_id=acknowledged.pk, now=ACK + timedelta(minutes=45)) is None
    assert len(nudges()) == 1
    # A status update starts a new silent period.
    update_at = ACK + timedelta(minutes=50)
    services.escalation_status_update_post(
        escalation=acknowledged, actor=pool[0], text="Ursache gefunden", now=update_at
    )
    assert services.escalation_nudge_run(escalation_id=acknowledged.pk, now=update_at + timedelta(minutes=19)) is None
    assert services.escalation_nudge_run(escalation_id=acknowledged.pk, now=update_at + timedelta(minutes=20))
    assert len(nudges()) == 2


def test_interval_is_configurable_and_zero_switches_it_off(acknowledged):
    EscalationPolicy.objects.update_or_create(pk=1, defaults={"nudge_after_minutes": 5})
    assert services.escalation_nudge_sweep(now=ACK + timedelta(minutes=5)) == 1
    EscalationPolicy.objects.filter(pk=1).update(nudge_after_minutes=0)
    assert services.escalation_nudge_run(escalation_id=acknowledged.pk, now=ACK + timedelta(hours=2)) is None


def test_active_and_resolved_cases_are_not_nudged(acknowledged, pool, coordinator):
    other = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630, subject="Zweiter Fall"))
    services.escalation_resolve(escalation=acknowledged, actor=pool[0], summary="erledigt", now=ACK)
    assert services.escalation_nudge_sweep(now=ACK + timedelta(hours=1)) == 0
    assert services.escalation_nudge_run(escalation_id=other.pk, now=ACK + timedelta(hours=1)) is None


def test_periodic_job_enqueues_the_sweep():
    jobs.nudge(ACK)
    assert [r.task.name for r in default_task_backend.results] == ["escalation_nudge_sweep"]
