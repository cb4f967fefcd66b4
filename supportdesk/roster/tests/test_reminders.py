"""Reminders: vacation cover 14 and 3 days ahead (R6), open duties before the window (R7), expiry."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.tasks import default_task_backend

from supportdesk.accounts.tests.factories import CoordinatorFactory
from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.roster import jobs as roster_jobs
from supportdesk.roster import selectors, services
from supportdesk.roster import tasks as roster_tasks
from supportdesk.roster.models import Duty, ReminderSent, SwapRequest, SwapStatus
from supportdesk.roster.tests.factories import AbsenceFactory
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
VACATION_MONDAY = date(2026, 12, 14)
VACATION_TUESDAY = date(2026, 12, 15)
PHONE, STANDBY = Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY
pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 7, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def notices(template: str) -> list[NotificationDelivery]:
    return list(NotificationDelivery.objects.filter(event=template).select_related("recipient").order_by("pk"))


def job(name: str) -> dict:
    return {name: registered_jobs()[name]}


def enqueued(task) -> list:
    return [r for r in default_task_backend.results if r.task.func == task.func]


@pytest.fixture
def deputy(db):
    return CoordinatorFactory(username="petra", display_name="Petra Lang", is_deputy=True)


@pytest.fixture
def vacation(pool, coordinator, deputy):
    """Anna holds phone duty on Monday 14 and standby on Tuesday 15 December and is on vacation that week."""
    make_week(VACATION_MONDAY, alternating(pool[0], pool[1]), published=True)
    return services.absence_create(
        actor=pool[0], user=pool[0], kind="vacation", start=VACATION_MONDAY, end=date(2026, 12, 18)
    )


# --- vacation cover (R6) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "reminded"),
    [
        (date(2026, 11, 29), []),  # 15 days before Monday: too early
        (date(2026, 11, 30), [(VACATION_MONDAY, PHONE)]),  # 14 days before Monday
        (date(2026, 12, 1), [(VACATION_TUESDAY, STANDBY)]),  # 13 before Monday (no), 14 before Tuesday
        (date(2026, 12, 10), []),  # 4 days before Monday
        (date(2026, 12, 11), [(VACATION_MONDAY, PHONE)]),  # 3 days before Monday
        (date(2026, 12, 12), [(VACATION_TUESDAY, STANDBY)]),  # 2 before Monday (no), 3 before Tuesday
    ],
)
def test_uncovered_duties_are_reminded_14_and_3_days_ahead_only(vacation, coordinator, today, reminded):
    gaps = services.vacation_cover_remind(now=at(today))

    assert [(g.assignment.date, g.assignment.duty.code) for g in gaps] == reminded
    sent = notices("roster/vacation_cover_reminder")
    assert [n.recipient for n in sent] == ([coordinator] if reminded else [])


def test_one_notice_per_coordinator_lists_all_gaps_and_a_second_run_sends_nothing(pool, vacation, coordinator):
    # Bernd's vacation makes Monday 30 November (3 days after 27 Nov) uncovered as well.
    make_week(date(2026, 11, 30), alternating(pool[1], pool[2]), published=True)
    services.absence_create(
        actor=pool[1], user=pool[1], kind="vacation", start=date(2026, 11, 30), end=date(2026, 11, 30)
    )
    # A second coordinator gets their own notice.
    other = CoordinatorFactory(username="gerda", display_name="Gerda Roth")
    now = at(date(2026, 11, 27))  # 3 days before 30 Nov, 17 before 14 Dec; 14 days before 11 Dec
    services.roster_settings_update(actor=coordinator, vacation_reminder_days=[3, 17])

    gaps = services.vacation_cover_remind(now=now)

    assert [(g.assignment.date, g.absence.user.username, g.days_ahead) for g in gaps] == [
        (date(2026, 11, 30), "bernd", 3),
        (VACATION_MONDAY, "anna", 17),
    ]
    sent = notices("roster/vacation_cover_reminder")
    assert sorted(n.recipient.username for n in sent) == ["gerda", "horst"]
    assert "30.11.2026" in sent[0].body_text and "14.12.2026" in sent[0].body_text
    assert other.pk in {n.recipient_id for n in sent}

    assert services.vacation_cover_remind(now=now + timedelta(hours=5)) == []
    assert len(notices("roster/vacation_cover_reminder")) == 2
    assert ReminderSent.objects.filter(kind="vacation_cover").count() == 2


def test_a_covered_duty_is_not_reminded(pool, vacation, coordinator):
    services.assignment_set(
        actor=coordinator, day=VACATION_MONDAY, duty=Duty.objects.get(code=PHONE), user=pool[2], reason="Clara"
    )

    assert services.vacation_cover_remind(now=at(date(2026, 11, 30))) == []
    assert notices("roster/vacation_cover_reminder") == []


def test_the_deputy_is_reminded_while_the_coordinator_is_absent(vacation, coordinator, deputy):
    AbsenceFactory(user=coordinator, start=date(2026, 11, 23), end=date(2026, 11, 30))

    services.vacation_cover_remind(now=at(date(2026, 11, 30)))

    assert [n.recipient for n in notices("roster/vacation_cover_reminder")] == [deputy]


def test_the_reminder_days_are_a_setting(vacation, coordinator):
    services.roster_settings_update(actor=coordinator, vacation_reminder_days=[7])

    assert services.vacation_cover_remind(now=at(date(2026, 11, 30))) == []
    assert [g.days_ahead for g in services.vacation_cover_remind(now=at(date(2026, 12, 7)))] == [7]


def test_the_daily_job_fires_at_0700_and_its_task_reminds(vacation, coordinator):
    name = "roster.vacation_cover_reminder"
    assert run_due_jobs(now=at(date(2026, 11, 30), 6, 59), holder="a", jobs=job(name)) == []  # yesterday's 07:00: stale
    assert run_due_jobs(now=at(date(2026, 11, 30), 7, 0), holder="a", jobs=job(name)) == [name]
    assert run_due_jobs(now=at(date(2026, 11, 30), 9, 0), holder="a", jobs=job(name)) == []

    result = enqueued(roster_tasks.remind_vacation_cover)[-1]
    assert result.kwargs == {"slot": at(date(2026, 11, 30)).isoformat()}
    assert roster_tasks.remind_vacation_cover.call(**result.kwargs) == 1
    assert roster_tasks.remind_vacation_cover.call(**result.kwargs) == 0


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2026, 10, 25, 6, 0, tzinfo=UTC), datetime(2026, 10, 25, 7, 0, tzinfo=BERLIN)),  # 07:00 CET
        (datetime(2026, 10, 25, 5, 59, tzinfo=UTC), datetime(2026, 10, 24, 7, 0, tzinfo=BERLIN)),
        (datetime(2026, 3, 29, 5, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=BERLIN)),  # 07:00 CEST
        (datetime(2026, 3, 29, 4, 59, tzinfo=UTC), datetime(2026, 3, 28, 7, 0, tzinfo=BERLIN)),
    ],
)
def test_the_daily_slot_stays_at_0700_berlin_across_dst(now, slot):
    assert roster_jobs.vacation_reminder_slot(now) == slot


# --- open duty before the window (R7) ------------------------------------------------------------

MONDAY = date(2026, 11, 30)


@pytest.fixture
def open_monday(pool):
    """Monday's phone duty is open in a published week; standby is held."""
    return make_week(MONDAY, [(None, pool[1]), *alternating(pool[0], pool[1], 4)], published=True)


def test_an_open_duty_is_reported_at_1500_for_the_1600_window_once(open_monday, coordinator):
    name = "roster.open_duty_notice"
    assert run_due_jobs(now=at(MONDAY, 14, 59), holder="a", jobs=job(name)) == []  # Friday's slot is stale
    assert run_due_jobs(now=at(MONDAY, 15, 0), holder="a", jobs=job(name)) == [name]
    assert run_due_jobs(now=at(MONDAY, 15, 30), holder="a", jobs=job(name)) == []

    [result] = enqueued(roster_tasks.notify_open_duties)
    assert result.kwargs == {"slot": at(MONDAY, 15, 0).isoformat()}
    assert roster_tasks.notify_open_duties.call(**result.kwargs) == 1
    assert roster_tasks.notify_open_duties.call(**result.kwargs) == 0  # once a day

    [notice] = notices("roster/open_duty_notice")
    assert notice.recipient == coordinator
    assert "16:00" in notice.subject
    assert Duty.objects.get(code=PHONE).name in notice.body_text


def test_no_notice_when_the_duty_was_filled(open_monday, coordinator, pool):
    services.assignment_set(
        actor=coordinator, day=MONDAY, duty=Duty.objects.get(code=PHONE), user=pool[2], reason="Clara"
    )

    assert services.open_duties_notify(now=at(MONDAY, 15)) == []
    assert notices("roster/open_duty_notice") == []


def test_a_duty_only_in_a_draft_or_not_planned_counts_as_open(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=False)

    unheld = services.open_duties_notify(now=at(MONDAY, 15))

    assert [(u.duty.code, u.published) for u in unheld] == [(PHONE, False), (STANDBY, False)]
    assert "Anna Huber" in notices("roster/open_duty_notice")[0].body_text
    # Tuesday has no plan at all.
    assert [u.assignment for u in selectors.unheld_duties_on(day=date(2026, 12, 8))] == [None, None]


def test_no_notice_on_a_day_without_window(coordinator):
    assert services.open_duties_notify(now=at(date(2026, 12, 25), 15)) == []  # Christmas Day
    assert services.open_duties_notify(now=at(date(2026, 11, 29), 15)) == []  # Sunday


def test_the_deputy_gets_the_open_duty_notice_while_the_coordinator_is_absent(open_monday, coordinator, deputy):
    AbsenceFactory(user=coordinator, kind="sick", start=MONDAY, end=MONDAY)

    services.open_duties_notify(now=at(MONDAY, 15))

    assert [n.recipient for n in notices("roster/open_duty_notice")] == [deputy]


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2026, 11, 30, 15, 0, tzinfo=BERLIN), datetime(2026, 11, 30, 15, 0, tzinfo=BERLIN)),
        (datetime(2026, 11, 30, 14, 59, tzinfo=BERLIN), datetime(2026, 11, 27, 15, 0, tzinfo=BERLIN)),
        # Friday before the change to winter time: 15:00 CEST is 13:00 UTC …
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), datetime(2026, 10, 23, 13, 0, tzinfo=UTC)),
        # … and on the Monday after it 15:00 CET is 14:00 UTC.
        (datetime(2026, 10, 26, 14, 0, tzinfo=UTC), datetime(2026, 10, 26, 14, 0, tzinfo=UTC)),
        (datetime(2026, 10, 26, 13, 59, tzinfo=UTC), datetime(2026, 10, 23, 13, 0, tzinfo=UTC)),
        # Summer time begins on 29 March 2026: Friday 14:00 UTC, Monday 13:00 UTC.
        (datetime(2026, 3, 30, 13, 0, tzinfo=UTC), datetime(2026, 3, 30, 15, 0, tzinfo=BERLIN)),
        (datetime(2026, 3, 30, 12, 59, tzinfo=UTC), datetime(2026, 3, 27, 14, 0, tzinfo=UTC)),
        # Christmas Day (Friday) has no window: Thursday's slot is the latest.
        (datetime(2026, 12, 26, 12, 0, tzinfo=BERLIN), datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN)),
    ],
)
def test_the_open_duty_slot_is_window_start_minus_60_minutes_on_support_days(now, slot):
    assert roster_jobs.open_duty_notice_slot(now) == slot


def test_the_open_duty_lead_time_is_a_setting(coordinator):
    services.roster_settings_update(actor=coordinator, open_duty_notice_minutes=30)

    assert roster_jobs.open_duty_notice_slot(at(MONDAY, 16)) == at(MONDAY, 15, 30)


# --- expiry ---------------------------------------------------------------------------------------


def test_the_expiry_job_runs_after_midnight_and_expires_past_requests(pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    request = services.swap_request_create(
        actor=pool[0], day=MONDAY, duty=Duty.objects.get(code=PHONE), now=at(date(2026, 11, 27), 10)
    )
    name = "roster.swap_requests_expire"

    assert run_due_jobs(now=at(date(2026, 12, 1), 0, 6), holder="a", jobs=job(name)) == [name]
    assert run_due_jobs(now=at(date(2026, 12, 1), 12, 0), holder="a", jobs=job(name)) == []

    [result] = enqueued(roster_tasks.expire_swap_requests)
    assert result.kwargs == {"slot": at(date(2026, 12, 1), 0, 5).isoformat()}
    assert roster_tasks.expire_swap_requests.call(**result.kwargs) == 1
    assert SwapRequest.objects.get(pk=request.pk).status == SwapStatus.EXPIRED


def test_a_sick_report_reaches_the_deputy_while_the_coordinator_is_absent(pool, coordinator, deputy):
    """R1 also for the existing notices: ``duty_opened`` went to the absent coordinator before."""
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    AbsenceFactory(user=coordinator, start=MONDAY, end=MONDAY)

    services.absence_create(actor=pool[0], user=pool[0], kind="sick", start=MONDAY, end=MONDAY, now=at(MONDAY, 8))

    assert [n.recipient for n in notices("roster/duty_opened")] == [deputy]
