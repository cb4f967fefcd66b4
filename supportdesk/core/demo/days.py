"""The day's flow of past support days (R15–R17, R22): hand-over, readiness check-in, closing checklist.

On most days everything happens in time. A few days carry what a real team forgets now and
then, so the jour fixe's "missed checks" has something to talk about: last week the standby
once did not check in (the phone duty and the coordinators were alerted) and the closing
checklist stayed unconfirmed one evening (the coordinators were told); once the mailbox head
forgot the hand-over and it happened automatically at the window start.

The hand-over services are durable transactions of their own: run this outside any transaction.
"""

from datetime import date, datetime, timedelta

from supportdesk.accounts.models import User
from supportdesk.core.demo.people import MAILBOX_HEAD
from supportdesk.core.demo.timeline import Timeline
from supportdesk.handover import selectors as handover_selectors
from supportdesk.handover import services as handover_services
from supportdesk.roster import business_hours as bh
from supportdesk.roster.models import Duty
from supportdesk.tickets import selectors as ticket_selectors
from supportdesk.tickets import services as ticket_services

HISTORY_WEEKS = 3


def _minutes(moment: datetime, minutes: float) -> datetime:
    return moment + timedelta(minutes=minutes)


def _day_flow(*, timeline: Timeline, day: date, head: User, slips: set[str]) -> None:
    window = bh.window_on(timeline.cal, day)
    if window is None:
        return
    start, end = window.start, window.end

    def when(moment: datetime) -> bool:
        return timeline.is_past(moment)

    handed_at = _minutes(start, -6 - day.day % 5)
    if "handover" in slips:
        if when(start):
            handover = handover_services.handover_auto(now=start)
            timeline.settle(start)
        else:
            handover = None
    elif when(handed_at):
        handover = handover_services.handover_perform(actor=head, now=handed_at)
        timeline.settle(handed_at)
    else:
        handover = None
    if handover is not None and handover.to_user is not None:
        acked_at = _minutes(handover.performed_at, 2 + day.day % 3)
        if when(acked_at):
            handover_services.handover_acknowledge(handover=handover, actor=handover.to_user, now=acked_at)

    requested_at = _minutes(start, -15)
    if when(requested_at):
        check = handover_services.readiness_request(now=requested_at)
        timeline.settle(requested_at)
        checkin_at = _minutes(start, -4 + day.day % 6)
        if check is not None and "readiness" not in slips and when(checkin_at):
            handover_services.readiness_checkin(
                actor=check.user, reachable=True, computer=True, vpn=True, now=checkin_at
            )
        alert_at = _minutes(start, 5)
        if "readiness" in slips and when(alert_at):
            handover_services.readiness_alert(now=alert_at)
            timeline.settle(alert_at)

    # The hourly Prio 1 intake check (R11): opened at its time, done by the phone duty a few minutes later.
    phone = handover_selectors.duty_holder(day=day, duty=Duty.PHONE_DUTY)
    for slot in ticket_selectors.intake_check_slots_on(cal=timeline.cal, day=day):
        if when(slot):
            intake = ticket_services.intake_check_open(due_at=slot)
            timeline.settle(slot)
            done_at = _minutes(slot, 2 + day.day % 6)
            if phone is not None and when(done_at):
                ticket_services.intake_check_done(check=intake, actor=phone, now=done_at)

    if when(end):
        closing = handover_services.closing_request(now=end)
        timeline.settle(end)
        confirmed_at = _minutes(end, 3 + day.day % 4)
        if closing is not None and closing.user is not None and "closing" not in slips and when(confirmed_at):
            handover_services.closing_confirm(actor=closing.user, now=confirmed_at)
        overdue_at = _minutes(end, 15)
        if "closing" in slips and when(overdue_at):
            handover_services.closing_overdue(now=overdue_at)
            timeline.settle(overdue_at)


def day_flows_load(*, timeline: Timeline, users: dict[str, User]) -> int:
    """Every support day of the last ``HISTORY_WEEKS`` weeks and today's steps due by now; returns the days."""
    days = timeline.past_support_days(HISTORY_WEEKS)
    last_week = [d for d in days if bh.week_start(d) == timeline.monday - timedelta(weeks=1)]
    week_before = [d for d in days if bh.week_start(d) == timeline.monday - timedelta(weeks=2)]
    slips: dict[date, set[str]] = {}
    if len(week_before) >= 3:
        slips[week_before[2]] = {"handover"}
    if len(last_week) >= 2:
        slips[last_week[1]] = {"readiness"}
    if last_week:
        slips[last_week[-1]] = slips.get(last_week[-1], set()) | {"closing"}
    if timeline.support_days(timeline.today, timeline.today):
        days.append(timeline.today)
    for day in days:
        _day_flow(timeline=timeline, day=day, head=users[MAILBOX_HEAD], slips=slips.get(day, set()))
    return len(days)
