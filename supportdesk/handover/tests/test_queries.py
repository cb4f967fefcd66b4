"""The Today page and its live fragment read each thing once: few queries, and as many with much data.

The live fragment (``handover:today_live``) is polled by every open Today page every 30 seconds, so its
query count is what a team of 50 pays per refresh. Both counts include the session and the user.
"""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.accounts.selectors import user_get_mailbox_head
from supportdesk.handover import selectors, services
from supportdesk.handover.tests.factories import MONDAY, at, triage_mail
from supportdesk.roster.selectors import holders_on, support_calendar, user_is_absent
from supportdesk.roster.tests.factories import AbsenceFactory
from supportdesk.tickets.models import Priority
from supportdesk.tickets.selectors import IntakeCheckView, intake_check_current
from supportdesk.tickets.services import intake_check_done, intake_check_open, ticket_create
from supportdesk.tickets.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

FRIDAY_BEFORE = date(2026, 12, 4)

LIVE_MAX = 12
"""Session, user, flow settings, hand-over, check-in, closing, holders, intake checks, triage, Prio 1 cases,
the intake check's new and Prio 1 tickets. Before the per-request reads it was 17 in the window."""
PAGE_MAX = 16
"""The live part without session and user (10) and the duty cards: duties, closing days, the holders of
today (shared with the live part) and tomorrow, offers for open duties. It was 22."""
COORDINATOR_EXTRA = 4
"""A coordinator also sees open duties, their offers, vacations and their cover."""


def _busy_day(head, anna, bernd, *, mails: int, tickets: int, cases: int) -> None:
    """A Monday afternoon: mails waiting, handed over and acknowledged, the standby checked in, the 16:00
    intake check done, tickets since, and open Prio 1 cases (each with its own customer and contact)."""
    for n in range(mails):
        triage_mail(f"Frage {n}", now=at(MONDAY, 9, n % 60), sender=f"Kunde {n} <kunde{n}@kunde.example>")
    handover = services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    services.handover_acknowledge(handover=handover, actor=anna, now=at(MONDAY, 15, 35))
    services.readiness_checkin(actor=bernd, reachable=True, computer=True, vpn=True, now=at(MONDAY, 16, 5))
    check = intake_check_open(due_at=at(MONDAY, 16))
    intake_check_done(check=check, actor=anna, now=at(MONDAY, 16, 3))
    for n in range(tickets):
        ticket_create(actor=anna, subject=f"Anruf {n}", contact=ContactFactory(), now=at(MONDAY, 16, 10 + n % 20))
    for n in range(cases):
        ticket_create(
            actor=anna, subject=f"Kasse {n}", priority=Priority.P1, contact=ContactFactory(), now=at(MONDAY, 16, 30)
        )


def _queries(client, url: str, moment: datetime) -> list[str]:
    # A running process has the calendar cached and the day's flow settings row made on first use.
    support_calendar()
    selectors.day_flow_settings_get()
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _listing(queries: list[str]) -> str:
    return "\n".join(f"{n:2} {sql[:160]}" for n, sql in enumerate(queries, 1))


@pytest.mark.parametrize(("url", "bound"), [("handover:today_live", LIVE_MAX), ("roster:today", PAGE_MAX)])
def test_a_busy_afternoon_costs_few_queries(client, head, week, anna, bernd, url, bound):
    _busy_day(head, anna, bernd, mails=3, tickets=3, cases=1)
    client.force_login(anna)
    queries = _queries(client, reverse(url), at(MONDAY, 16, 40))
    assert len(queries) <= bound, _listing(queries)


@pytest.mark.parametrize(("url", "bound"), [("handover:today_live", LIVE_MAX), ("roster:today", PAGE_MAX)])
def test_more_mails_tickets_and_cases_cost_no_more_queries(client, head, week, anna, bernd, url, bound):
    _busy_day(head, anna, bernd, mails=2, tickets=1, cases=1)
    client.force_login(anna)
    few = _queries(client, reverse(url), at(MONDAY, 16, 40))
    _busy_day_more(anna, mails=10, tickets=12, cases=4)
    many = _queries(client, reverse(url), at(MONDAY, 16, 40))
    assert len(many) == len(few) <= bound, _listing(many)


def _busy_day_more(anna, *, mails: int, tickets: int, cases: int) -> None:
    for n in range(mails):
        triage_mail(f"Noch eine {n}", now=at(MONDAY, 10, n % 60), sender=f"Neu {n} <neu{n}@kunde.example>")
    for n in range(tickets):
        ticket_create(actor=anna, subject=f"Mehr {n}", contact=ContactFactory(), now=at(MONDAY, 16, 11 + n % 20))
    for n in range(cases):
        ticket_create(
            actor=anna, subject=f"Brand {n}", priority=Priority.P1, contact=ContactFactory(), now=at(MONDAY, 16, 31)
        )


def test_the_page_shows_all_it_fetched_without_further_queries(client, head, week, anna, bernd):
    """What the bound is about must still be on the page: names, numbers, mails, cases, the intake check."""
    _busy_day(head, anna, bernd, mails=7, tickets=3, cases=2)
    anna.language = "en"
    anna.save(update_fields=["language"])
    client.force_login(anna)
    with time_machine.travel(at(MONDAY, 16, 40), tick=False):
        html = client.get(reverse("roster:today")).text
    assert "7 mails waiting in triage" in html and html.count("#mail-") == selectors.TODAY_TRIAGE_LIMIT
    assert html.count('class="banner danger prio1-banner"') == 1 and "Kasse 0" in html and "Kasse 1" in html
    assert "Bernd Maier" in html and 'id="intake-check"' in html and "Anruf 2" in html


def test_core_hours_with_the_head_at_her_desk(client, head, week, anna, bernd):
    triage_mail("Rechnung", now=at(MONDAY, 9, 5))
    client.force_login(anna)
    live = _queries(client, reverse("handover:today_live"), at(MONDAY, 10))
    page = _queries(client, reverse("roster:today"), at(MONDAY, 10))
    assert len(live) <= LIVE_MAX, _listing(live)
    assert len(page) <= PAGE_MAX, _listing(page)


def test_a_coordinator_sees_more_for_a_few_queries_more(client, head, week, anna, bernd, coordinator):
    _busy_day(head, anna, bernd, mails=3, tickets=3, cases=1)
    client.force_login(coordinator)
    page = _queries(client, reverse("roster:today"), at(MONDAY, 16, 40))
    assert len(page) <= PAGE_MAX + COORDINATOR_EXTRA, _listing(page)


# --- the shared reads give what the single reads gave ------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [at(MONDAY, 10), at(MONDAY, 16), at(MONDAY, 16, 10), at(MONDAY, 16, 20), at(MONDAY, 17, 5), at(MONDAY, 17, 30)],
)
def test_the_days_checks_give_the_tickets_apps_intake_check(head, week, anna, moment):
    """The board passes the checks ``DayReads`` read to ``intake_check_current``: the same view as when
    the tickets app reads them itself, with Friday's last check as the one before Monday's first."""
    intake_check_open(due_at=at(FRIDAY_BEFORE, 17))  # never done
    first = intake_check_open(due_at=at(MONDAY, 16))
    intake_check_done(check=first, actor=anna, now=at(MONDAY, 16, 12))
    intake_check_open(due_at=at(MONDAY, 17))
    ticket_create(actor=anna, subject="Anruf", now=at(MONDAY, 15, 50))
    ticket_create(actor=anna, subject="Kasse steht", priority=Priority.P1, now=at(MONDAY, 16, 30))
    with time_machine.travel(moment, tick=False):
        expected = _intake_fields(intake_check_current(moment))
        reads = selectors.DayReads(now=moment)
        assert _intake_fields(intake_check_current(moment, checks=reads.intake_checks)) == expected
        board = selectors.today_board(now=moment, reads=reads)
    assert _intake_fields(board.intake) == (expected if board.in_window else None)
    assert (expected is None) == (moment == at(MONDAY, 10))


def _intake_fields(view: IntakeCheckView | None) -> tuple | None:
    if view is None:
        return None
    return (view.check, view.since, view.new_tickets, view.prio1_open, view.overdue)


@pytest.mark.parametrize("presence", ["none", "absent", "present", "away", "leaving"])
def test_the_heads_day_in_one_query_is_what_the_single_reads_give(head, week, presence):
    if presence == "absent":
        AbsenceFactory(user=head, start=MONDAY, end=MONDAY)
    elif presence != "none":
        leaving = time(14) if presence == "leaving" else None
        services.presence_set(actor=head, state=presence, leaving_at=leaving, now=at(MONDAY, 8))
    for hour in (9, 15):
        moment = at(MONDAY, hour)
        reads = selectors.DayReads(now=moment)
        assert reads.head == user_get_mailbox_head()
        single = selectors.presence_on(user=head, day=MONDAY)
        shared = reads.head_presence
        fields = ("pk", "user_id", "date", "state", "leaving_at", "updated_at")
        assert (None if single is None else [getattr(single, f) for f in fields]) == (
            None if shared is None else [getattr(shared, f) for f in fields]
        )
        assert reads.head_absent == user_is_absent(user=head, day=MONDAY) == (presence == "absent")
        assert selectors.head_present_at(head=head, now=moment, reads=reads) == selectors.head_present_at(
            head=head, now=moment
        )
        assert reads.holders == holders_on(day=MONDAY, published_only=True)


def test_reads_of_another_day_are_not_used(head, week, anna, bernd):
    """A ``DayReads`` made for Monday must not answer for Tuesday (a render across midnight)."""
    monday = selectors.DayReads(now=at(MONDAY, 16, 30))
    tuesday = at(MONDAY + timedelta(days=1), 16, 30)
    assert selectors.routing_at(now=tuesday, reads=monday).user == bernd  # Bernd has phone duty on Tuesday
    assert selectors.routing_at(now=at(MONDAY, 16, 30), reads=monday).user == anna
