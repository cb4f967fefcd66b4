"""``load_demo``: an invented team with six weeks of history, loaded once into an empty database."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from supportdesk.accounts.models import User
from supportdesk.core.demo import DEMO_PASSWORD, TEAM
from supportdesk.escalation.models import Escalation, EscalationStatus, EventKind
from supportdesk.handover import agenda
from supportdesk.handover.models import ClosingCheck, Handover, ReadinessCheck
from supportdesk.mailbox.models import InboundMail
from supportdesk.notifications.models import AttemptOutcome, DeliveryAttempt, DeliveryStatus, NotificationDelivery
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors as roster_selectors
from supportdesk.roster.models import Absence, Assignment, PoolMember, RosterWeek, SwapRequest, SwapStatus
from supportdesk.tickets.models import OPEN_STATUSES, Article, Customer, DigestItem, Team, Ticket, TicketChange

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_EVENING = datetime(2026, 11, 25, 17, 10, tzinfo=BERLIN)
"""In the support window: today's hand-over and check-in are done, the closing is not due yet."""

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_tasks(settings) -> None:
    """The real task backend, so that the test sees the tasks the demo would leave queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def load(at: datetime) -> str:
    with time_machine.travel(at, tick=False):
        return run("load_demo")


def test_loads_a_team_with_published_plans_from_six_weeks_back_to_next_week():
    out = load(WEDNESDAY_EVENING)

    assert User.objects.count() == len(TEAM) + 1
    assert User.objects.get(username="admin").is_superuser
    coordinator = User.objects.get(username="kvogel")
    assert coordinator.is_coordinator and not coordinator.is_deputy
    assert coordinator.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="mbrandt").is_deputy
    assert User.objects.get(is_mailbox_head=True).username == "sneumann"
    assert sorted(len(m.weekdays) for m in PoolMember.objects.filter(active=True)) == [3, 5, 5, 5, 5, 5]
    assert Team.objects.get(slug=Team.SUPPORT_MANAGEMENT).members.filter(username="kvogel").exists()
    assert Customer.objects.count() == 5
    weeks = list(RosterWeek.objects.order_by("week_start"))
    monday = date(2026, 11, 23)
    assert [w.week_start for w in weeks] == [monday + timedelta(weeks=n) for n in range(-6, 2)]
    assert all(w.is_published for w in weeks)
    assert all(w.published_at is not None and w.published_at < WEDNESDAY_EVENING for w in weeks)
    assert not Assignment.objects.filter(user__isnull=True).exists()
    assert InboundMail.objects.filter(state="triage").count() == 3
    assert "kvogel" in out and DEMO_PASSWORD in out and "2026-W42 published" in out


def test_the_plan_changes_went_through_the_services_and_left_no_gap():
    load(WEDNESDAY_EVENING)

    sick = Absence.objects.get(kind="sick")
    vacation = Absence.objects.get(kind="vacation")
    assert bh.week_start(sick.start) == date(2026, 11, 16)  # last week: on the agenda
    assert sick.created_at.date() == sick.start
    assert vacation.created_at < datetime.combine(vacation.start, datetime.min.time(), tzinfo=BERLIN)
    for absence in (sick, vacation):
        assert absence.duties_hit
        assert roster_selectors.absence_cover(absence).status == "covered"
        assert not Assignment.objects.filter(user=absence.user, date__gte=absence.start, date__lte=absence.end)
    accepted = SwapRequest.objects.filter(status=SwapStatus.ACCEPTED)
    assert accepted.filter(kind="swap").count() == 2
    assert accepted.filter(absence=sick, requester__isnull=True).count() == len(sick.duties_hit)
    assert accepted.filter(kind="takeover", requester=vacation.user).count() == len(vacation.duties_hit)
    assert not SwapRequest.objects.filter(status=SwapStatus.OPEN).exists()
    assert all(r.decided_at is not None and r.decided_at < WEDNESDAY_EVENING for r in accepted)


def test_tickets_come_in_on_every_working_day_and_are_worked():
    load(WEDNESDAY_EVENING)

    cal = roster_selectors.support_calendar()
    for day in bh.support_days(cal, date(2026, 11, 2), date(2026, 11, 25)):
        assert Ticket.objects.filter(created_at__date=day).exists(), day
    assert not Ticket.objects.filter(created_at__gte=WEDNESDAY_EVENING).exists()
    channels = dict(Ticket.objects.values_list("channel").annotate(n=Count("id")))
    assert channels["phone"] > 10 and channels["mail"] > 10 and channels.get("web", 0) + channels.get("api", 0) > 0
    statuses = dict(Ticket.objects.values_list("status").annotate(n=Count("id")))
    assert statuses["closed"] + statuses["resolved"] > Ticket.objects.count() / 2
    assert statuses["open"] > 0
    overdue = Ticket.objects.filter(status__in=OPEN_STATUSES, due_at__lt=WEDNESDAY_EVENING).count()
    assert 0 < overdue < 15
    assert Ticket.objects.filter(customer__isnull=False).values("customer").distinct().count() == 5
    assert Ticket.objects.filter(assignee_group__slug=Team.SERVICE_MANAGEMENT).exists()
    assert Ticket.objects.annotate(n=Count("articles")).filter(n__gte=3).count() > 10
    worked_on = {at.astimezone(BERLIN).date() for at in TicketChange.objects.values_list("changed_at", flat=True)}
    worked_on |= {at.astimezone(BERLIN).date() for at in Article.objects.values_list("created_at", flat=True)}
    assert worked_on <= set(bh.support_days(cal, date(2026, 11, 2), date(2026, 11, 25)))  # no weekend work
    for ticket in Ticket.objects.filter(project__isnull=False, assignee_group__isnull=True).select_related("project"):
        assert ticket.project is not None
        assert ticket.assignee == ticket.project.manager  # what the intake suggests


def test_last_week_had_two_prio1_cases_acknowledged_and_resolved():
    load(WEDNESDAY_EVENING)

    escalations = list(Escalation.objects.order_by("started_at"))
    assert len(escalations) == 2
    for escalation in escalations:
        assert bh.week_start(escalation.started_at.astimezone(BERLIN).date()) == date(2026, 11, 16)
        assert escalation.status == EscalationStatus.RESOLVED
        assert escalation.acknowledged_at is not None and escalation.resolved_at is not None
        assert timedelta(minutes=2) < escalation.acknowledged_at - escalation.started_at < timedelta(minutes=15)
        assert escalation.resolved_at > escalation.acknowledged_at
        kinds = list(escalation.events.order_by("at", "id").values_list("kind", flat=True))
        assert kinds[0] == EventKind.STARTED and kinds[1] == EventKind.NOTIFIED and kinds[-1] == EventKind.RESOLVED
        assert {EventKind.ACKNOWLEDGED, EventKind.STATUS_UPDATE, EventKind.PHONE_CALL} <= set(kinds)
        standby = roster_selectors.oncall_at(at=escalation.started_at).holders["technical_standby"].user
        assert escalation.acknowledged_by == standby
    assert EventKind.RENOTIFIED in set(escalations[1].events.values_list("kind", flat=True))


def test_the_days_flow_is_done_with_two_checks_missed_last_week():
    load(WEDNESDAY_EVENING)

    data = agenda.agenda_build(week=date(2026, 11, 23))
    missed = [(m.day, m.step) for m in data.missed]
    assert missed == [(date(2026, 11, 17), "readiness"), (date(2026, 11, 20), "closing")]
    assert Handover.objects.filter(automatic=True).count() == 1
    today = date(2026, 11, 25)
    assert Handover.objects.get(date=today).acknowledged_at is not None
    assert ReadinessCheck.objects.get(date=today).ready
    assert not ClosingCheck.objects.filter(date=today).exists()  # due at 18:00


def test_the_agenda_page_for_last_week_shows_the_duties_tickets_and_prio1_cases(client):
    load(WEDNESDAY_EVENING)
    client.force_login(User.objects.get(username="kvogel"))

    with time_machine.travel(WEDNESDAY_EVENING + timedelta(minutes=5), tick=False):
        response = client.get("/handover/agenda/")

    assert response.status_code == 200
    data = response.context["agenda"]
    assert data.last_week == date(2026, 11, 16)
    assert len(data.last_plan) == 5
    assert all(p.phone is not None and p.standby is not None for p in data.last_plan + data.next_plan)
    assert all(sum(d.values) > 0 for d in data.ticket_days[:5])
    assert len(data.prio1) == 2 and len(data.swaps) >= 2 and len(data.absences) == 1
    page = response.content.decode()
    for escalation in Escalation.objects.select_related("case__ticket"):
        assert escalation.case.ticket.number in page


def test_nothing_is_left_to_send_when_the_demo_starts():
    load(WEDNESDAY_EVENING)

    assert NotificationDelivery.objects.count() > 50
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # the delivery log shows each as sent once, not as an attempt missing from the log
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SENT).count() == NotificationDelivery.objects.count()
    assert not NotificationDelivery.objects.filter(created_at__gt=WEDNESDAY_EVENING).exists()
    assert not DBTaskResult.objects.exists()
    assert not DigestItem.objects.filter(digested_at__isnull=True).exists()


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 11, 30, 6, 30, tzinfo=BERLIN),  # Monday before work: nothing of this week yet
        datetime(2026, 12, 28, 12, 0, tzinfo=BERLIN),  # after Christmas: two holidays last week
        datetime(2027, 1, 3, 11, 0, tzinfo=BERLIN),  # a Sunday, New Year's Day on Friday
    ],
)
def test_loads_on_any_day(at):
    load(at)

    assert RosterWeek.objects.filter(status="published").count() == 8
    assert Escalation.objects.filter(status=EscalationStatus.RESOLVED).count() == 2
    assert not Ticket.objects.filter(created_at__gte=at).exists()
    assert not DBTaskResult.objects.exists()
    assert not NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def test_a_second_run_changes_nothing():
    load(WEDNESDAY_EVENING)
    counts = (User.objects.count(), Ticket.objects.count(), RosterWeek.objects.count())

    again = load(WEDNESDAY_EVENING + timedelta(days=1))

    assert "demo data already present" in again
    assert (User.objects.count(), Ticket.objects.count(), RosterWeek.objects.count()) == counts


def test_never_touches_a_database_with_users(agent):
    out = run("load_demo")

    assert "demo data already present" in out
    assert list(User.objects.values_list("username", flat=True)) == [agent.username]
    assert not RosterWeek.objects.exists()
    assert not Ticket.objects.exists()
