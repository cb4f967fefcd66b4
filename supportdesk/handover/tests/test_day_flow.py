"""The audit's gaps: "away" and "leaving at" hand over, the intake checks in the timeline, the
coordinators' day's flow settings, the standby's number on Today."""

from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.handover import selectors, services
from supportdesk.handover.exceptions import DomainError, NotAllowed
from supportdesk.handover.models import ChecklistText, DayFlowSettings, Handover, HandoverReason, PresenceState
from supportdesk.handover.tests.factories import MONDAY, SATURDAY, at
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.roster.tests.plans import make_week
from supportdesk.tickets.services import intake_check_done, intake_check_open

pytestmark = pytest.mark.django_db


def events(user):
    return list(NotificationDelivery.objects.filter(recipient=user).order_by("id").values_list("event", flat=True))


def body(user, event="handover/handover_notice"):
    return NotificationDelivery.objects.filter(recipient=user, event=event).order_by("id").last().body_text


def handover_jobs():
    return {name: job for name, job in registered_jobs().items() if name.startswith("handover.")}


# --- 1. "away" and "leaving at" are real hand-overs -------------------------------------------


def test_away_hands_over_at_once_with_notice_and_standby_informed(head, week, anna, bernd):
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 7, 30))

    handover = Handover.objects.get()
    assert (handover.to_user, handover.reason, handover.automatic) == (anna, HandoverReason.AWAY, False)
    assert handover.performed_at == at(MONDAY, 7, 30)
    assert events(anna) == ["handover/handover_notice"]
    assert events(bernd) == ["handover/handover_info"]
    assert events(head) == []
    text = body(anna)
    assert "Sabine Neumann ist heute abwesend" in text
    assert "ab 09:00" in text and "bis 18:00" in text  # the line from core hours to the window's end
    assert bernd.mobile in text  # who holds the standby, on the number callers need
    assert "/handover/ack/" in text
    # before core hours the line stays on voicemail; then the phone duty has it
    assert selectors.routing_at(now=at(MONDAY, 8)).target == "voicemail"
    assert (selectors.routing_at(now=at(MONDAY, 9)).target, selectors.routing_at(now=at(MONDAY, 9)).user) == (
        "phone_duty",
        anna,
    )


def test_away_hand_over_is_repeated_and_escalated_like_end_my_day(head, week, anna, coordinator):
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 10))
    assert services.handover_escalate(now=at(MONDAY, 10, 9)) == []
    assert len(services.handover_escalate(now=at(MONDAY, 10, 10))) == 1
    assert events(anna) == ["handover/handover_notice", "handover/handover_notice"]
    assert len(services.handover_escalate(now=at(MONDAY, 10, 20))) == 1
    assert events(coordinator) == ["handover/handover_unacknowledged"]


def test_away_twice_or_after_end_my_day_hands_over_only_once(head, week, anna):
    services.handover_perform(actor=head, now=at(MONDAY, 12))
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 12, 30))
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 12, 40))
    assert Handover.objects.get().reason == HandoverReason.END_OF_DAY
    assert events(anna) == ["handover/handover_notice"]


@pytest.mark.parametrize("moment", [at(SATURDAY, 10), at(MONDAY, 18, 30)])
def test_away_on_a_day_off_or_after_the_window_hands_nothing_over(head, week, anna, moment):
    services.presence_set(actor=head, state=PresenceState.AWAY, now=moment)
    assert not Handover.objects.exists()
    assert NotificationDelivery.objects.count() == 0


def test_away_without_published_phone_duty_goes_where_the_routing_goes(head, pool, coordinator):
    """Before a week is published the routing falls back to the coordinator; so does the hand-over."""
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 8, 30))
    handover = Handover.objects.get()
    assert (handover.to_user, handover.to_target) == (coordinator, "coordinator")
    routing = selectors.routing_at(now=at(MONDAY, 10))
    assert (routing.target, routing.user, routing.until) == ("coordinator", coordinator, at(MONDAY, 16))
    assert selectors.triage_owner(at(MONDAY, 10)) == coordinator
    text = body(coordinator)
    assert "Kein Telefondienst" in text  # says why the coordinator holds it
    assert "bis zum Beginn des Supportfensters um 16:00" in text
    assert "niemand veröffentlicht" in text  # no standby either


STANDBY_INFO = {
    "de": (
        "Sabine Neumann hat Support-Telefon und Postfach an Horst Schreiber (Koordination) übergeben, da für heute "
        "kein Telefondienst veröffentlicht ist. Sie haben die technische Notfallbereitschaft.",
        "heutiger Telefondienst",
    ),
    "en": (
        "Sabine Neumann has handed the support line and the mailbox over to Horst Schreiber as coordinator, since no "
        "phone duty is published for today. You are the technical standby.",
        "today's phone duty",
    ),
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_standby_hears_that_a_coordinator_took_over(head, pool, coordinator, language):
    """The week is published but Monday's phone duty is open: the coordinator takes the hand-over, and the
    standby's info says so instead of calling the coordinator "today's phone duty"."""
    bernd = pool[1]
    bernd.language = language
    bernd.save(update_fields=["language"])
    make_week(MONDAY, [(None, bernd)], published=True)
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 10))
    assert (Handover.objects.get().to_user, Handover.objects.get().to_target) == (coordinator, "coordinator")
    said, not_said = STANDBY_INFO[language]
    for text in (
        body(bernd, "handover/handover_info"),
        NotificationDelivery.objects.get(recipient=bernd, event="handover/handover_info").body_html,
    ):
        assert said in " ".join(text.split()), text
        assert not_said not in text


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_standby_hears_of_the_phone_duty_as_before(head, week, bernd, language):
    bernd.language = language
    bernd.save(update_fields=["language"])
    services.presence_set(actor=head, state=PresenceState.AWAY, now=at(MONDAY, 10))
    text = " ".join(body(bernd, "handover/handover_info").split())
    assert {"de": "an Anna Huber (heutiger Telefondienst) übergeben", "en": "to Anna Huber, today's phone duty."}[
        language
    ] in text
    assert {"de": "Koordination", "en": "coordinator"}[language] not in text


def test_leaving_at_hands_over_at_that_time_through_the_scheduler(head, week, anna, bernd, immediate_tasks):
    services.presence_set(actor=head, state=PresenceState.LEAVING, leaving_at=time(14), now=at(MONDAY, 8))
    assert not Handover.objects.exists()
    assert "handover.leaving" not in run_due_jobs(now=at(MONDAY, 13, 59), holder="t", jobs=handover_jobs())
    assert not Handover.objects.exists()

    fired = run_due_jobs(
        now=at(
            MONDAY,
            14,
            0,
        ),
        holder="t",
        jobs=handover_jobs(),
    )

    assert "handover.leaving" in fired
    handover = Handover.objects.get()
    assert (handover.to_user, handover.reason, handover.performed_at) == (anna, "leaving", at(MONDAY, 14))
    assert "Sabine Neumann ist um 14:00 gegangen" in body(anna)
    assert events(bernd) == ["handover/handover_info"]
    assert run_due_jobs(now=at(MONDAY, 14, 1), holder="t", jobs=handover_jobs()) == ["handover.minute"]
    assert Handover.objects.count() == 1


def test_leaving_at_does_nothing_when_she_ended_her_day_before(head, week, anna, immediate_tasks):
    services.presence_set(actor=head, state=PresenceState.LEAVING, leaving_at=time(14), now=at(MONDAY, 8))
    services.handover_perform(actor=head, now=at(MONDAY, 13, 55))
    assert "handover.leaving" in run_due_jobs(now=at(MONDAY, 14), holder="t", jobs=handover_jobs())
    assert Handover.objects.get().reason == HandoverReason.END_OF_DAY
    assert events(anna) == ["handover/handover_notice"]


def test_leaving_time_changed_later_hands_over_at_the_new_time(head, week, anna, immediate_tasks):
    services.presence_set(actor=head, state=PresenceState.LEAVING, leaving_at=time(14), now=at(MONDAY, 8))
    services.presence_set(actor=head, state=PresenceState.LEAVING, leaving_at=time(15), now=at(MONDAY, 13))
    run_due_jobs(now=at(MONDAY, 14), holder="t", jobs=handover_jobs())
    assert not Handover.objects.exists()
    run_due_jobs(now=at(MONDAY, 15), holder="t", jobs=handover_jobs())
    assert Handover.objects.get().performed_at == at(MONDAY, 15)


def test_leaving_at_a_time_already_past_hands_over_at_once(head, week, anna):
    services.presence_set(actor=head, state=PresenceState.LEAVING, leaving_at=time(11), now=at(MONDAY, 11, 20))
    assert Handover.objects.get().performed_at == at(MONDAY, 11, 20)


def test_leaving_task_respects_a_changed_presence(head, week, anna):
    services.presence_set(actor=head, state=PresenceState.LEAVING, leaving_at=time(14), now=at(MONDAY, 8))
    services.presence_set(actor=head, state=PresenceState.PRESENT, now=at(MONDAY, 12))
    assert services.handover_leaving(now=at(MONDAY, 14)) is None
    assert not Handover.objects.exists()


# --- 2. the hourly intake check in the timeline ---------------------------------------------


def test_intake_checks_are_done_due_or_missed(head, week, anna):
    check = intake_check_open(due_at=at(MONDAY, 16))
    intake_check_done(check=check, actor=anna, now=at(MONDAY, 16, 7))
    steps = [s for s in selectors.day_status(at(MONDAY, 17, 10)).steps if s.key == "intake"]
    assert [(s.due, s.status, s.at, s.who) for s in steps] == [
        (at(MONDAY, 16), "done", at(MONDAY, 16, 7), anna),
        (at(MONDAY, 17), "pending", None, anna),
    ]
    steps = [s for s in selectors.day_status(at(MONDAY, 17, 15)).steps if s.key == "intake"]
    assert [s.status for s in steps] == ["done", "missed"]
    assert [s.key for s in selectors.day_status(at(SATURDAY, 17)).steps] == []


def test_my_day_and_today_show_the_intake_checks(client, head, week, anna):
    anna.language = "en"
    anna.save(update_fields=["language"])
    client.force_login(anna)
    with time_machine.travel(at(MONDAY, 17, 20), tick=False):
        my_day = client.get(reverse("handover:my_day")).text
        live = client.get(reverse("handover:today_live")).text
    for html in (my_day, live):
        assert "Prio 1 intake check 16:00" in html
        assert "Prio 1 intake check 17:00" in html
        item = html[html.index("Prio 1 intake check 17:00") - 400 : html.index("Prio 1 intake check 17:00")]
        assert "ho-missed" in item


# --- 3. the coordinators' day's flow settings -------------------------------------------------


def test_settings_row_starts_with_the_deployment_settings(settings, db):
    settings.SUPPORTDESK_READINESS_LEAD_MINUTES = 10
    settings.SUPPORTDESK_HANDOVER_REPEAT_MINUTES = 7
    settings.SUPPORTDESK_AUTO_HANDOVER = False
    flow = selectors.day_flow_settings_get()
    assert (flow.readiness_lead_minutes, flow.readiness_grace_minutes) == (10, 5)
    assert (flow.handover_repeat_minutes, flow.handover_repeat_count, flow.auto_handover) == (7, 1, False)
    assert flow.closing_grace_minutes == 15


def test_settings_drive_the_timers(head, week, anna, coordinator):
    services.day_flow_settings_update(
        actor=coordinator,
        values={
            "readiness_lead_minutes": 15,
            "readiness_grace_minutes": 10,
            "handover_repeat_minutes": 5,
            "handover_repeat_count": 2,
            "closing_grace_minutes": 30,
            "auto_handover": True,
        },
        checklists={},
    )
    from supportdesk.handover import jobs

    assert jobs.window_slot(now=at(MONDAY, 15, 50), edge="start", offset=-jobs.conf.readiness_lead()) == at(
        MONDAY, 15, 45
    )
    steps = {s.key: s for s in selectors.day_status(at(MONDAY, 16, 9)).steps}
    assert steps["readiness"].due == at(MONDAY, 16, 10) and steps["readiness"].status == "pending"
    assert selectors.day_status(at(MONDAY, 18, 29)).steps[-1].status == "pending"
    assert selectors.day_status(at(MONDAY, 18, 30)).steps[-1].status == "missed"

    services.handover_perform(actor=head, now=at(MONDAY, 15))
    for minute in (5, 10):  # two repeats, five minutes apart
        assert len(services.handover_escalate(now=at(MONDAY, 15, minute))) == 1
    assert events(coordinator) == []
    assert len(services.handover_escalate(now=at(MONDAY, 15, 15))) == 1
    assert events(coordinator) == ["handover/handover_unacknowledged"]
    assert events(anna) == ["handover/handover_notice"] * 3


def test_automatic_hand_over_can_be_switched_off(head, week, anna, coordinator):
    services.day_flow_settings_update(actor=coordinator, values={"auto_handover": False}, checklists={})
    assert services.handover_auto(now=at(MONDAY, 16)) is None
    assert not Handover.objects.exists()
    assert selectors.routing_at(now=at(MONDAY, 16, 1)).target == "phone_duty"  # the window routes anyway


def test_triage_owner_setting(head, week, anna, pool, coordinator):
    services.day_flow_settings_update(actor=coordinator, values={"triage_owner": pool[3]}, checklists={})
    assert selectors.triage_owner(at(MONDAY, 10)) == pool[3]
    services.handover_perform(actor=head, now=at(MONDAY, 15))
    assert selectors.triage_owner(at(MONDAY, 15, 1)) == anna


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"readiness_lead_minutes": 0, "readiness_grace_minutes": 0}, "nach der Bitte um die Meldung"),
        ({"handover_repeat_minutes": 0}, "1"),
        ({"closing_grace_minutes": 500}, "180"),
        ({"handover_repeat_count": 9}, "5"),
        ({"nonsense": 1}, "nonsense"),
    ],
)
def test_invalid_settings_are_refused_and_change_nothing(coordinator, values, message):
    before = selectors.day_flow_settings_get()
    with pytest.raises(DomainError) as exc:
        services.day_flow_settings_update(actor=coordinator, values=values, checklists={"de": "Nur das"})
    assert message in exc.value.message
    after = DayFlowSettings.objects.get()
    assert (after.readiness_lead_minutes, after.handover_repeat_minutes, after.closing_grace_minutes) == (
        before.readiness_lead_minutes,
        before.handover_repeat_minutes,
        before.closing_grace_minutes,
    )
    assert not ChecklistText.objects.exists()


def test_only_coordinators_change_settings(agent):
    with pytest.raises(NotAllowed):
        services.day_flow_settings_update(actor=agent, values={"auto_handover": False}, checklists={})


def test_settings_page_for_coordinators(client, coordinator, agent):
    client.force_login(agent)
    assert client.get(reverse("handover:settings")).status_code == 403
    client.force_login(coordinator)
    response = client.get(reverse("handover:settings"))
    assert response.status_code == 200
    assert 'name="readiness_lead_minutes"' in response.text
    assert 'name="checklist_de"' in response.text and 'name="checklist_en"' in response.text
    assert "15:55" in response.text and "16:05" in response.text  # Monday's window with the defaults
    assert reverse("handover:settings") in client.get(reverse("roster:calendar_settings")).text  # the navigation


def test_settings_page_saves_settings_and_the_checklist(client, coordinator, head, week):
    client.force_login(coordinator)
    data = {
        "auto_handover": "on",
        "handover_repeat_minutes": "12",
        "handover_repeat_count": "1",
        "readiness_lead_minutes": "10",
        "readiness_grace_minutes": "3",
        "closing_grace_minutes": "20",
        "triage_owner": "",
        "checklist_de": "Telefon laden\n\n  AB an  \nFenster zu",
        "checklist_en": "",
    }
    response = client.post(reverse("handover:settings"), data)
    assert response.status_code == 302
    flow = DayFlowSettings.objects.get()
    assert (flow.handover_repeat_minutes, flow.readiness_lead_minutes, flow.updated_by) == (12, 10, coordinator)
    assert selectors.closing_checklist_text(language="de") == ["Telefon laden", "AB an", "Fenster zu"]
    assert selectors.closing_checklist_text(language="en")[0] == "Put the phone back on its charger."
    page = client.get(reverse("handover:settings")).text
    assert "Fenster zu" in page and "15:50" in page


def test_settings_page_shows_clear_messages_and_keeps_the_input(client, coordinator):
    client.force_login(coordinator)
    data = {
        "handover_repeat_minutes": "10",
        "handover_repeat_count": "1",
        "readiness_lead_minutes": "0",
        "readiness_grace_minutes": "0",
        "closing_grace_minutes": "abc",
        "checklist_de": "\n".join(f"Punkt {i}" for i in range(20)),
    }
    response = client.post(reverse("handover:settings"), data)
    assert response.status_code == 400
    text = response.text
    assert "Nichts wurde gespeichert" in text
    assert "Die Warnung muss nach der Bitte um die Meldung kommen" in text
    assert "Höchstens 12 Punkte" in text
    assert "Punkt 19" in text  # what was typed stays
    assert DayFlowSettings.objects.get().closing_grace_minutes == 15
    assert not ChecklistText.objects.exists()


# --- 4. the standby's number on Today -------------------------------------------------------------


def test_today_shows_the_standbys_number(client, head, week, anna, bernd):
    client.force_login(anna)
    with time_machine.travel(at(MONDAY, 16, 30), tick=False):
        html = client.get(reverse("handover:today_live")).text
    holds = html[html.index('id="ho-now-head"') : html.index('id="ho-triage-head"')]
    assert bernd.name in holds
    assert bernd.mobile in holds  # the standby duty's contact field, as on the duty card
    assert 'href="tel:+49170' in holds
    board = selectors.today_board(now=at(MONDAY, 16, 30))
    assert (board.standby, board.standby_number) == (bernd, bernd.mobile)
    bernd.mobile = ""
    bernd.save(update_fields=["mobile"])
    assert selectors.today_board(now=at(MONDAY, 16, 30) + timedelta(minutes=1)).standby_number == ""
