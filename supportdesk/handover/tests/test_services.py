"""The day's flow with a pinned clock: routing, hand-over, readiness, closing."""

from datetime import time, timedelta

import pytest

from supportdesk.handover import selectors, services
from supportdesk.handover.exceptions import AlreadyHandedOver, NotAllowed
from supportdesk.handover.models import ChecklistText, Handover, PresenceState, ReadinessCheck
from supportdesk.handover.tests.factories import HOLIDAY, MONDAY, SATURDAY, at
from supportdesk.notifications.models import NotificationDelivery

pytestmark = pytest.mark.django_db


def events(user):
    return list(NotificationDelivery.objects.filter(recipient=user).order_by("id").values_list("event", flat=True))


def target(now):
    return selectors.routing_at(now=now).target


# --- a normal weekday -------------------------------------------------------------------------


def test_normal_weekday_routing_follows_the_hand_over(head, week, anna, bernd):
    assert target(at(MONDAY, 8, 59)) == "voicemail"
    routing = selectors.routing_at(now=at(MONDAY, 10))
    assert (routing.target, routing.user) == ("mailbox_head", head)
    assert routing.until == at(MONDAY, 16)
    assert routing.number == head.office_phone

    handover = services.handover_perform(actor=head, now=at(MONDAY, 15, 30))

    assert (handover.from_user, handover.to_user, handover.automatic) == (head, anna, False)
    routing = selectors.routing_at(now=at(MONDAY, 15, 31))
    assert (routing.target, routing.user, routing.until) == ("phone_duty", anna, at(MONDAY, 18))
    assert target(at(MONDAY, 16, 30)) == "phone_duty"
    assert selectors.routing_at(now=at(MONDAY, 18, 1)).dial == "voicemail"
    assert events(anna) == ["handover/handover_notice"]
    assert events(bernd) == ["handover/handover_info"]
    assert events(head) == []


def test_hand_over_notice_lists_what_is_open(head, week, anna):
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    body = NotificationDelivery.objects.get(recipient=anna).body_text
    assert "0 Mails warten in der Triage" in body or "0 mails waiting in triage" in body
    assert "/handover/ack/" in body


def test_only_the_mailbox_head_hands_over_and_only_once(head, week, anna):
    with pytest.raises(NotAllowed):
        services.handover_perform(actor=anna, now=at(MONDAY, 15))
    services.handover_perform(actor=head, now=at(MONDAY, 15))
    with pytest.raises(AlreadyHandedOver):
        services.handover_perform(actor=head, now=at(MONDAY, 15, 5))


def test_triage_owner_is_the_head_before_and_the_phone_duty_after(head, week, anna):
    assert selectors.triage_owner(at(MONDAY, 10)) == head
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    assert selectors.triage_owner(at(MONDAY, 15, 31)) == anna
    assert selectors.triage_owner(at(MONDAY, 18, 30)) == head


# --- days off ---------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [HOLIDAY, SATURDAY])
def test_holiday_and_weekend_are_voicemail_all_day(head, week, day):
    for hour in (0, 10, 15, 16, 17, 20):
        assert target(at(day, hour)) == "voicemail"
    assert selectors.routing_at(now=at(day, 10)).dial == "voicemail"


def test_hand_over_on_a_day_without_window_is_after_hours_mode(head, week, settings):
    from supportdesk.roster.models import SupportWindow
    from supportdesk.roster.selectors import support_calendar_invalidate

    SupportWindow.objects.filter(weekday=0).update(active=False)
    support_calendar_invalidate()
    assert target(at(MONDAY, 10)) == "mailbox_head"
    handover = services.handover_perform(actor=head, now=at(MONDAY, 14))
    assert handover.after_hours
    assert target(at(MONDAY, 14, 1)) == "voicemail"
    assert NotificationDelivery.objects.count() == 0


# --- the mailbox head absent ------------------------------------------------------------------


def test_absent_head_phone_duty_takes_the_line_in_core_hours(head, week, anna):
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 8))
    routing = selectors.routing_at(now=at(MONDAY, 10))
    assert (routing.target, routing.user) == ("phone_duty", anna)
    assert selectors.triage_owner(at(MONDAY, 10)) == anna


def test_absent_head_without_published_plan_goes_to_the_coordinator(head, pool, coordinator):
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 8))
    routing = selectors.routing_at(now=at(MONDAY, 10))
    assert (routing.target, routing.user) == ("coordinator", coordinator)


def test_leaving_at_ends_the_heads_part_of_the_day(head, week, anna):
    services.presence_set(actor=head, state=PresenceState.LEAVING, leaving_at=time(14), now=at(MONDAY, 8))
    assert selectors.routing_at(now=at(MONDAY, 13)).until == at(MONDAY, 14)
    assert target(at(MONDAY, 13, 59)) == "mailbox_head"
    assert target(at(MONDAY, 14)) == "phone_duty"


# --- forgotten hand-over ----------------------------------------------------------------------


def test_forgotten_hand_over_happens_automatically_at_the_window_start(head, week, anna, bernd):
    handover = services.handover_auto(now=at(MONDAY, 16))
    assert handover is not None
    assert (handover.automatic, handover.to_user, handover.performed_at) == (True, anna, at(MONDAY, 16))
    assert events(anna) == ["handover/handover_notice"]
    assert events(head) == ["handover/handover_automatic"]
    assert services.handover_auto(now=at(MONDAY, 16)) is None
    assert Handover.objects.count() == 1


def test_no_automatic_hand_over_after_a_manual_one(head, week):
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    assert services.handover_auto(now=at(MONDAY, 16)) is None


def test_unacknowledged_hand_over_is_repeated_then_shown_to_the_coordinator(head, week, anna, coordinator):
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    assert services.handover_escalate(now=at(MONDAY, 15, 39)) == []
    assert len(services.handover_escalate(now=at(MONDAY, 15, 40))) == 1
    assert events(anna) == ["handover/handover_notice", "handover/handover_notice"]
    assert services.handover_escalate(now=at(MONDAY, 15, 45)) == []
    assert len(services.handover_escalate(now=at(MONDAY, 15, 50))) == 1
    assert events(coordinator) == ["handover/handover_unacknowledged"]
    assert services.handover_escalate(now=at(MONDAY, 16, 30)) == []


def test_acknowledged_hand_over_is_not_repeated(head, week, anna, coordinator):
    handover = services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    services.handover_acknowledge(handover=handover, actor=anna, now=at(MONDAY, 15, 32))
    assert services.handover_escalate(now=at(MONDAY, 15, 50)) == []
    assert events(coordinator) == []


def test_ack_token_resolves_to_the_hand_over(head, week, anna):
    handover = services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    assert services.ack_token_resolve(token=services.ack_token_make(handover=handover)) == handover


# --- readiness (R16, R17) ---------------------------------------------------------------------


def test_readiness_alert_at_1605_when_not_checked_in(head, week, anna, bernd, coordinator):
    check = services.readiness_request(now=at(MONDAY, 15, 55))
    assert check.user == bernd
    assert events(bernd) == ["handover/readiness_request"]
    assert services.readiness_alert(now=at(MONDAY, 16, 5)) is not None
    assert events(anna) == ["handover/readiness_alert"]
    assert events(coordinator) == ["handover/readiness_alert"]
    assert services.readiness_alert(now=at(MONDAY, 16, 6)) is None
    assert NotificationDelivery.objects.filter(event="handover/readiness_alert").count() == 2


def test_no_readiness_alert_when_checked_in(head, week, anna, bernd, coordinator):
    services.readiness_request(now=at(MONDAY, 15, 55))
    check = services.readiness_checkin(actor=bernd, reachable=True, computer=True, vpn=True, now=at(MONDAY, 15, 58))
    assert check.ready
    assert services.readiness_alert(now=at(MONDAY, 16, 5)) is None
    assert NotificationDelivery.objects.filter(event="handover/readiness_alert").count() == 0


def test_check_in_without_vpn_still_alerts(head, week, anna, bernd):
    services.readiness_checkin(actor=bernd, reachable=True, computer=True, vpn=False, now=at(MONDAY, 15, 58))
    assert services.readiness_alert(now=at(MONDAY, 16, 5)) is not None


def test_only_the_standby_checks_in(week, anna):
    with pytest.raises(NotAllowed):
        services.readiness_checkin(actor=anna, reachable=True, computer=True, vpn=True, now=at(MONDAY, 15, 58))
    assert ReadinessCheck.objects.count() == 0


# --- closing (R15) ----------------------------------------------------------------------------


def test_closing_checklist_at_1800_and_coordinator_at_1815(head, week, anna, coordinator):
    check = services.closing_request(now=at(MONDAY, 18))
    assert check.user == anna
    body = NotificationDelivery.objects.get(recipient=anna, event="handover/closing_checklist").body_text
    assert "Anrufbeantworter einschalten." in body
    assert target(at(MONDAY, 18)) == "voicemail"
    assert services.closing_overdue(now=at(MONDAY, 18, 15)) is not None
    assert events(coordinator) == ["handover/closing_overdue"]
    assert services.closing_overdue(now=at(MONDAY, 18, 16)) is None


def test_confirmed_closing_is_not_reported(week, anna, coordinator):
    services.closing_request(now=at(MONDAY, 18))
    services.closing_confirm(actor=anna, now=at(MONDAY, 18, 3))
    assert services.closing_overdue(now=at(MONDAY, 18, 15)) is None
    assert events(coordinator) == []


def test_closing_checklist_text_is_editable(week, anna):
    ChecklistText.objects.create(language="de", text="Telefon laden\nAB an\nLicht aus")
    services.closing_request(now=at(MONDAY, 18))
    body = NotificationDelivery.objects.get(recipient=anna).body_text
    assert "- Licht aus" in body
    assert selectors.closing_checklist_text(language="en")[0] == "Put the phone back on its charger."


# --- the day's timeline -----------------------------------------------------------------------


def test_day_status_marks_missed_steps(head, week):
    status = selectors.day_status(at(MONDAY, 18, 20))
    assert [(s.key, s.status) for s in status.steps] == [
        ("handover", "missed"),
        ("intake", "missed"),  # 16:00
        ("readiness", "missed"),  # 16:05
        ("intake", "missed"),  # 17:00
        ("closing", "missed"),
    ]
    services.handover_perform(actor=head, now=at(MONDAY, 15))
    status = selectors.day_status(at(MONDAY, 15) + timedelta(minutes=5))
    assert [s.status for s in status.steps] == ["done", "pending", "pending", "pending", "pending", "pending"]
