"""The Today page's live board with the clock pinned at the turning points of a day."""

import pytest

from supportdesk.handover import selectors, services
from supportdesk.handover.tests.factories import MONDAY, SATURDAY, at, triage_mail
from supportdesk.tickets.models import Priority
from supportdesk.tickets.services import intake_check_open, ticket_create

pytestmark = pytest.mark.django_db


def test_morning_the_head_holds_line_and_triage(head, week, anna, bernd):
    triage_mail("Drucker defekt", now=at(MONDAY, 9, 5))
    board = selectors.today_board(now=at(MONDAY, 10))
    assert board.status.routing.user == head
    assert board.triage_owner == head
    assert board.standby == bernd
    assert (board.triage_waiting, [m.subject for m in board.triage_mails]) == (1, ["Drucker defekt"])
    assert not board.in_window and board.intake is None
    assert board.readiness_state == "pending"
    assert board.prio1_cases == []


def test_after_the_handover_in_the_window(head, week, anna, bernd):
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    services.readiness_checkin(actor=bernd, reachable=True, computer=True, vpn=True, now=at(MONDAY, 15, 58))
    intake_check_open(due_at=at(MONDAY, 16))
    ticket = ticket_create(actor=anna, subject="Kasse steht", priority=Priority.P1, now=at(MONDAY, 16, 10))
    board = selectors.today_board(now=at(MONDAY, 16, 20))
    assert board.status.routing.user == anna
    assert board.triage_owner == anna
    assert board.in_window
    assert board.intake is not None and board.intake.check.due_at == at(MONDAY, 16)
    assert board.readiness_state == "done"
    assert [c.ticket for c in board.prio1_cases] == [ticket]


def test_missed_checkin_and_the_oldest_mails_first(head, week, anna, bernd):
    for minute in range(7):
        triage_mail(f"Mail {minute}", now=at(MONDAY, 9, minute))
    board = selectors.today_board(now=at(MONDAY, 16, 30))
    assert board.readiness_state == "missed"
    assert board.triage_waiting == 7
    assert [m.subject for m in board.triage_mails] == [f"Mail {i}" for i in range(selectors.TODAY_TRIAGE_LIMIT)]
    # nobody handed over: the window's phone duty has the line and the triage inbox
    assert (board.status.routing.user, board.triage_owner) == (anna, anna)


def test_a_weekend_has_no_window_and_no_standby(head, week):
    board = selectors.today_board(now=at(SATURDAY, 11))
    assert board.status.window is None
    assert board.standby is None and board.readiness_state == "none"
    assert board.status.routing.target == "voicemail"
    assert not board.in_window
