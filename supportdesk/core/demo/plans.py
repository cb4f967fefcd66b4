"""Published plans for the past weeks and the next two, and the changes a real team makes to them.

Each week is drafted by the generator and published in the jour fixe on the Wednesday before
it (R9), oldest first, so the fairness history builds up as it would have. Then, in the order
they happened: a swap five weeks ago (R5), a vacation three weeks ago covered by takeovers
arranged before it (R6), and last week a sick day covered through the system's offer (R7) and
one more swap.
"""

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction

from supportdesk.accounts.models import User
from supportdesk.core.demo.timeline import Timeline
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import selectors as roster_selectors
from supportdesk.roster import services as roster_services
from supportdesk.roster.models import Absence, AbsenceKind, Assignment, RosterWeek, SwapKind, SwapRequest, SwapStatus

logger = logging.getLogger(__name__)

WEEKS_BACK = 6
"""Published weeks before the current one."""


def _before_now(timeline: Timeline, moment: datetime, *, margin_minutes: int) -> datetime:
    return min(moment, timeline.now - timedelta(minutes=margin_minutes))


def plans_publish(*, timeline: Timeline, coordinator: User) -> list[RosterWeek]:
    """Draft and publish every week from ``WEEKS_BACK`` weeks ago to next week, each before it starts."""
    weeks = []
    for offset in range(-WEEKS_BACK, 2):
        monday = timeline.monday + timedelta(weeks=offset)
        meeting = _before_now(timeline, timeline.at(monday - timedelta(days=5), 10, 30), margin_minutes=2)
        drafted = meeting - timedelta(hours=2) if meeting < timeline.now - timedelta(minutes=2) else meeting
        report = roster_services.plan_generate(
            actor=coordinator, start=monday, end=monday + timedelta(days=6), now=drafted
        )
        for week in report.weeks:
            weeks.append(roster_services.week_publish(actor=coordinator, week=week, now=meeting))
        timeline.settle(meeting)
    return weeks


def _cells(start: date, end: date) -> list[Assignment]:
    return list(
        Assignment.objects.filter(date__gte=start, date__lte=end, user__isnull=False)
        .select_related("duty", "user")
        .order_by("date", "duty__order")
    )


def _swap(
    *,
    timeline: Timeline,
    own: Iterable[Assignment],
    theirs: Iterable[Assignment],
    asked_at: datetime,
    accepted_at: datetime,
    note: str,
) -> SwapRequest | None:
    """The first swap between one of ``own`` and one of ``theirs`` that the rules allow, asked and accepted."""
    theirs = list(theirs)
    for cell in own:
        for target in theirs:
            if target.user_id == cell.user_id:
                continue
            try:
                with transaction.atomic():
                    request = roster_services.swap_request_create(
                        actor=cell.user,  # type: ignore[arg-type]
                        day=cell.date,
                        duty=cell.duty,
                        kind=SwapKind.SWAP,
                        target_day=target.date,
                        target_duty=target.duty,
                        note=note,
                        now=asked_at,
                    )
            except DomainError:
                continue  # not eligible on one of the days, or holds the other duty: try the next pair
            timeline.settle(asked_at)
            accepted = roster_services.swap_request_accept(actor=target.user, request=request, now=accepted_at)  # type: ignore[arg-type]
            timeline.settle(accepted_at)
            return accepted
    logger.warning("demo: no swap possible between %s and %s", asked_at.date(), accepted_at.date())
    return None


def _vacation(*, timeline: Timeline, week: date, entered_at: datetime) -> Absence | None:
    """Someone of ``week``'s pair takes Wednesday to Friday off and finds a taker for each duty it hits."""
    days = timeline.support_days(week + timedelta(days=2), week + timedelta(days=4))
    cells = _cells(days[0], days[-1]) if days else []
    if not cells:
        return None
    person = cells[0].user
    assert person is not None  # noqa: S101 - _cells lists held cells only
    absence = roster_services.absence_create(
        actor=person, user=person, kind=AbsenceKind.VACATION, start=days[0], end=days[-1], note="Urlaub", now=entered_at
    )
    Absence.objects.filter(pk=absence.pk).update(created_at=entered_at)
    timeline.settle(entered_at)
    asked_at = entered_at + timedelta(minutes=10)
    for cell in _cells(days[0], days[-1]):
        if cell.user_id != person.pk:
            continue
        candidates = roster_selectors.substitute_candidates(
            day=cell.date, duty_code=cell.duty.code, exclude=[person.pk]
        )
        if not candidates:
            continue
        request = roster_services.swap_request_create(
            actor=person,
            day=cell.date,
            duty=cell.duty,
            kind=SwapKind.TAKEOVER,
            candidate=candidates[0],
            note="Ich bin im Urlaub – kannst du übernehmen?",
            now=asked_at,
        )
        timeline.settle(asked_at)
        accepted_at = asked_at + timedelta(hours=1, minutes=25)
        roster_services.swap_request_accept(actor=candidates[0], request=request, now=accepted_at)
        timeline.settle(accepted_at)
        asked_at += timedelta(minutes=3)
    return absence


def _sick_day(*, timeline: Timeline, day: date) -> Absence | None:
    """The holder of ``day``'s phone duty calls in sick in the morning; the fairest colleague takes it over."""
    cells = _cells(day, day)
    if not cells:
        return None
    person = cells[0].user
    assert person is not None  # noqa: S101 - _cells lists held cells only
    reported_at = timeline.at(day, 7, 48)
    absence = roster_services.absence_create(
        actor=person, user=person, kind=AbsenceKind.SICK, start=day, end=day, now=reported_at
    )
    Absence.objects.filter(pk=absence.pk).update(created_at=reported_at)
    timeline.settle(reported_at)
    taken_at = timeline.at(day, 8, 35)
    for offer in SwapRequest.objects.filter(absence=absence, status=SwapStatus.OPEN).order_by("pk"):
        for user_id in offer.offered_to:
            try:
                with transaction.atomic():
                    roster_services.swap_request_accept(actor=User.objects.get(pk=user_id), request=offer, now=taken_at)
            except DomainError:
                continue
            break
        timeline.settle(taken_at)
        taken_at += timedelta(minutes=12)
    return absence


def plan_changes(*, timeline: Timeline) -> list[str]:
    """The swaps, the vacation and the sick day of the past weeks; returns one line per change."""
    done: list[str] = []
    monday = timeline.monday

    week5, week4 = monday - timedelta(weeks=5), monday - timedelta(weeks=4)
    asked = timeline.at(week5 + timedelta(days=2), 14, 5)  # after week -4 is published that morning
    swap = _swap(
        timeline=timeline,
        own=_cells(week5 + timedelta(days=3), week5 + timedelta(days=4)),
        theirs=_cells(week4, week4 + timedelta(days=4)),
        asked_at=asked,
        accepted_at=asked + timedelta(hours=2, minutes=10),
        note="Arzttermin am Nachmittag",
    )
    if swap is not None:
        done.append(f"swap {swap.date:%d.%m.} ↔ {swap.target_date:%d.%m.} accepted")

    week3 = monday - timedelta(weeks=3)
    vacation = _vacation(timeline=timeline, week=week3, entered_at=timeline.at(week3 - timedelta(days=4), 9, 30))
    if vacation is not None:
        done.append(f"vacation {vacation.start:%d.%m.}–{vacation.end:%d.%m.} of {vacation.user.name}, covered")

    last = timeline.support_days(monday - timedelta(weeks=1), monday - timedelta(days=3))
    if len(last) >= 2:
        sick = _sick_day(timeline=timeline, day=last[1])
        if sick is not None:
            done.append(f"sick day {sick.start:%d.%m.} of {sick.user.name}, covered")
    # After the jour fixe has published this week: a duty late last week for one this week.
    asked = timeline.at(monday - timedelta(days=5), 14, 20)
    if last and last[-1] > asked.date():
        swap = _swap(
            timeline=timeline,
            own=_cells(last[-1], last[-1]),
            theirs=_cells(monday, monday + timedelta(days=4)),
            asked_at=asked,
            accepted_at=asked + timedelta(minutes=50),
            note="Familienfeier am Freitag",
        )
        if swap is not None:
            done.append(f"swap {swap.date:%d.%m.} ↔ {swap.target_date:%d.%m.} accepted")
    return done
