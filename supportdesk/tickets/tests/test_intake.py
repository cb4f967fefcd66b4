"""The hourly Prio 1 intake check (R11) with the clock pinned."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets import jobs, selectors, services
from supportdesk.tickets.models import IntakeCheck, Status

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 6, 8)
WEDNESDAY = date(2026, 6, 10)
pytestmark = pytest.mark.django_db


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def ticket_jobs():
    return {name: job for name, job in registered_jobs().items() if name.startswith("tickets.intake")}


def tick(moment: datetime) -> list[str]:
    with time_machine.travel(moment, tick=False):
        return run_due_jobs(now=moment, holder="test", jobs=ticket_jobs())


def notices(event: str) -> list[str]:
    return list(NotificationDelivery.objects.filter(event=event).values_list("recipient__username", flat=True))


@pytest.fixture
def published(pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    return pool


def test_slots_are_the_configured_times_on_support_days_only(settings):
    assert jobs.intake_check_slot(at(WEDNESDAY, 15, 59)) == at(date(2026, 6, 9), 17)
    assert jobs.intake_check_slot(at(WEDNESDAY, 16, 30)) == at(WEDNESDAY, 16)
    assert jobs.intake_check_slot(at(WEDNESDAY, 23)) == at(WEDNESDAY, 17)
    # Saturday and Sunday have no window: Monday morning's latest slot is Friday 17:00.
    assert jobs.intake_check_slot(at(date(2026, 6, 15), 8)) == at(date(2026, 6, 12), 17)
    assert jobs.intake_overdue_slot(at(WEDNESDAY, 16, 14)) == at(date(2026, 6, 9), 17, 15)
    assert jobs.intake_overdue_slot(at(WEDNESDAY, 16, 15)) == at(WEDNESDAY, 16, 15)

    settings.SUPPORTDESK_INTAKE_CHECK_TIMES = ["16:30", "17:30"]
    assert jobs.intake_check_slot(at(WEDNESDAY, 16, 45)) == at(WEDNESDAY, 16, 30)


def test_check_is_created_at_its_time_and_prompts_the_published_phone_duty(published, immediate_tasks):
    assert tick(at(WEDNESDAY, 15, 59)) == []  # yesterday's 17:00 is past its grace

    assert "tickets.intake_check" in tick(at(WEDNESDAY, 16, 0))
    assert tick(at(WEDNESDAY, 16, 1)) == []  # the slot fired already

    check = IntakeCheck.objects.get(due_at=at(WEDNESDAY, 16))
    assert check.checked_at is None
    assert notices("tickets/intake_check_due") == [published[0].username]  # Wednesday: pool[0] has the phone


def test_unpublished_plan_prompts_nobody(pool, immediate_tasks):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=False)
    tick(at(WEDNESDAY, 16))
    assert IntakeCheck.objects.filter(due_at=at(WEDNESDAY, 16)).exists()
    assert notices("tickets/intake_check_due") == []


def test_open_check_notifies_the_coordinator_once_after_15_minutes(published, coordinator, immediate_tasks):
    tick(at(WEDNESDAY, 16))
    tick(at(WEDNESDAY, 16, 14))
    assert notices("tickets/intake_check_overdue") == []

    tick(at(WEDNESDAY, 16, 15))
    tick(at(WEDNESDAY, 16, 40))
    services.intake_checks_escalate(now=at(WEDNESDAY, 16, 50))

    assert notices("tickets/intake_check_overdue") == [coordinator.username]
    assert IntakeCheck.objects.get().coordinator_notified_at == at(WEDNESDAY, 16, 15)


def test_done_check_does_not_notify_the_coordinator(published, coordinator, immediate_tasks):
    tick(at(WEDNESDAY, 16))
    services.intake_check_done(check=IntakeCheck.objects.get(), actor=published[0], now=at(WEDNESDAY, 16, 5))
    tick(at(WEDNESDAY, 16, 15))

    assert notices("tickets/intake_check_overdue") == []
    check = IntakeCheck.objects.get()
    assert (check.checked_by, check.checked_at) == (published[0], at(WEDNESDAY, 16, 5))


def test_current_check_lists_new_tickets_since_the_last_check_and_open_prio1(agent):
    old_p1 = services.ticket_create(actor=agent, subject="Altes Prio 1", priority=1, now=at(MONDAY, 10))
    closed_p1 = services.ticket_create(actor=agent, subject="Erledigt", priority=1, now=at(MONDAY, 11))
    services.ticket_update(agent, closed_p1, 1, status=Status.CLOSED)
    services.intake_check_open(due_at=at(WEDNESDAY, 16))
    services.intake_check_done(check=IntakeCheck.objects.get(), actor=agent, now=at(WEDNESDAY, 16, 3))
    before = services.ticket_create(actor=agent, subject="Vor dem Check", now=at(WEDNESDAY, 16, 1))
    after = services.ticket_create(actor=agent, subject="Nach dem Check", now=at(WEDNESDAY, 16, 20))
    services.intake_check_open(due_at=at(WEDNESDAY, 17))

    assert selectors.intake_check_current(at(WEDNESDAY, 15)) is None
    view = selectors.intake_check_current(at(WEDNESDAY, 17, 5))

    assert view.check.due_at == at(WEDNESDAY, 17)
    assert [t.number for t in view.new_tickets] == [after.number]
    assert before.number not in [t.number for t in view.new_tickets]
    assert [t.number for t in view.prio1_open] == [old_p1.number]
    assert not view.overdue
    assert selectors.intake_check_current(at(WEDNESDAY, 17, 15)).overdue


def test_page_and_checked_button(client, agent):
    services.intake_check_open(due_at=at(WEDNESDAY, 16))
    client.force_login(agent)
    with time_machine.travel(at(WEDNESDAY, 16, 7), tick=False):
        page = client.get(reverse("tickets:intake_check"))
        check = IntakeCheck.objects.get()
        partial = client.post(reverse("tickets:intake_check_done", args=[check.pk]), headers={"HX-Request": "true"})

    assert page.status_code == 200 and 'id="intake-check"' in page.content.decode()
    html = partial.content.decode()
    assert "<html" not in html and agent.name in html and "16:07" in html
    check.refresh_from_db()
    assert check.checked_by == agent and check.checked_at == at(WEDNESDAY, 16, 7)


def test_second_click_keeps_the_first_checker(agent, coordinator):
    check = services.intake_check_open(due_at=at(WEDNESDAY, 16))
    services.intake_check_done(check=check, actor=agent, now=at(WEDNESDAY, 16, 2))
    services.intake_check_done(check=check, actor=coordinator, now=at(WEDNESDAY, 16, 4))
    check.refresh_from_db()
    assert check.checked_by == agent and check.checked_at == at(WEDNESDAY, 16, 2)
