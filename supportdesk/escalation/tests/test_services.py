"""The chain with the clock pinned: recipients from the roster at sending time, timing, acks, policies."""

from datetime import timedelta

import pytest
from django.tasks import default_task_backend

from supportdesk.escalation import services
from supportdesk.escalation.exceptions import EscalationClosed
from supportdesk.escalation.models import (
    CustomerEscalationPolicy,
    EscalationPolicy,
    EscalationStatus,
    EventDetail,
    EventKind,
    OutsideWindowMode,
)
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, TUESDAY_1900, escalation_of, prio1_ticket
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery, UserChannel
from supportdesk.roster.models import Duty, SwapKind
from supportdesk.roster.selectors import holders_on
from supportdesk.roster.services import swap_request_accept, swap_request_create
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets.models import Customer, Prio1Status, Priority, Status
from supportdesk.tickets.services import ticket_create, ticket_update

pytestmark = pytest.mark.django_db


def run_next(escalation, now):
    escalation.refresh_from_db()
    return services.escalation_step_run(escalation_id=escalation.pk, step_token=escalation.step_token, now=now)


def notices(template="escalation/prio1_notice"):
    return list(NotificationDelivery.objects.filter(event=template).order_by("id"))


@pytest.fixture
def week(pool):
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


def test_prio1_ticket_starts_the_escalation_with_its_first_step_enqueued(week, coordinator, pool):
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)
    escalation = escalation_of(ticket)
    assert escalation.status == EscalationStatus.ACTIVE and escalation.step == 0
    assert escalation.next_step_at == TUESDAY_1630
    [step] = [r for r in default_task_backend.results if r.task.name == "escalation_step"]
    assert step.kwargs == {"escalation_id": escalation.pk, "step_token": escalation.step_token}
    assert step.task.run_after is None
    assert list(escalation.events.values_list("kind", flat=True)) == [EventKind.STARTED]


def test_raising_the_priority_later_starts_it_too(week, coordinator):
    ticket = ticket_create(actor=coordinator, subject="Langsam", priority=Priority.P3, now=TUESDAY_1630)
    ticket_update(coordinator, ticket, ticket.version, now=TUESDAY_1630, priority=Priority.P1)
    assert escalation_of(ticket).status == EscalationStatus.ACTIVE


@pytest.mark.parametrize("kind", [SwapKind.SWAP, SwapKind.TAKEOVER])
def test_recipient_is_the_standby_at_sending_time_after_a_swap(week, coordinator, pool, kind):
    """Anna holds Tuesday's standby when the case opens; five minutes before the step runs she
    trades it through the roster's own swap services: with Bernd (the day's phone duty: the two
    trade duties) or handed over to Clara. The step asks the roster at sending time."""
    anna, bernd, clara = pool[0], pool[1], pool[2]
    tuesday = TUESDAY_1630.date()
    standby = Duty.objects.get(code=Duty.TECHNICAL_STANDBY)
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)
    if kind == SwapKind.SWAP:
        request = swap_request_create(
            actor=anna,
            day=tuesday,
            duty=standby,
            kind=SwapKind.SWAP,
            target_day=tuesday,
            target_duty=Duty.objects.get(code=Duty.PHONE_DUTY),
            now=TUESDAY_1630,
        )
        taker = bernd
    else:
        request = swap_request_create(
            actor=anna, day=tuesday, duty=standby, kind=SwapKind.TAKEOVER, candidate=clara, now=TUESDAY_1630
        )
        taker = clara
    swap_request_accept(actor=taker, request=request, now=TUESDAY_1630)
    assert holders_on(day=tuesday, published_only=True)[Duty.TECHNICAL_STANDBY].user == taker
    run_next(escalation_of(ticket), TUESDAY_1630 + timedelta(minutes=5))
    assert [d.recipient for d in notices()] == [taker]
    event = escalation_of(ticket).events.get(kind=EventKind.NOTIFIED)
    assert event.recipient == taker and event.detail_code == EventDetail.STANDBY
    assert anna not in [d.recipient for d in notices()]


def test_renotifies_every_n_minutes_m_times_then_escalates(week, coordinator, pool):
    anna = pool[0]
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)
    escalation = escalation_of(ticket)
    t0 = TUESDAY_1630
    for i in range(4):  # the first notice and three repeats, five minutes apart
        run_next(escalation, t0 + timedelta(minutes=5 * i))
        escalation.refresh_from_db()
        assert escalation.next_step_at == t0 + timedelta(minutes=5 * (i + 1))
        queued = default_task_backend.results[-2]
        assert queued.task.run_after == escalation.next_step_at
        assert queued.kwargs["step_token"] == escalation.step_token
    assert [d.recipient for d in notices()] == [anna] * 4
    run_next(escalation, t0 + timedelta(minutes=20))
    escalation.refresh_from_db()
    assert escalation.next_step_at is None
    escalated = [e for e in escalation.events.all() if e.kind == EventKind.ESCALATED]
    told = {e.recipient for e in escalated}
    assert coordinator in told and pool[2] in told and pool[3] in told
    kinds = list(escalation.events.values_list("kind", flat=True))
    assert kinds[:5] == [EventKind.STARTED, EventKind.NOTIFIED] + [EventKind.RENOTIFIED] * 3
    times = list(escalation.events.filter(kind__in=["notified", "renotified"]).values_list("at", flat=True))
    assert times == [t0 + timedelta(minutes=5 * i) for i in range(4)]


def test_a_stale_or_repeated_step_does_nothing(week, coordinator):
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)
    escalation = escalation_of(ticket)
    token = escalation.step_token
    services.escalation_step_run(escalation_id=escalation.pk, step_token=token, now=TUESDAY_1630)
    services.escalation_step_run(escalation_id=escalation.pk, step_token=token, now=TUESDAY_1630)
    assert len(notices()) == 1


def test_acknowledgement_stops_the_chain_and_tells_the_phone_duty(week, coordinator, pool):
    anna, bernd = pool[0], pool[1]
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)
    escalation = escalation_of(ticket)
    run_next(escalation, TUESDAY_1630)
    escalation.refresh_from_db()
    queued_token = escalation.step_token
    result = services.escalation_acknowledge(escalation=escalation, actor=anna, now=TUESDAY_1630 + timedelta(minutes=2))
    assert result.accepted
    services.escalation_step_run(escalation_id=escalation.pk, step_token=queued_token, now=TUESDAY_1630)
    assert len(notices()) == 1
    [told] = notices("escalation/acknowledged")
    assert told.recipient == bernd
    assert ticket.prio1_cases.get().status == Prio1Status.ACKNOWLEDGED


def test_two_acknowledgements_one_wins_the_later_is_recorded(week, coordinator, pool):
    anna, clara = pool[0], pool[2]
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    first = services.escalation_acknowledge(escalation=escalation, actor=anna, now=TUESDAY_1630)
    second = services.escalation_acknowledge(escalation=escalation, actor=clara, now=TUESDAY_1630)
    assert first.accepted and not second.accepted
    assert "hat diesen Fall bereits um 16:30:00 quittiert" in second.message
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == anna
    kinds = list(escalation.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.ACKNOWLEDGED) == 1 and kinds.count(EventKind.ACK_IGNORED) == 1
    assert len(notices("escalation/acknowledged")) == 1


def test_outside_the_window_the_coordinator_by_default(week, coordinator, pool):
    escalation = escalation_of(prio1_ticket(actor=pool[3], now=TUESDAY_1900))
    run_next(escalation, TUESDAY_1900)
    assert [d.recipient for d in notices()] == [coordinator]


def test_outside_the_window_a_named_person(week, coordinator, pool):
    customer = Customer.objects.create(code="swr", name="Stadtwerke")
    CustomerEscalationPolicy.objects.create(customer=customer, mode=OutsideWindowMode.PERSON, person=pool[4])
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1900, customer=customer))
    run_next(escalation, TUESDAY_1900)
    assert [d.recipient for d in notices()] == [pool[4]]


def test_outside_the_window_nobody_stops_the_chain(week, coordinator):
    customer = Customer.objects.create(code="swr", name="Stadtwerke")
    CustomerEscalationPolicy.objects.create(customer=customer, mode=OutsideWindowMode.NOBODY)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1900, customer=customer))
    run_next(escalation, TUESDAY_1900)
    escalation.refresh_from_db()
    assert notices() == [] and escalation.next_step_at is None
    assert escalation.events.filter(kind=EventKind.NO_RECIPIENT).exists()


def test_standby_without_a_working_channel_the_coordinator_is_told_at_once(week, coordinator, pool):
    anna = pool[0]
    anna.email = ""
    anna.save()
    escalation = escalation_of(prio1_ticket(actor=pool[3], now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    [told] = notices("escalation/unreachable")
    assert told.recipient == coordinator and "Anna" in told.subject
    assert escalation.events.filter(kind=EventKind.UNREACHABLE, recipient=anna).exists()


def test_all_channels_failed_the_coordinator_is_told_once(week, coordinator, pool):
    anna = pool[0]
    UserChannel.objects.create(user=anna, kind="email", position=0)
    UserChannel.objects.create(user=anna, kind="apprise", url="json://127.0.0.1:9/", position=1)
    escalation = escalation_of(prio1_ticket(actor=pool[3], now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    assert [d.channel for d in notices()] == ["email", "apprise"]
    assert services.escalation_deliveries_check(escalation_id=escalation.pk) == []
    NotificationDelivery.objects.filter(event="escalation/prio1_notice").update(
        status=DeliveryStatus.RETRYING, attempts=1
    )
    assert len(services.escalation_deliveries_check(escalation_id=escalation.pk)) == 1
    assert services.escalation_deliveries_check(escalation_id=escalation.pk) == []
    [told] = notices("escalation/unreachable")
    assert told.recipient == coordinator
    assert "alle Benachrichtigungskanäle sind fehlgeschlagen" in told.body_text  # in the coordinator's language
    event = escalation.events.get(kind=EventKind.UNREACHABLE)
    assert (event.detail_code, event.text) == (EventDetail.ALL_CHANNELS_FAILED, "")  # worded when read


def test_no_standby_published_goes_to_the_coordinator(pool, coordinator):
    make_week(MONDAY, [(pool[0], None)] * 5, published=True)
    escalation = escalation_of(prio1_ticket(actor=pool[3], now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    assert [d.recipient for d in notices()] == [coordinator]


def test_sweep_reenqueues_only_overdue_steps(week, coordinator):
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    before = len(default_task_backend.results)
    assert services.escalation_sweep(now=TUESDAY_1630 + timedelta(seconds=20)) == 0
    assert services.escalation_sweep(now=TUESDAY_1630 + timedelta(seconds=31)) == 1
    new = [r for r in default_task_backend.results[before:] if r.task.name == "escalation_step"]
    assert [r.kwargs["step_token"] for r in new] == [escalation.step_token]


def test_resolve_resolves_case_and_ticket(week, coordinator, pool):
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)
    escalation = escalation_of(ticket)
    services.escalation_status_update_post(escalation=escalation, actor=pool[0], text="VPN steht, schaue Logs")
    services.escalation_phone_call_log(escalation=escalation, actor=pool[1], text="Kunde informiert")
    services.escalation_resolve(escalation=escalation, actor=pool[0], summary="Dienst neu gestartet")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.prio1_cases.get().status == Prio1Status.RESOLVED
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED and escalation.next_step_at is None
    with pytest.raises(EscalationClosed):
        services.escalation_resolve(escalation=escalation, actor=pool[0], summary="nochmal")


def test_policy_is_configurable(week, coordinator, pool):
    EscalationPolicy.objects.create(pk=1, renotify_seconds=60, renotify_count=0, escalate_to_pool=False)
    escalation = escalation_of(prio1_ticket(actor=pool[3], now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    run_next(escalation, TUESDAY_1630 + timedelta(minutes=1))
    assert [d.recipient for d in notices()] == [pool[0], coordinator]


def test_a_prio1_that_cannot_reach_the_standby_is_always_told(week, coordinator, pool):
    """The hourly coalescing of "could not reach" notices never swallows a Prio 1's own alert."""
    from supportdesk.notifications.services import UNREACHABLE_TEMPLATE, delivery_attempt, notify

    anna = pool[0]
    anna.email = ""
    anna.save()
    [ordinary] = notify(recipient=anna, template="test_notice", context={"recipient": anna})
    delivery_attempt(delivery_id=ordinary.pk)
    assert NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE, recipient=coordinator).count() == 1
    first = escalation_of(prio1_ticket(actor=pool[3], now=TUESDAY_1630, subject="Leitsystem steht"))
    run_next(first, TUESDAY_1630)
    second = escalation_of(prio1_ticket(actor=pool[3], now=TUESDAY_1630, subject="Telefonanlage tot"))
    run_next(second, TUESDAY_1630 + timedelta(minutes=1))
    told = notices("escalation/unreachable")
    assert [(d.recipient, d.subject) for d in told] == [
        (coordinator, f"Prio 1 {first.case.ticket.number}: Anna Huber ist nicht erreichbar"),
        (coordinator, f"Prio 1 {second.case.ticket.number}: Anna Huber ist nicht erreichbar"),
    ]
    assert NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE).count() == 1  # nothing more there
