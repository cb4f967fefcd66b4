from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from supportdesk.core.exceptions import PermissionDenied
from supportdesk.roster import selectors, services
from supportdesk.roster.exceptions import NotEligible, ReasonRequired
from supportdesk.roster.models import Assignment, AssignmentChange, Duty, PlanVersion, RosterWeek
from supportdesk.roster.tests.factories import AbsenceFactory, ClosingDayFactory
from supportdesk.roster.tests.plans import alternating, make_week

MONDAY = date(2026, 11, 30)
BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


def duty(code: str) -> Duty:
    return Duty.objects.get(code=code)


def test_publish_snapshots_a_version_and_notifies_everyone_on_the_week(coordinator, pool):
    anna, bernd = pool[0], pool[1]
    week = make_week(MONDAY, alternating(anna, bernd))

    published = services.week_publish(actor=coordinator, week=week)

    assert published.is_published and published.version == 1
    snapshot = PlanVersion.objects.get(week=week, version=1).snapshot
    assert {"date": "2026-11-30", "duty": "phone_duty", "username": "anna"} in snapshot
    assert len(snapshot) == 10
    recipients = sorted(d.recipient.username for d in anna.notifications.all() | bernd.notifications.all())
    assert recipients == ["anna", "bernd"]


def test_publish_notice_is_in_the_recipients_language(coordinator, pool, immediate_tasks):
    anna, bernd = pool[0], pool[1]
    bernd.language = "en"
    bernd.save()
    week = make_week(MONDAY, alternating(anna, bernd))

    services.week_publish(actor=coordinator, week=week)

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert "Dienstplan" in by_recipient["anna@example.test"].subject
    assert "roster" in by_recipient["bernd@example.test"].subject.lower()
    assert by_recipient["bernd@example.test"].alternatives  # HTML part


def test_agent_cannot_publish_or_edit(agent, pool):
    week = make_week(MONDAY, alternating(pool[0], pool[1]))
    with pytest.raises(PermissionDenied):
        services.week_publish(actor=agent, week=week)
    with pytest.raises(PermissionDenied):
        services.assignment_set(actor=agent, day=MONDAY, duty=duty(Duty.PHONE_DUTY), user=pool[2])
    week.refresh_from_db()
    assert not week.is_published
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user == pool[0]


def test_change_to_published_week_needs_reason_and_is_recorded(coordinator, pool):
    anna, bernd, clara = pool[0], pool[1], pool[2]
    make_week(MONDAY, alternating(anna, bernd), published=True)

    with pytest.raises(ReasonRequired):
        services.assignment_set(actor=coordinator, day=MONDAY, duty=duty(Duty.PHONE_DUTY), user=clara)
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user == anna

    services.assignment_set(
        actor=coordinator, day=MONDAY, duty=duty(Duty.PHONE_DUTY), user=clara, reason="Anna beim Kunden"
    )

    week = RosterWeek.objects.get(week_start=MONDAY)
    assert week.version == 2
    change = AssignmentChange.objects.get()
    assert (change.old_user, change.new_user, change.changed_by, change.reason, change.version) == (
        anna,
        clara,
        coordinator,
        "Anna beim Kunden",
        2,
    )
    assert (change.reason_code, change.reason_params) == ("note", {})
    assert {d.recipient.username for d in clara.notifications.all()} == {"clara"}
    assert anna.notifications.filter(event="roster/assignment_changed").exists()


def test_the_two_holders_of_a_day_may_trade(coordinator, pool):
    anna, bernd = pool[0], pool[1]
    make_week(MONDAY, alternating(anna, bernd), published=True)

    services.assignment_set(actor=coordinator, day=MONDAY, duty=duty(Duty.PHONE_DUTY), user=bernd, reason="getauscht")

    holders = selectors.holders_on(day=MONDAY)
    assert holders[Duty.PHONE_DUTY].user == bernd
    assert holders[Duty.TECHNICAL_STANDBY].user == anna
    assert AssignmentChange.objects.count() == 2


@pytest.mark.parametrize("case", ["absent", "weekday", "not_in_pool", "holiday"])
def test_assignment_refuses_ineligible_people_and_changes_nothing(coordinator, pool, agent, case):
    anna, bernd, felix = pool[0], pool[1], pool[5]
    make_week(MONDAY, alternating(anna, bernd))
    day, user = MONDAY, pool[2]
    if case == "absent":
        AbsenceFactory(user=user, start=MONDAY, end=MONDAY)
    elif case == "weekday":
        day, user = date(2026, 12, 3), felix  # Thursday; Felix works Mon–Wed
    elif case == "not_in_pool":
        user = agent
    else:
        ClosingDayFactory(date=MONDAY)
    before = list(Assignment.objects.order_by("pk").values_list("user_id", flat=True))

    with pytest.raises(NotEligible):
        services.assignment_set(actor=coordinator, day=day, duty=duty(Duty.PHONE_DUTY), user=user)

    assert list(Assignment.objects.order_by("pk").values_list("user_id", flat=True)) == before


def test_open_a_duty(coordinator, pool):
    make_week(MONDAY, alternating(pool[0], pool[1]))
    services.assignment_set(actor=coordinator, day=MONDAY, duty=duty(Duty.TECHNICAL_STANDBY), user=None)
    assert selectors.open_assignments(start=MONDAY, end=MONDAY).count() == 1


def test_oncall_shows_published_holders_inside_the_window_only(coordinator, pool):
    anna, bernd = pool[0], pool[1]
    make_week(MONDAY, alternating(anna, bernd), published=True)
    inside = datetime(2026, 12, 1, 16, 30, tzinfo=BERLIN)  # Tuesday: Bernd has phone duty
    oncall = selectors.oncall_at(at=inside)
    assert oncall.window.start == datetime(2026, 12, 1, 16, 0, tzinfo=BERLIN)
    assert oncall.holders[Duty.PHONE_DUTY].user == bernd
    assert oncall.holders[Duty.TECHNICAL_STANDBY].user == anna
    assert selectors.oncall_at(at=datetime(2026, 12, 1, 18, 0, tzinfo=BERLIN)).holders == {}


def test_oncall_ignores_drafts(pool):
    make_week(MONDAY, alternating(pool[0], pool[1]))
    assert selectors.oncall_at(at=datetime(2026, 12, 1, 16, 30, tzinfo=BERLIN)).holders == {}


def test_generate_skips_published_weeks(coordinator, pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    report = services.plan_generate(actor=coordinator, start=MONDAY, end=MONDAY)
    assert report.skipped_published == [MONDAY]
    assert report.weeks == []
    assert Assignment.objects.get(date=MONDAY, duty__code=Duty.PHONE_DUTY).user == pool[0]


def test_generate_fills_every_support_day_with_two_different_eligible_people(coordinator, pool):
    AbsenceFactory(user=pool[0], start=MONDAY, end=date(2026, 12, 11))
    report = services.plan_generate(actor=coordinator, start=MONDAY, end=date(2026, 12, 13))
    assert report.complete, report.problems
    by_day: dict[date, set[int]] = {}
    for a in Assignment.objects.filter(date__gte=MONDAY):
        assert a.user_id is not None
        assert a.user_id != pool[0].pk
        by_day.setdefault(a.date, set()).add(a.user_id)
    assert len(by_day) == 10
    assert all(len(people) == 2 for people in by_day.values())


def test_generate_names_days_that_cannot_be_filled(coordinator, pool):
    for person in pool[1:]:
        AbsenceFactory(user=person, start=MONDAY, end=MONDAY)
    report = services.plan_generate(actor=coordinator, start=MONDAY, end=MONDAY)
    assert {(p.date, p.duty) for p in report.problems} <= {
        (MONDAY, Duty.PHONE_DUTY),
        (MONDAY, Duty.TECHNICAL_STANDBY),
    }
    assert len(report.problems) == 1
    week = RosterWeek.objects.get(week_start=MONDAY)
    assert week.problems and week.problems[0]["date"] == "2026-11-30"
    assert Assignment.objects.filter(date=MONDAY, user__isnull=True).count() == 1
    # The other days are planned anyway.
    assert Assignment.objects.filter(date__gt=MONDAY, user__isnull=True).count() == 0


def test_weekly_draft_drafts_next_week(pool):
    report = services.week_draft_next(now=datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN))
    assert [w.week_start for w in report.weeks] == [MONDAY]


def test_calendar_settings_are_coordinator_only(agent, coordinator):
    with pytest.raises(PermissionDenied):
        services.closing_day_add(actor=agent, day=date(2026, 12, 24), name="Heiligabend")
    services.closing_day_add(actor=coordinator, day=date(2026, 12, 24), name="Heiligabend")
    services.support_window_set(actor=coordinator, weekday=4, start=time(14), end=time(16), active=True)
    cal = selectors.support_calendar()
    assert date(2026, 12, 24) in cal.closing_days
    assert cal.windows[4] == (time(14), time(16))
    with pytest.raises(NotEligible):
        services.support_window_set(actor=coordinator, weekday=4, start=time(16), end=time(15), active=True)


def test_deputy_receives_coordinator_notices_while_coordinators_are_absent(coordinator):
    from supportdesk.accounts.selectors import user_list_coordinators
    from supportdesk.accounts.tests.factories import CoordinatorFactory

    deputy = CoordinatorFactory(username="max", is_deputy=True)
    assert user_list_coordinators() == [coordinator]
    assert user_list_coordinators(absent_user_ids=[coordinator.pk]) == [deputy]


def test_publish_notices_reach_a_real_smtp_server_in_each_recipients_language(
    coordinator, pool, smtp_sink, immediate_tasks
):
    anna, bernd = pool[0], pool[1]
    bernd.language = "en"
    bernd.save()
    week = make_week(MONDAY, alternating(anna, bernd))

    services.week_publish(actor=coordinator, week=week)

    messages = {m["To"]: m for m in smtp_sink.wait_for(2)}
    german, english = messages["anna@example.test"], messages["bernd@example.test"]
    assert "Dienstplan" in german["Subject"]
    assert "Telefondienst" in german.get_body(("plain",)).get_content()
    assert "roster" in english["Subject"].lower()
    assert "Phone duty" in english.get_body(("plain",)).get_content()
    assert english.get_body(("html",)) is not None


def test_weekly_drafts_rotate_through_the_pool_beyond_the_fairness_horizon(pool):
    # A round of six people is three weeks; the horizon is one. The history the service
    # gives the planner remembers who served before it, so the third week goes to the two
    # who have not served yet, not to the first pair again (who come first by name).
    cfg = selectors.roster_settings_get()
    cfg.fairness_horizon_weeks = 1
    cfg.save(update_fields=["fairness_horizon_weeks"])
    pairs = []
    for week in range(3):
        now = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN) + timedelta(weeks=week)
        report = services.week_draft_next(now=now)
        assert report.complete
        monday = MONDAY + timedelta(weeks=week)
        pairs.append(
            set(
                Assignment.objects.filter(week__week_start=monday, is_substitute=False).values_list(
                    "user__username", flat=True
                )
            )
        )
    assert all(len(pair) == 2 for pair in pairs), pairs
    assert set().union(*pairs) == {"anna", "bernd", "clara", "david", "eva", "felix"}
