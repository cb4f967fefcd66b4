"""What the planner takes and gives, and what both modes share: the tally of duties held,
the availability weights (:func:`_shares`), and the finishing of a plan (open cells)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

PHONE = "phone_duty"
STANDBY = "technical_standby"
DUTIES: tuple[str, str] = (PHONE, STANDBY)

Mode = Literal["weekly_pair", "daily"]


@dataclass(frozen=True)
class Person:
    id: int
    key: str
    """Stable tie-breaker (the username)."""
    weekdays: frozenset[int]
    """Weekdays (Monday = 0) the person can serve."""
    absent: frozenset[date] = frozenset()

    def can_serve(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.absent


@dataclass(frozen=True)
class History:
    """What people actually held over the fairness horizon before the plan starts."""

    counts: dict[tuple[int, str], int] = field(default_factory=dict)
    """(person id, duty) → duties held."""
    weekday_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    """(person id, weekday) → duties held on that weekday."""
    previous_day: dict[str, int] = field(default_factory=dict)
    """Duty → holder on the last support day before the plan starts (for alternation)."""
    previous_week_pair: frozenset[int] = frozenset()
    """Who served the week before the plan starts (nobody serves two weeks running)."""
    last_served: dict[int, date] = field(default_factory=dict)
    """Person id → the last day they held a duty of their own (not as a substitute), looked
    back further than the horizon (:data:`LONG_RUN_WEEKS`); missing: not in that time.

    When a rotation round is longer than the horizon (a weekly draft of a large pool),
    most people have no duty inside it; who waited longest is then next."""
    long_run_counts: dict[int, int] = field(default_factory=dict)
    """Person id → duties held over :data:`LONG_RUN_WEEKS` (substitute days included):
    among people with the same counts over the horizon, fewer here go first."""
    pairs: dict[date, frozenset[int]] = field(default_factory=dict)
    """Monday → who held duties of their own (not as substitutes) in that week, over
    :data:`LONG_RUN_WEEKS`: in ``weekly_pair`` mode the week's pair. A person's weeks in
    it are their turns; who served together recently is less preferred as a pair
    (:mod:`planning.pairs`)."""


LONG_RUN_WEEKS = 52
"""How far back :attr:`History.last_served` and :attr:`History.long_run_counts` look (at
least the fairness horizon)."""


@dataclass(frozen=True)
class PlanRequest:
    days: list[date]
    """Support days to plan, ascending (days without a window are not in it)."""
    people: list[Person]
    history: History = field(default_factory=History)
    mode: Mode = "weekly_pair"
    time_limit_seconds: float = 10.0


@dataclass(frozen=True)
class Problem:
    date: date
    duty: str
    reason: str
    """Plain English sentence; the service translates the known reasons."""


@dataclass
class PlanResult:
    cells: dict[tuple[date, str], int | None]
    """(day, duty) → person id, or None where the duty could not be filled."""
    substitutes: set[tuple[date, str]] = field(default_factory=set)
    """Cells held by a third person because one of the week's pair could not serve."""
    problems: list[Problem] = field(default_factory=list)


REASON_NOBODY_IN_POOL = "nobody in the pool"
REASON_ONE_IN_POOL = "only 1 person in the pool; two different people are needed"
REASON_NOBODY = "nobody available"
REASON_ONE = "only 1 person available"

_NEVER = -(10**9)


class _Tally:
    """Duties held (history plus what has been planned), for fair choices."""

    def __init__(self, people: list[Person], history: History) -> None:
        self.total: dict[int, int] = {p.id: 0 for p in people}
        self.long_run: dict[int, int] = {p.id: history.long_run_counts.get(p.id, 0) for p in people}
        """Duties over :data:`LONG_RUN_WEEKS` plus what has been planned."""
        self.duty: dict[tuple[int, str], int] = {}
        self.weekday: dict[tuple[int, int], int] = {}
        for (pid, duty), n in sorted(history.counts.items()):
            if pid in self.total and duty in DUTIES:
                self.total[pid] += n
                self.duty[pid, duty] = self.duty.get((pid, duty), 0) + n
        for (pid, weekday), n in sorted(history.weekday_counts.items()):
            if pid in self.total:
                self.weekday[pid, weekday] = self.weekday.get((pid, weekday), 0) + n

    def add(self, pid: int, day: date, duty: str, *, count_total: bool = True) -> None:
        if count_total:
            self.total[pid] += 1
            self.long_run[pid] += 1
        self.duty[pid, duty] = self.duty.get((pid, duty), 0) + 1
        self.weekday[pid, day.weekday()] = self.weekday.get((pid, day.weekday()), 0) + 1

    def of_duty(self, pid: int, duty: str) -> int:
        return self.duty.get((pid, duty), 0)

    def on_weekday(self, pid: int, day: date) -> int:
        return self.weekday.get((pid, day.weekday()), 0)


def _open_reason(available: int) -> str:
    if available == 0:
        return REASON_NOBODY
    if available == 1:
        return REASON_ONE
    return "no further person available"  # not reached: two available people always suffice


def _finish(
    days: list[date],
    cells: dict[tuple[date, str], int | None],
    people: list[Person],
    substitutes: set[tuple[date, str]],
) -> PlanResult:
    """Give phone duty to a day's lone holder, and name every open cell."""
    problems: list[Problem] = []
    for day in days:
        if cells[day, PHONE] is None and cells[day, STANDBY] is not None:
            cells[day, PHONE], cells[day, STANDBY] = cells[day, STANDBY], None
            if (day, STANDBY) in substitutes:
                substitutes.discard((day, STANDBY))
                substitutes.add((day, PHONE))
        open_duties = [duty for duty in DUTIES if cells[day, duty] is None]
        if open_duties:
            available = sum(1 for p in people if p.can_serve(day))
            problems.extend(Problem(day, duty, _open_reason(available)) for duty in open_duties)
    return PlanResult(cells=cells, substitutes=substitutes, problems=problems)


_SCALE = 1000
"""Fixed-point unit of :func:`_shares`: a full-timer's duty counts ``_SCALE`` per duty."""

_EXACT_LIMIT = 10_000
"""Largest unit :func:`_shares` uses for exact weights."""


def _shares(days: list[date], people: list[Person]) -> dict[int, int]:
    """Person id → weight of one duty in the fairness between availability classes.

    Each person's fair duty count is proportional to the support days of the plan on
    their weekdays (absences do not lower it). A duty weighs ``_SCALE × days / own days``
    (rounded), so weighted counts are directly comparable: a Mon–Wed person with 3 of 5
    days weighs 5/3 per duty, and serving a pair week (3 days) counts like a full-timer's
    pair week (5 days). People of the same weekdays share a weight.

    When the least common multiple of the own-day counts is at most :data:`_EXACT_LIMIT`
    (always for a week's plan) it is the unit instead, so that the weights are exact: a
    Mon–Wed pair week (3 × 20) then weighs exactly a full-timer's (5 × 12), where rounding
    (3 × 1667 against 5 × 1000) would make it look one unit heavier and keep part-timers
    out of every weekly draft in which anyone else has a lower count.
    """
    total = len(days)
    own = {p.id: max(1, sum(1 for day in days if day.weekday() in p.weekdays)) for p in people}
    unit = math.lcm(*own.values()) if own else 1
    if unit > _EXACT_LIMIT:
        return {pid: round(_SCALE * total / n) for pid, n in own.items()}
    return {pid: unit * total // n for pid, n in own.items()}


def _compared(people: list[Person], history: History, total: dict[int, int]) -> set[int]:
    """Who the spreads of counts over the horizon compare from below (their minimum).

    Not someone whose last duty of their own lies before the horizon and who has none in
    it: when a rotation round is longer than the horizon (a weekly draft of a large
    pool) their count says nothing about their turn, which the queue of
    :attr:`History.last_served` decides. Compared, such a person would hold the minimum
    at zero, and a small group of equally available people could then serve only all
    together. People with no duty known at all (a new pool, a new member) are compared.
    """
    return {p.id for p in people if total.get(p.id, 0) > 0 or p.id not in history.last_served}
