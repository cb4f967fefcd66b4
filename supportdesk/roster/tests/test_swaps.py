"""Swaps and takeovers (R5): first accept wins, rules, history, notices."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from supportdesk.accounts.tests.factories import CoordinatorFactory, UserFactory
from supportdesk.core.exceptions import Conflict, DomainError, PermissionDenied
from supportdesk.roster import selectors, services
from supportdesk.roster.exceptions import NotEligible
from supportdesk.roster.models import AssignmentChange, Duty, RosterWeek, SwapRequest, SwapStatus
from supportdesk.roster.tests.factories import AbsenceFactory
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def duty(code: str) -> Duty:
    return Duty.objects.get(code=code)


PHONE, STANDBY = Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY


@pytest.fixture
def week(pool):
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


def plan() -> list[tuple[date, str, int | None]]:
    return [(a.date, a.duty.code, a.user_id) for a in selectors.roster_entries(start=MONDAY, end=date(2026, 12, 4))]


def holder(day: date, code: str):
    return selectors.holders_on(day=day)[code].user


def test_takeover_changes_the_plan_at_once_and_tells_everyone_concerned(pool, week):
    anna, clara = pool[0], pool[2]
    coordinator = CoordinatorFactory(username="horst")
    head = UserFactory(username="sabine", is_mailbox_head=True)
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara, now=NOW)
    assert clara.notifications.filter(event="roster/swap_requested").count() == 1
    assert holder(MONDAY, PHONE) == anna  # nothing changes before the answer

    services.swap_request_accept(actor=clara, request=request, now=NOW)

    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decided_at) == (SwapStatus.ACCEPTED, clara, NOW)
    assert holder(MONDAY, PHONE) == clara
    assert RosterWeek.objects.get(pk=week.pk).version == 2
    change = AssignmentChange.objects.get()
    assert (change.old_user, change.new_user, change.changed_by, change.version) == (anna, clara, clara, 2)
    assert (change.reason_code, change.reason_params, change.reason) == (
        "takeover_accepted",
        {"request": request.pk},
        "",
    )
    for person in (anna, clara, coordinator, head):
        assert person.notifications.filter(event="roster/swap_accepted").count() == 1, person


def test_swap_exchanges_two_duties(pool, week):
    anna, clara, david = pool[0], pool[2], pool[3]
    make_week(date(2026, 12, 7), alternating(clara, david), published=True)
    request = services.swap_request_create(
        actor=anna,
        day=MONDAY,
        duty=duty(PHONE),
        kind="swap",
        target_day=date(2026, 12, 7),
        target_duty=duty(PHONE),
        now=NOW,
    )
    assert request.candidate == clara
    services.swap_request_accept(actor=clara, request=request, now=NOW)
    assert holder(MONDAY, PHONE) == clara
    assert holder(date(2026, 12, 7), PHONE) == anna
    assert {w.version for w in RosterWeek.objects.all()} == {2}


def test_the_two_holders_of_a_day_may_trade(pool, week):
    anna, bernd = pool[0], pool[1]
    request = services.swap_request_create(
        actor=anna, day=MONDAY, duty=duty(PHONE), kind="swap", target_day=MONDAY, target_duty=duty(STANDBY), now=NOW
    )
    services.swap_request_accept(actor=bernd, request=request, now=NOW)
    assert (holder(MONDAY, PHONE), holder(MONDAY, STANDBY)) == (bernd, anna)


def test_takeover_by_the_other_holder_of_the_day_is_refused(pool, week):
    anna, bernd = pool[0], pool[1]
    with pytest.raises(NotEligible, match="other duty"):
        services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=bernd, now=NOW)
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    before = plan()
    with pytest.raises(NotEligible):
        services.swap_request_accept(actor=bernd, request=request, now=NOW)
    assert plan() == before
    assert SwapRequest.objects.get().status == SwapStatus.OPEN


def test_offer_to_everyone_first_accept_wins(pool, week):
    anna, clara, david = pool[0], pool[2], pool[3]
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    assert set(request.offered_to) == {p.pk for p in pool[2:]}  # not Anna, not Bernd (other duty that day)

    services.swap_request_accept(actor=clara, request=request, now=NOW)
    with pytest.raises(Conflict, match="no longer open"):
        services.swap_request_accept(actor=david, request=request, now=NOW)
    assert holder(MONDAY, PHONE) == clara


def test_swap_into_an_absence_is_refused_and_the_plan_unchanged(pool, week):
    anna, clara = pool[0], pool[2]
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    AbsenceFactory(user=clara, start=MONDAY, end=MONDAY)
    before = plan()
    with pytest.raises(NotEligible, match="absent"):
        services.swap_request_accept(actor=clara, request=request, now=NOW)
    assert plan() == before
    assert not AssignmentChange.objects.exists()
    wednesday = date(2026, 12, 2)
    AbsenceFactory(user=clara, start=wednesday, end=wednesday)
    with pytest.raises(NotEligible, match="absent"):
        services.swap_request_create(actor=anna, day=wednesday, duty=duty(PHONE), candidate=clara, now=NOW)
    assert SwapRequest.objects.count() == 1


def test_takeover_outside_weekday_availability_is_refused(pool, week):
    anna, felix = pool[0], pool[5]  # Felix works Monday to Wednesday
    thursday = date(2026, 12, 3)
    with pytest.raises(NotEligible, match="weekday"):
        services.swap_request_create(actor=anna, day=thursday, duty=duty(STANDBY), candidate=felix, now=NOW)


def test_decline_named_and_offer_to_everyone(pool, week):
    anna, clara, david = pool[0], pool[2], pool[3]
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara, now=NOW)
    with pytest.raises(PermissionDenied):
        services.swap_request_decline(actor=david, request=request, now=NOW)
    services.swap_request_decline(actor=clara, request=request, now=NOW)
    request.refresh_from_db()
    assert request.status == SwapStatus.DECLINED
    assert anna.notifications.filter(event="roster/swap_declined").count() == 1
    with pytest.raises(Conflict):
        services.swap_request_accept(actor=clara, request=request, now=NOW)

    everyone = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    services.swap_request_decline(actor=clara, request=everyone, now=NOW)
    everyone.refresh_from_db()
    assert (everyone.status, everyone.declined_by) == (SwapStatus.OPEN, [clara.pk])
    services.swap_request_accept(actor=david, request=everyone, now=NOW)
    assert holder(MONDAY, PHONE) == david


def test_withdraw(pool, week):
    anna, clara = pool[0], pool[2]
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    with pytest.raises(PermissionDenied):
        services.swap_request_withdraw(actor=clara, request=request, now=NOW)
    services.swap_request_withdraw(actor=anna, request=request, now=NOW)
    request.refresh_from_db()
    assert request.status == SwapStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.swap_request_accept(actor=clara, request=request, now=NOW)
    assert holder(MONDAY, PHONE) == anna


def test_expiry_and_late_accept(pool, week):
    anna, clara = pool[0], pool[2]
    monday_request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    tuesday_request = services.swap_request_create(actor=pool[1], day=TUESDAY, duty=duty(PHONE), now=NOW)
    tuesday_morning = datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN)

    # Before the sweep ran, the link is already dead: the day has passed.
    with pytest.raises(DomainError, match="expired"):
        services.swap_request_accept(actor=clara, request=monday_request, now=tuesday_morning)
    assert services.swap_requests_expire(now=tuesday_morning) == 1
    monday_request.refresh_from_db()
    tuesday_request.refresh_from_db()
    assert (monday_request.status, tuesday_request.status) == (SwapStatus.EXPIRED, SwapStatus.OPEN)
    with pytest.raises(Conflict, match="no longer open"):
        services.swap_request_accept(actor=clara, request=monday_request, token=monday_request.token)
    assert holder(MONDAY, PHONE) == anna


def test_links_need_the_right_token(pool, week):
    anna, clara = pool[0], pool[2]
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    with pytest.raises(PermissionDenied, match="link"):
        services.swap_request_accept(actor=clara, request=request, token="wrong", now=NOW)
    assert selectors.swap_request_by_token(token=request.token) == request
    services.swap_request_accept(actor=clara, request=request, token=request.token, now=NOW)
    # A used link: clear error, plan unchanged.
    with pytest.raises(Conflict):
        services.swap_request_accept(actor=pool[3], request=request, token=request.token, now=NOW)
    assert holder(MONDAY, PHONE) == clara


def test_a_changed_plan_makes_an_old_request_fail_cleanly(coordinator, pool, week):
    anna, clara, david = pool[0], pool[2], pool[3]
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    services.assignment_set(actor=coordinator, day=MONDAY, duty=duty(PHONE), user=david, reason="Plan geändert")
    request.refresh_from_db()
    assert request.status == SwapStatus.EXPIRED  # it no longer fits the plan
    with pytest.raises(Conflict):
        services.swap_request_accept(actor=clara, request=request, now=NOW)
    assert holder(MONDAY, PHONE) == david


def test_only_the_holder_may_ask_and_only_once(pool, week):
    anna, clara = pool[0], pool[2]
    with pytest.raises(DomainError, match="do not hold"):
        services.swap_request_create(actor=clara, day=MONDAY, duty=duty(PHONE), now=NOW)
    services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), now=NOW)
    with pytest.raises(Conflict, match="already an open request"):
        services.swap_request_create(actor=anna, day=MONDAY, duty=duty(PHONE), candidate=clara, now=NOW)
    with pytest.raises(DomainError, match="own request"):
        services.swap_request_accept(actor=anna, request=SwapRequest.objects.get(), now=NOW)


# --- PostgreSQL: two takers at the same moment ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_give_the_duty_to_exactly_one(pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    request = services.swap_request_create(actor=pool[0], day=MONDAY, duty=duty(PHONE), now=NOW)
    takers = [pool[2], pool[3]]
    barrier = threading.Barrier(len(takers))
    outcomes: dict[str, str] = {}

    def accept(taker) -> None:
        try:
            barrier.wait(timeout=10)
            services.swap_request_accept(actor=taker, request=request, now=NOW)
            outcomes[taker.username] = "accepted"
        except DomainError as exc:
            outcomes[taker.username] = f"refused: {exc.message}"
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=accept, args=(t,)) for t in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["accepted", "refused"], outcomes
    winner = next(name for name, v in outcomes.items() if v == "accepted")
    assert holder(MONDAY, PHONE).username == winner
    assert AssignmentChange.objects.count() == 1
    assert RosterWeek.objects.get(week_start=MONDAY).version == 2
