"""The application's scheduler: one lease holder fires, each slot once, stale slots are skipped."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from supportdesk.core.models import JobRun, SchedulerLease
from supportdesk.core.scheduler import (
    LEASE_SECONDS,
    PeriodicJob,
    lease_acquire,
    lease_release,
    registered_jobs,
    run_due_jobs,
    scheduler_tick,
)
from supportdesk.roster import jobs as roster_jobs
from supportdesk.roster import tasks as roster_tasks
from supportdesk.roster.models import RosterWeek

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 8, 0, 30, tzinfo=BERLIN)

pytestmark = pytest.mark.django_db


def hourly_job(fired: list[datetime], *, grace: timedelta = timedelta(minutes=10)) -> dict[str, PeriodicJob]:
    """A job due on every full hour that records the slots it ran for."""
    return {
        "test.hourly": PeriodicJob(
            name="test.hourly",
            last_slot=lambda now: now.replace(minute=0, second=0, microsecond=0),
            run=fired.append,
            grace=grace,
        )
    }


# --- the lease ------------------------------------------------------------------------------


def test_only_one_holder_has_the_lease_until_it_expires():
    assert lease_acquire(holder="a", now=NOW)
    assert not lease_acquire(holder="b", now=NOW)
    assert lease_acquire(holder="a", now=NOW + timedelta(seconds=20))  # renewing
    assert not lease_acquire(holder="b", now=NOW + timedelta(seconds=20 + LEASE_SECONDS - 1))

    # "a" died: after its lease ran out, "b" takes over and "a" cannot come back.
    later = NOW + timedelta(seconds=20 + LEASE_SECONDS + 1)
    assert lease_acquire(holder="b", now=later)
    assert not lease_acquire(holder="a", now=later)
    assert SchedulerLease.objects.get().holder == "b"


def test_a_released_lease_is_free_at_once():
    assert lease_acquire(holder="a", now=NOW)

    lease_release(holder="a")

    assert lease_acquire(holder="b", now=NOW)


def test_of_two_schedulers_only_the_lease_holder_fires():
    fired: list[datetime] = []
    for holder in ("a", "b", "a", "b"):
        if lease_acquire(holder=holder, now=NOW):
            run_due_jobs(now=NOW, holder=holder, jobs=hourly_job(fired))

    assert fired == [NOW.replace(minute=0, second=0)]
    assert JobRun.objects.get().fired_by == "a"


def test_scheduler_tick_without_the_lease_fires_nothing():
    assert scheduler_tick(holder="a", now=NOW)  # "a" fires the registered jobs due now (08:00:30)
    assert scheduler_tick(holder="a", now=NOW + timedelta(seconds=25)) == []  # renews; nothing new is due

    # 08:01:10: "a" still holds the lease (until 08:01:25), so "b" fires nothing.
    assert scheduler_tick(holder="b", now=NOW + timedelta(seconds=40)) == []
    assert scheduler_tick(holder="a", now=NOW + timedelta(minutes=5))  # the five-minute mail sweep
    assert not JobRun.objects.filter(fired_by="b").exists()


# --- slots ----------------------------------------------------------------------------------


def test_a_slot_fires_once_and_the_next_slot_fires_again():
    fired: list[datetime] = []
    jobs = hourly_job(fired)

    assert run_due_jobs(now=NOW, holder="a", jobs=jobs) == ["test.hourly"]
    assert run_due_jobs(now=NOW + timedelta(minutes=5), holder="a", jobs=jobs) == []
    assert run_due_jobs(now=NOW, holder="b", jobs=jobs) == []  # another machine, same slot
    assert run_due_jobs(now=NOW + timedelta(hours=1), holder="a", jobs=jobs) == ["test.hourly"]

    assert fired == [NOW.replace(minute=0, second=0), NOW.replace(minute=0, second=0) + timedelta(hours=1)]
    assert JobRun.objects.count() == 2


def test_a_slot_older_than_the_grace_is_skipped_not_fired_late():
    fired: list[datetime] = []
    jobs = hourly_job(fired, grace=timedelta(minutes=10))

    assert run_due_jobs(now=NOW.replace(minute=11), holder="a", jobs=jobs) == []
    assert fired == [] and not JobRun.objects.exists()
    assert run_due_jobs(now=NOW.replace(minute=10, second=0), holder="a", jobs=jobs) == ["test.hourly"]


def test_a_job_that_fails_leaves_no_record_and_no_task(settings):
    """The slot, the enqueued task and the job's writes commit together or not at all (STYLE 15)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def enqueue_then_fail(slot: datetime) -> None:
        roster_tasks.draft_next_week.enqueue(slot=slot.isoformat())
        raise RuntimeError("boom")

    failing = {"test.fails": PeriodicJob("test.fails", lambda now: NOW, enqueue_then_fail, timedelta(hours=1))}
    assert run_due_jobs(now=NOW, holder="a", jobs=failing) == []  # logged, not raised
    assert not JobRun.objects.exists()
    assert not DBTaskResult.objects.exists()

    run_due_jobs(now=NOW, holder="a", jobs={"roster.weekly_draft": registered_jobs()["roster.weekly_draft"]})
    assert JobRun.objects.filter(job="roster.weekly_draft").count() == 1
    assert DBTaskResult.objects.get().task_path == "supportdesk.roster.tasks.draft_next_week"


# --- the weekly draft ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN), datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)),
        (datetime(2026, 11, 30, 7, 59, tzinfo=BERLIN), datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)),
        (datetime(2026, 12, 6, 23, 0, tzinfo=BERLIN), datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)),
        (datetime(2026, 12, 2, 12, 0, tzinfo=UTC), datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)),
        # Monday after the change to winter time: still 08:00 on the wall clock, 07:00 UTC.
        (datetime(2026, 10, 26, 7, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=BERLIN)),
        (datetime(2026, 10, 26, 6, 59, tzinfo=UTC), datetime(2026, 10, 19, 8, 0, tzinfo=BERLIN)),
    ],
)
def test_weekly_draft_slot_is_the_last_monday_0800_in_berlin(now, slot):
    assert roster_jobs.weekly_draft_slot(now) == slot


def test_weekly_draft_slot_follows_the_roster_settings():
    from supportdesk.roster.selectors import roster_settings_get

    cfg = roster_settings_get()
    cfg.draft_weekday = 3  # Thursday
    cfg.draft_time = time(14, 30)
    cfg.save()

    assert roster_jobs.weekly_draft_slot(datetime(2026, 12, 3, 14, 30, tzinfo=BERLIN)) == datetime(
        2026, 12, 3, 14, 30, tzinfo=BERLIN
    )
    assert roster_jobs.weekly_draft_slot(datetime(2026, 12, 3, 14, 29, tzinfo=BERLIN)) == datetime(
        2026, 11, 26, 14, 30, tzinfo=BERLIN
    )


def test_weekly_draft_fires_on_monday_0800_and_enqueues_the_task_once():
    job = {"roster.weekly_draft": registered_jobs()["roster.weekly_draft"]}

    assert (
        run_due_jobs(now=datetime(2026, 11, 30, 7, 59, tzinfo=BERLIN), holder="a", jobs=job) == []
    )  # last week's slot is too old
    assert default_task_backend.results == []

    assert run_due_jobs(now=datetime(2026, 11, 30, 8, 0, 1, tzinfo=BERLIN), holder="a", jobs=job) == [
        "roster.weekly_draft"
    ]
    assert run_due_jobs(now=datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN), holder="a", jobs=job) == []

    assert [r.task.func for r in default_task_backend.results] == [roster_tasks.draft_next_week.func]
    run = JobRun.objects.get()
    assert run.slot == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def test_weekly_draft_within_a_day_of_downtime_still_fires_later_it_is_skipped():
    job = {"roster.weekly_draft": registered_jobs()["roster.weekly_draft"]}

    assert run_due_jobs(now=datetime(2026, 12, 1, 7, 59, tzinfo=BERLIN), holder="a", jobs=job) == [
        "roster.weekly_draft"
    ]
    assert run_due_jobs(now=datetime(2026, 12, 8, 8, 1, tzinfo=BERLIN) + timedelta(days=1), holder="a", jobs=job) == []
    assert len(default_task_backend.results) == 1


def test_the_weekly_draft_task_drafts_next_week(pool):
    result = roster_tasks.draft_next_week.call()

    # The real clock: next week is whatever Monday follows today.
    week = RosterWeek.objects.get(week_start=result["weeks"][0])
    assert not week.is_published
    assert week.assignments.filter(user__isnull=False).count() > 0
    assert result["problems"] == len(week.problems)
