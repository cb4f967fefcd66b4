"""The ``weekly_pair`` mode's days from the pairs: the pair trades duties daily, a third person fills gaps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from supportdesk.roster.planning.base import (
    DUTIES,
    PHONE,
    STANDBY,
    History,
    Person,
    PlanResult,
    _finish,
    _Tally,
)
from supportdesk.roster.planning.weeks import _Week


def _derive_days(
    days: list[date],
    weeks: list[_Week],
    pairs: list[tuple[int, int]],
    people: list[Person],
    history: History,
    shares: dict[int, int],
) -> PlanResult:
    """The days from the pairs: the pair trades duties daily, a third person fills gaps."""
    rank = {p.id: n for n, p in enumerate(people)}
    tally = _Tally(people, history)
    # A substitute is someone with the fewest duties over the whole horizon: every pair
    # day of the plan counts from the start, substitute days as they are given.
    for week, pair in zip(weeks, pairs, strict=True):
        for pid in pair:
            tally.total[pid] += week.serve_days(pid)
            tally.long_run[pid] += week.serve_days(pid)
    cells: dict[tuple[date, str], int | None] = {}
    substitutes: set[tuple[date, str]] = set()
    position = {day: n for n, day in enumerate(days)}

    def adjacent_duties(pid: int, day: date) -> list[str]:
        """The duties ``pid`` holds (so far) on the support days before and after ``day``."""
        n = position[day]
        duties = [duty for duty in DUTIES if n == 0 and history.previous_day.get(duty) == pid]
        for m in (n - 1, n + 1):
            if 0 <= m < len(days):
                duties.extend(duty for duty in DUTIES if cells.get((days[m], duty)) == pid)
        return duties

    for week, pair in zip(weeks, pairs, strict=True):
        starter = _choose_starter(week, pair, adjacent_duties, tally, rank)
        other = pair[1] if starter == pair[0] else pair[0]
        slot: dict[tuple[date, str], int] = {}
        for i, day in enumerate(week.days):
            first, second = (PHONE, STANDBY) if i % 2 == 0 else (STANDBY, PHONE)
            slot[day, first] = starter
            slot[day, second] = other
        for i, day in enumerate(week.days):
            for duty in DUTIES:
                member = slot[day, duty]
                if week.can[member][i]:
                    cells[day, duty] = member
                    tally.add(member, day, duty, count_total=False)
                else:
                    cells[day, duty] = None
        for member in sorted(pair, key=rank.__getitem__):
            gaps = sorted(
                (cell for cell, holder in slot.items() if holder == member and cells[cell] is None),
                key=lambda cell: (cell[0], DUTIES.index(cell[1])),
            )
            if gaps:
                _fill_gaps(gaps, pair, cells, substitutes, people, tally, shares, rank, adjacent_duties)
    return _finish(days, cells, people, substitutes)


_AdjacentDuties = Callable[[int, date], list[str]]


def _choose_starter(
    week: _Week,
    pair: tuple[int, int],
    adjacent_duties: _AdjacentDuties,
    tally: _Tally,
    rank: dict[int, int],
) -> int:
    """Who of the pair has phone duty on the week's first support day.

    First, whoever served the previous support day takes the other duty today; then
    each member's phone and standby counts (history included) stay as even as possible.
    """

    def cost(starter: int) -> tuple[int, int, int, int]:
        other = pair[1] if starter == pair[0] else pair[0]
        repeats = 0
        imbalance = 0
        for member, parity, first_duty in ((starter, 0, PHONE), (other, 1, STANDBY)):
            if week.can[member][0] and first_duty in adjacent_duties(member, week.days[0]):
                repeats += 1  # the day before (the days after are not planned yet)
            phone = sum(1 for i, ok in enumerate(week.can[member]) if ok and i % 2 == parity)
            standby = week.serve_days(member) - phone
            balance = tally.of_duty(member, PHONE) - tally.of_duty(member, STANDBY)
            imbalance += abs(balance + phone - standby)
        starter_balance = tally.of_duty(starter, PHONE) - tally.of_duty(starter, STANDBY)
        return (repeats, imbalance, starter_balance, rank[starter])

    return min(pair, key=cost)


def _fill_gaps(
    gaps: list[tuple[date, str]],
    pair: tuple[int, int],
    cells: dict[tuple[date, str], int | None],
    substitutes: set[tuple[date, str]],
    people: list[Person],
    tally: _Tally,
    shares: dict[int, int],
    rank: dict[int, int],
    adjacent_duties: _AdjacentDuties,
) -> None:
    """Cover one pair member's missing days, by one third person where possible.

    Candidates: not of the pair, able to serve, not already on the other duty that day.
    Choice: not the same duty as on the support day before or after, then the fewest duties
    relative to availability (history and the whole plan, weighted by :func:`_shares`),
    then the same over the long run (:attr:`History.long_run_counts`: a weekly draft of a
    large pool sees most people without a duty in the horizon), the fewest of that duty,
    the fewest on that weekday, and the stable key.
    """

    def free(person: Person, day: date) -> bool:
        return person.can_serve(day) and person.id not in (cells[day, PHONE], cells[day, STANDBY])

    def repeats(pid: int, cells_: list[tuple[date, str]]) -> int:
        """Cells whose duty ``pid`` also holds the support day before or after."""
        return sum(1 for day, duty in cells_ if duty in adjacent_duties(pid, day))

    def key(pid: int, cells_: list[tuple[date, str]]) -> tuple[int, ...]:
        return (
            repeats(pid, cells_),
            tally.total[pid] * shares[pid],
            tally.long_run[pid] * shares[pid],
            sum(tally.of_duty(pid, duty) for _, duty in cells_),
            sum(tally.on_weekday(pid, day) for day, _ in cells_),
            rank[pid],
        )

    def give(pid: int, day: date, duty: str) -> None:
        cells[day, duty] = pid
        substitutes.add((day, duty))
        tally.add(pid, day, duty)

    others = [p for p in people if p.id not in pair]
    whole = [p.id for p in others if all(free(p, day) for day, _ in gaps)]
    if whole:
        chosen = min(whole, key=lambda pid: key(pid, gaps))
        for day, duty in gaps:
            give(chosen, day, duty)
        return
    for day, duty in gaps:
        candidates = [p.id for p in others if free(p, day)]
        if candidates:
            give(min(candidates, key=lambda pid: key(pid, [(day, duty)])), day, duty)
