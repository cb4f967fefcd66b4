"""Immediate notices vs. the morning digest of tickets created outside core hours."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.tickets import jobs, services
from supportdesk.tickets.models import DigestItem

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = date(2026, 6, 10)
THURSDAY = date(2026, 6, 11)
pytestmark = pytest.mark.django_db


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def events(user) -> list[str]:
    return list(NotificationDelivery.objects.filter(recipient=user).order_by("id").values_list("event", flat=True))


def create(actor, assignee, when, priority=3, subject="Drucker"):
    return services.ticket_create(actor=actor, subject=subject, priority=priority, assignee=assignee, now=when)


def test_core_hours_ticket_is_notified_at_once(agent, coordinator):
    create(coordinator, agent, at(WEDNESDAY, 10))
    assert events(agent) == ["tickets/ticket_assigned"]
    assert not DigestItem.objects.exists()


@pytest.mark.parametrize("priority", [1, 2])
def test_urgent_ticket_in_the_evening_is_notified_at_once_with_its_own_template(agent, coordinator, priority):
    create(coordinator, agent, at(WEDNESDAY, 17, 30), priority=priority)
    assert events(agent) == ["tickets/ticket_assigned_urgent"]


def test_evening_ticket_waits_for_the_morning_digest(agent, coordinator, immediate_tasks):
    first = create(coordinator, agent, at(WEDNESDAY, 16, 30), subject="Drucker im Flur")
    second = create(coordinator, agent, at(WEDNESDAY, 21), priority=4, subject="Toner bestellen")
    assert events(agent) == []

    digest_jobs = {"tickets.digest": registered_jobs()["tickets.digest"]}
    with time_machine.travel(at(THURSDAY, 9), tick=False):
        assert run_due_jobs(now=at(THURSDAY, 9), holder="t", jobs=digest_jobs) == ["tickets.digest"]
        assert run_due_jobs(now=at(THURSDAY, 9, 5), holder="t", jobs=digest_jobs) == []

    assert events(agent) == ["tickets/digest"]
    [message] = mail.outbox
    assert message.to == [agent.email]
    assert first.number in message.body and second.number in message.body
    assert services.digests_send(now=at(THURSDAY, 10)) == 0  # nothing new since


def test_digest_lists_only_tickets_since_the_previous_digest(agent, coordinator):
    create(coordinator, agent, at(WEDNESDAY, 17))
    services.digests_send(now=at(THURSDAY, 9))
    later = create(coordinator, agent, at(THURSDAY, 18))

    assert services.digests_send(now=at(date(2026, 6, 12), 9)) == 1
    delivery = NotificationDelivery.objects.filter(recipient=agent, event="tickets/digest").order_by("id").last()
    assert later.number in delivery.body_text
    assert delivery.body_text.count("- SD-") == 1


def test_person_without_digest_hears_at_once(agent, coordinator):
    services.notification_preference_set(user=agent, digest=False)
    create(coordinator, agent, at(WEDNESDAY, 19))
    assert events(agent) == ["tickets/ticket_assigned"]


def test_own_tickets_and_group_tickets_send_nothing(agent, coordinator):
    create(agent, agent, at(WEDNESDAY, 10))
    services.ticket_create(actor=agent, subject="Gruppe", now=at(WEDNESDAY, 10))
    assert NotificationDelivery.objects.count() == 0


def test_digest_slot_is_core_start_of_working_days():
    assert jobs.digest_slot(at(THURSDAY, 8, 59)) == at(WEDNESDAY, 9)
    assert jobs.digest_slot(at(THURSDAY, 9)) == at(THURSDAY, 9)
    assert jobs.digest_slot(at(date(2026, 6, 14), 12)) == at(date(2026, 6, 12), 9)  # Sunday → Friday
    # Corpus Christi (Thu 4 June 2026) is a holiday in Bavaria: no digest that morning.
    assert jobs.digest_slot(at(date(2026, 6, 4), 10)) == at(date(2026, 6, 3), 9)
