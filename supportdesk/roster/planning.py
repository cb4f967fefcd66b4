"""Plan generation for the afternoon duties (R4), free of Django and the database.

The service layer (``roster.services.plan_generate``) gathers a
:class:`PlanRequest` from the database, calls :func:`solve`, and writes the
:class:`PlanResult` back. Everything here is deterministic for the same input.

``weekly_pair`` (the default) decides at the level people decide: which two people
serve each ISO week. Part-timers take part in the pairs; a third person covers the
days a pair member cannot serve. Priorities, each above the next:

1. fewest substitute days caused by absences (a pair member away on one of their
   weekdays). These add up week by week, so each week is restricted exactly to its
   best pairs before any search. Only someone who can serve at least half of the week's
   support days by weekday joins a pair (a Mon–Wed person does; a Friday-only person
   serves as a substitute);
2. nobody serves two weeks running (the first week against the history);
3. duty counts over the horizon (history plus plan) as even as possible among people
   with the same weekdays, then over everyone relative to availability: each person's
   fair count is proportional to the plan's support days on their weekdays
   (:func:`_shares`), so a Mon–Wed person serves about as many pair weeks as a
   full-timer, three days each;
4. fewest substitute days caused by part time (a pair member's regular day off). They
   are expected, so they only break ties of fairness.

A greedy plan (longest weeks first, to the fewest duties), improved by a local search,
is the start hint of a CP-SAT model of (2) to (4), solved one priority after the other
with one worker, a fixed seed and a deterministic time limit, and the fallback if the
solver fails. The local search then polishes the solver's plan. The days are then
derived: the pair trades duties every day (who starts keeps phone and standby counts
even and continues the alternation from the day before), and a third person, the one
with the fewest duties relative to availability, covers only the days a pair member
cannot serve.

Whole weeks are indivisible: when the number of pair-weeks does not divide evenly,
duty counts in a group differ by up to one week's days (the weeks served differ by at
most one), and later plans even it out through the history.

``daily`` rotates through the whole pool: today's standby is yesterday's phone duty,
and phone duty goes to whoever has the fewest duties relative to availability
(:func:`_shares`) and has waited longest.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

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


# --------------------------------------------------------------------------------------
# Implementation
# --------------------------------------------------------------------------------------

_SEED = 20260105
"""Fixed CP-SAT random seed: the same request always gives the same plan."""

_DETERMINISTIC_LIMIT = 0.3
"""At most this much deterministic time (CP-SAT's work units) per plan.

On the 2-core machine one unit took 2.5–3 s of wall time for the one-year, 50-person
plan. In a sweep of random requests more than 0.3 units found no better plan once the
local search (:func:`_improve_pairs`) polishes the result.
"""

_RUNNING_SHARE = 0.6
"""Share of the deterministic time the "two weeks running" stage may use."""

_FAIRNESS_SHARE = 0.8
"""Share of the deterministic time left that the fairness stage may use (the rest: the
part-time off-days stage)."""

_DETERMINISTIC_SHARE = 0.5
"""Share of ``time_limit_seconds`` given to CP-SAT as *deterministic* time (work units).

The deterministic limit stops the search at the same point on every run, so the plan is
reproducible; the wall-clock cap (``time_limit_seconds``) is only a safety net for an
overloaded machine. Typical requests are solved to optimality long before either.
"""

REASON_NOBODY_IN_POOL = "nobody in the pool"
REASON_ONE_IN_POOL = "only 1 person in the pool; two different people are needed"
REASON_NOBODY = "nobody available"
REASON_ONE = "only 1 person available"

_NEVER = -(10**9)


def solve(request: PlanRequest) -> PlanResult:
    """Plan both duties on every support day of ``request``.

    Never raises for data reasons: a duty that cannot be filled is ``None`` and has a
    :class:`Problem`. On a day with a single available person that person takes phone
    duty. An unknown mode is planned as ``weekly_pair``.
    """
    days = sorted(set(request.days))
    people = _unique_people(request.people)
    if not days:
        return PlanResult(cells={})
    if len(people) < 2:
        reason = REASON_ONE_IN_POOL if people else REASON_NOBODY_IN_POOL
        return PlanResult(
            cells={(day, duty): None for day in days for duty in DUTIES},
            problems=[Problem(day, duty, reason) for day in days for duty in DUTIES],
        )
    if request.mode == "daily":
        return _solve_daily(days, people, request.history)
    return _solve_weekly(days, people, request.history, request.time_limit_seconds)


def _unique_people(people: list[Person]) -> list[Person]:
    """People sorted by their stable key; a repeated id keeps its first entry."""
    seen: set[int] = set()
    unique: list[Person] = []
    for person in sorted(people, key=lambda p: (p.key, p.id)):
        if person.id not in seen:
            seen.add(person.id)
            unique.append(person)
    return unique


class _Tally:
    """Duties held (history plus what has been planned), for fair choices."""

    def __init__(self, people: list[Person], history: History) -> None:
        self.total: dict[int, int] = {p.id: 0 for p in people}
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


# ---- daily rotation ------------------------------------------------------------------


def _solve_daily(days: list[date], people: list[Person], history: History) -> PlanResult:
    """A chain through the whole pool: today's standby is yesterday's phone duty."""
    tally = _Tally(people, history)
    shares = _shares(days, people)
    rank = {p.id: n for n, p in enumerate(people)}
    last_served: dict[int, int] = {}
    """Person id → index of the last day served (-1: the day before the plan)."""
    yesterday: dict[str, int | None] = {duty: history.previous_day.get(duty) for duty in DUTIES}
    for holder in yesterday.values():
        if holder is not None:
            last_served[holder] = -1
    cells: dict[tuple[date, str], int | None] = {}

    def fairness(pid: int) -> tuple[int, int, int]:
        """Fewest duties so far relative to availability (:func:`_shares`), then longest
        since the last duty, then the key."""
        return (tally.total[pid] * shares[pid], last_served.get(pid, _NEVER), rank[pid])

    for index, day in enumerate(days):
        available = [p.id for p in people if p.can_serve(day)]
        phone: int | None
        standby = yesterday[PHONE] if yesterday[PHONE] in available else None
        if standby is not None:
            rest = [pid for pid in available if pid != standby]
            phone = min(rest, key=fairness) if rest else None
        else:
            # The chain breaks: the two fairest people; the fairer has phone duty unless
            # that would give someone yesterday's duty again.
            two: list[int | None] = [*sorted(available, key=fairness)[:2], None, None]
            phone, standby = two[0], two[1]
            if standby is not None and (yesterday[PHONE] == phone or yesterday[STANDBY] == standby):
                phone, standby = standby, phone
        if phone is None:  # a lone person takes phone duty
            phone, standby = standby, None
        for duty, pid in ((PHONE, phone), (STANDBY, standby)):
            cells[day, duty] = pid
            if pid is not None:
                tally.add(pid, day, duty)
                last_served[pid] = index
        yesterday = {PHONE: phone, STANDBY: standby}

    return _finish(days, cells, people, set())


# ---- weekly pairs --------------------------------------------------------------------


@dataclass
class _Week:
    monday: date
    days: list[date]
    can: dict[int, list[bool]]
    """Person id → can serve on each of ``days``."""
    regular: dict[int, list[bool]]
    """Person id → each of ``days`` falls on one of the person's weekdays."""

    def serve_days(self, pid: int) -> int:
        return sum(self.can[pid])

    def missing_days(self, pid: int) -> int:
        return len(self.days) - self.serve_days(pid)

    def off_days(self, pid: int) -> int:
        """Days off by the person's regular weekdays (part time): expected, not a cost."""
        return len(self.days) - sum(self.regular[pid])

    def absent_days(self, pid: int) -> int:
        """Days on the person's weekdays they are away (vacation, sickness)."""
        return self.missing_days(pid) - self.off_days(pid)

    def can_pair(self, pid: int) -> bool:
        """A pair member can serve, by weekday, at least half of the week's support days."""
        regular = sum(self.regular[pid])
        return regular > 0 and 2 * regular >= len(self.days)


def _weeks(days: list[date], people: list[Person]) -> list[_Week]:
    grouped: dict[date, list[date]] = {}
    for day in days:
        grouped.setdefault(day - timedelta(days=day.weekday()), []).append(day)
    return [
        _Week(
            monday,
            week_days,
            {p.id: [p.can_serve(d) for d in week_days] for p in people},
            {p.id: [d.weekday() in p.weekdays for d in week_days] for p in people},
        )
        for monday, week_days in sorted(grouped.items())
    ]


_SCALE = 1000
"""Fixed-point unit of :func:`_shares`: a full-timer's duty counts ``_SCALE`` per duty."""


def _shares(days: list[date], people: list[Person]) -> dict[int, int]:
    """Person id → weight of one duty in the fairness between availability classes.

    Each person's fair duty count is proportional to the support days of the plan on
    their weekdays (absences do not lower it). A duty weighs ``_SCALE × days / own days``
    (rounded), so weighted counts are directly comparable: a Mon–Wed person with 3 of 5
    days weighs 5/3 per duty, and serving a pair week (3 days) counts like a full-timer's
    pair week (5 days). People of the same weekdays share a weight.
    """
    total = len(days)
    shares: dict[int, int] = {}
    for person in people:
        own = sum(1 for day in days if day.weekday() in person.weekdays)
        shares[person.id] = round(_SCALE * total / max(own, 1))
    return shares


def _follows(weeks: list[_Week], w: int) -> bool:
    """Whether week ``w`` directly follows the week before it (the first: the history's)."""
    return w == 0 or (weeks[w].monday - weeks[w - 1].monday).days == 7


def _solve_weekly(days: list[date], people: list[Person], history: History, time_limit: float) -> PlanResult:
    started = time.monotonic()
    deadline = started + max(0.1, time_limit)
    weeks = _weeks(days, people)
    shares = _shares(days, people)
    options = [_pair_options(week, people) for week in weeks]
    pairs = _greedy_pairs(weeks, options, people, history, shares)
    pairs = _improve_pairs(weeks, options, people, history, shares, pairs, started + 0.25 * time_limit)
    try:
        found = _cp_pairs(weeks, options, people, history, shares, time_limit, deadline, pairs)
    except Exception:  # a solver failure must not lose the plan: keep the pairs found so far
        found = None
    if found is not None:
        pairs = _improve_pairs(weeks, options, people, history, shares, found, deadline)
    return _derive_days(days, weeks, pairs, people, history, shares)


def _pair_options(week: _Week, people: list[Person]) -> tuple[list[int], list[int]]:
    """The pairs that need the fewest absence substitute days: ``forced`` plus ``pool``.

    A person's cost in a week: whether they cannot join a pair (:meth:`_Week.can_pair`),
    then the days they are absent on their weekdays (for someone who cannot join, all the
    days they miss). Part-time off-days are no cost here. The costs add up week by week,
    so the best a week can do is its two people of the least cost; restricting each week
    to those pairs is exact and keeps the model small.
    """

    def cost(pid: int) -> tuple[int, int]:
        return (0, week.absent_days(pid)) if week.can_pair(pid) else (1, week.missing_days(pid))

    ids = [p.id for p in people]
    least = min(cost(pid) for pid in ids)
    lowest = [pid for pid in ids if cost(pid) == least]
    if len(lowest) >= 2:
        return [], lowest
    second = min(cost(pid) for pid in ids if pid not in lowest)
    return lowest, [pid for pid in ids if cost(pid) == second]


def _greedy_pairs(
    weeks: list[_Week],
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
    shares: dict[int, int],
) -> list[tuple[int, int]]:
    """A good deterministic plan of pairs: the CP-SAT start hint, and the fallback.

    Longest weeks first, each to the people with the fewest duties so far relative to
    their availability (history included, :func:`_shares`) who did not serve the week
    before or after: "longest job to the least loaded", which leaves the short weeks to
    even out the counts. Ties go to fewer part-time off-days, then the stable key.
    """
    total = _Tally(people, history).total
    rank = {p.id: n for n, p in enumerate(people)}
    chosen: list[tuple[int, int] | None] = [None] * len(weeks)
    for w in sorted(range(len(weeks)), key=lambda w: (-len(weeks[w].days), w)):
        week = weeks[w]
        forced, pool = options[w]
        neighbours: set[int] = set()
        if w == 0:
            neighbours |= history.previous_week_pair
        elif _follows(weeks, w) and (before := chosen[w - 1]) is not None:
            neighbours |= set(before)
        if w + 1 < len(weeks) and _follows(weeks, w + 1) and (after := chosen[w + 1]) is not None:
            neighbours |= set(after)
        picked = (
            forced
            + sorted(
                (pid for pid in pool if pid not in forced),
                key=lambda pid: (
                    pid in neighbours,
                    (total[pid] + week.serve_days(pid)) * shares[pid],
                    week.off_days(pid),
                    rank[pid],
                ),
            )[: 2 - len(forced)]
        )
        a, b = sorted(picked, key=rank.__getitem__)
        chosen[w] = (a, b)
        for pid in (a, b):
            total[pid] += week.serve_days(pid)
    return [pair for pair in chosen if pair is not None]


class _Counts:
    """Duty counts (history plus the pairs' days) with their spreads, kept up to date.

    The spreads within availability classes are of plain counts, the spread over everyone
    of counts weighted by :func:`_shares`; ``off`` counts the pairs' part-time off-days.
    """

    def __init__(
        self,
        weeks: list[_Week],
        options: list[tuple[list[int], list[int]]],
        people: list[Person],
        history: History,
        shares: dict[int, int],
        pairs: list[set[int]],
    ) -> None:
        self.weeks = weeks
        self.shares = shares
        self.count = dict(_Tally(people, history).total)
        can_pair = {pid for forced, pool in options for pid in forced + pool}
        groups: dict[frozenset[int], list[int]] = {}
        for person in people:
            groups.setdefault(person.weekdays, []).append(person.id)
        # Each spread: (members for the max, members for the min); someone who can't be
        # in any pair (away all along) only caps the maximum.
        self.spreads: list[tuple[list[int], list[int]]] = [
            (members, [pid for pid in members if pid in can_pair] or members)
            for members in [*(m for m in groups.values() if len(m) > 1), [p.id for p in people]]
        ]
        self.off = 0
        for w, pair in enumerate(pairs):
            for pid in pair:
                self.count[pid] += weeks[w].serve_days(pid)
                self.off += weeks[w].off_days(pid)
        last = len(self.spreads) - 1
        # The counts of each spread's members as multisets: max and min over few values.
        self.high: list[Counter[int]] = [
            Counter(self.weighted(pid, n == last) for pid in high) for n, (high, _) in enumerate(self.spreads)
        ]
        self.low: list[Counter[int]] = [
            Counter(self.weighted(pid, n == last) for pid in low) for n, (_, low) in enumerate(self.spreads)
        ]
        self.in_high: dict[int, list[int]] = {pid: [] for pid in self.count}
        self.in_low: dict[int, list[int]] = {pid: [] for pid in self.count}
        for n, (high, low) in enumerate(self.spreads):
            for pid in high:
                self.in_high[pid].append(n)
            for pid in low:
                self.in_low[pid].append(n)
        self.width = [max(self.high[n]) - min(self.low[n]) for n in range(len(self.spreads))]
        self.squares = sum(self.weighted(pid, True) ** 2 for pid in self.count)

    def weighted(self, pid: int, weighted: bool) -> int:
        return self.count[pid] * self.shares[pid] if weighted else self.count[pid]

    def value(self) -> tuple[int, int, int, int]:
        """(spread within the groups, weighted spread over everyone, part-time off-days,
        sum of squared weighted counts)."""
        return sum(self.width[:-1]), self.width[-1], self.off, self.squares

    def move(self, w: int, out: int, into: int) -> None:
        touched: set[int] = set()
        last = len(self.spreads) - 1
        self.off += self.weeks[w].off_days(into) - self.weeks[w].off_days(out)
        for pid, delta in ((out, -self.weeks[w].serve_days(out)), (into, self.weeks[w].serve_days(into))):
            old_count = self.count[pid]
            self.count[pid] = old_count + delta
            share = self.shares[pid]
            self.squares += (old_count + delta) ** 2 * share * share - old_count**2 * share * share
            for multisets, spreads in ((self.high, self.in_high[pid]), (self.low, self.in_low[pid])):
                for n in spreads:
                    old, new = old_count, old_count + delta
                    if n == last:
                        old, new = old * share, new * share
                    values = multisets[n]
                    values[old] -= 1
                    if not values[old]:
                        del values[old]
                    values[new] += 1
                    touched.add(n)
        for n in touched:
            self.width[n] = max(self.high[n]) - min(self.low[n])


def _improve_pairs(
    weeks: list[_Week],
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
    shares: dict[int, int],
    pairs: list[tuple[int, int]],
    deadline: float,
    max_moves: int = 2000,
) -> list[tuple[int, int]]:
    """Local search on the pairs, for the fairness CP-SAT may not reach in its time.

    A move replaces a pair member by another of the week's options, or swaps members
    of two weeks. It is taken when it does not add weeks running
    and makes (spread within the groups, weighted spread over everyone, part-time
    off-days, sum of squared weighted counts) smaller; the last term evens counts out
    where the spreads are on a plateau.
    Deterministic: fixed order, at most ``max_moves`` moves; the wall-clock ``deadline``
    (``time.monotonic()``) is only a safety net for very large requests.
    """
    rank = {p.id: n for n, p in enumerate(people)}
    chosen = [set(pair) for pair in pairs]
    pools = [set(pool) for _, pool in options]
    counts = _Counts(weeks, options, people, history, shares, chosen)
    follows = [_follows(weeks, w) for w in range(len(weeks))]

    def serves(pid: int, w: int) -> bool:
        return pid in history.previous_week_pair if w < 0 else w < len(weeks) and pid in chosen[w]

    def running(pid: int, w: int) -> int:
        """Weeks running of ``pid`` next to week ``w`` (``pid`` serving in ``w``)."""
        before = 1 if follows[w] and serves(pid, w - 1) else 0
        after = 1 if w + 1 < len(weeks) and follows[w + 1] and serves(pid, w + 1) else 0
        return before + after

    best = counts.value()

    def attempt(changes: list[tuple[int, int, int]]) -> bool:
        """Apply ``changes`` ((week, out, in), ...) if they improve the plan."""
        nonlocal best
        added = 0
        for w, out, _into in changes:
            added -= running(out, w)
        for w, out, into in changes:
            chosen[w].discard(out)
            chosen[w].add(into)
            counts.move(w, out, into)
        for w, _out, into in changes:
            added += running(into, w)
        value = counts.value()
        if added < 0 or (added == 0 and value < best):
            best = value
            return True
        for w, out, into in reversed(changes):
            chosen[w].discard(into)
            chosen[w].add(out)
            counts.move(w, into, out)
        return False

    def finished() -> list[tuple[int, int]]:
        return [(a, b) for a, b in (sorted(pair, key=rank.__getitem__) for pair in chosen)]

    moves = 0
    improved = True
    while improved and moves < max_moves:
        improved = False
        for w in range(len(weeks)):
            if time.monotonic() > deadline:
                return finished()
            for out in sorted(chosen[w] & pools[w], key=rank.__getitem__):
                for into in sorted(pools[w] - chosen[w], key=rank.__getitem__):
                    if out in chosen[w] and into not in chosen[w] and attempt([(w, out, into)]):
                        moves += 1
                        improved = True
        for w1, w2 in itertools.combinations(range(len(weeks)), 2):
            if time.monotonic() > deadline:
                return finished()
            for p in sorted(chosen[w1] & pools[w1] & (pools[w2] - chosen[w2]), key=rank.__getitem__):
                for q in sorted(chosen[w2] & pools[w2] & (pools[w1] - chosen[w1]), key=rank.__getitem__):
                    valid = p in chosen[w1] and q in chosen[w2] and p not in chosen[w2] and q not in chosen[w1]
                    if valid and attempt([(w1, p, q), (w2, q, p)]):
                        moves += 1
                        improved = True
    return finished()


def _cp_pairs(
    weeks: list[_Week],
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
    shares: dict[int, int],
    time_limit: float,
    deadline: float,
    hint: list[tuple[int, int]],
) -> list[tuple[int, int]] | None:
    """Each week's pair by CP-SAT among ``options``, the priorities solved one after another.

    (1) Absence substitute days are already minimal through ``options``. (2) Nobody
    serves two weeks running. (3) Duty counts over the horizon (history plus plan): the
    spread (max − min) within each group of people with the same weekdays, and weaker,
    the spread over everyone of the counts weighted by :func:`_shares`. (4) Part-time
    off-days of the pairs (the substitute days they need). ``None`` if the solver found
    nothing (the caller keeps ``hint``).
    """
    from ortools.sat.python import cp_model  # a heavy import, needed only here

    ids = [p.id for p in people]
    hist_total = _Tally(people, history).total
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for w, (forced, pool) in enumerate(options):
        for pid in forced:
            x[w, pid] = model.new_constant(1)
        for pid in pool:
            x[w, pid] = model.new_bool_var(f"x_{w}_{pid}")
        model.add(sum(x[w, pid] for pid in forced + pool) == 2)

    def chosen(w: int, pid: int) -> cp_model.LinearExprT:
        return x.get((w, pid), 0)

    # (2) serving two weeks running (the first week against the history's last pair)
    running: list[cp_model.LinearExprT] = []
    for w in range(len(weeks)):
        if w == 0:
            running.extend(chosen(0, pid) for pid in ids if pid in history.previous_week_pair)
        elif _follows(weeks, w):
            for pid in ids:
                if (w - 1, pid) in x and (w, pid) in x:
                    y = model.new_bool_var(f"y_{w}_{pid}")
                    model.add(x[w - 1, pid] + x[w, pid] <= 1 + y)
                    running.append(y)

    # (3) duty counts over the horizon
    counts: dict[int, cp_model.IntVar] = {}
    upper: dict[int, int] = {}
    for pid in ids:
        served = [(weeks[w].serve_days(pid), x[w, pid]) for w in range(len(weeks)) if (w, pid) in x]
        upper[pid] = hist_total[pid] + sum(n for n, _ in served)
        counts[pid] = model.new_int_var(hist_total[pid], upper[pid], f"count_{pid}")
        model.add(counts[pid] == hist_total[pid] + sum(n * var for n, var in served))

    def spread(members: list[int], name: str, weighted: bool = False) -> tuple[cp_model.IntVar, int]:
        # Someone who can't be in any week's pair (away all along) only caps the maximum.
        low_members = [pid for pid in members if upper[pid] > hist_total[pid]] or members
        share = {pid: shares[pid] if weighted else 1 for pid in members}
        top = max(upper[pid] * share[pid] for pid in members)
        bottom = min(hist_total[pid] * share[pid] for pid in members)
        hi = model.new_int_var(bottom, top, f"hi_{name}")
        lo = model.new_int_var(bottom, top, f"lo_{name}")
        model.add_max_equality(hi, [counts[pid] * share[pid] for pid in members])
        model.add_min_equality(lo, [counts[pid] * share[pid] for pid in low_members])
        width = model.new_int_var(0, top - bottom, f"spread_{name}")
        model.add(width == hi - lo)
        return width, top - bottom

    classes: dict[frozenset[int], list[int]] = {}
    for person in people:
        classes.setdefault(person.weekdays, []).append(person.id)
    class_spreads: list[cp_model.IntVar] = []
    class_bound = 0
    for n, members in enumerate(classes.values()):
        if len(members) > 1:
            width, bound = spread(members, f"class{n}")
            class_spreads.append(width)
            class_bound += bound
    overall, overall_bound = spread(ids, "all", weighted=True)

    weight_class = overall_bound + 1
    fairness = weight_class * sum(class_spreads) + overall
    # (4) part-time off-days of the pairs
    off_days = sum(weeks[w].off_days(pid) * x[w, pid] for w, (_, pool) in enumerate(options) for pid in pool)

    decided = [(w, pid) for w, (_, pool) in enumerate(options) for pid in pool]
    values = {(w, pid): pid in hint[w] for w, pid in decided}
    budget = _SearchBudget(time_limit, deadline)
    # Lexicographic in stages: (2) first, then (3) with (2) held at what was reached, ...
    stages = ((_RUNNING_SHARE, sum(running)), (_FAIRNESS_SHARE, fairness), (1.0, off_days))
    for share, objective in stages:
        model.clear_hints()
        for w, pid in decided:
            model.add_hint(x[w, pid], values[w, pid])
        model.minimize(objective)
        solver = budget.solver(share)
        status = solver.solve(model)
        budget.spend(solver)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        values = {(w, pid): solver.boolean_value(x[w, pid]) for w, pid in decided}
        model.add(objective <= round(solver.objective_value))

    pairs: list[tuple[int, int]] = []
    for w, (forced, pool) in enumerate(options):
        picked = forced + [pid for pid in pool if values[w, pid]]
        if len(picked) != 2:
            return None
        pairs.append((picked[0], picked[1]))
    return pairs


class _SearchBudget:
    """Deterministic time shared by the solver stages, within the wall-clock cap."""

    def __init__(self, time_limit: float, deadline: float) -> None:
        self.deterministic = max(0.05, min(_DETERMINISTIC_LIMIT, time_limit * _DETERMINISTIC_SHARE))
        self.deadline = deadline

    def solver(self, share: float) -> cp_model.CpSolver:
        """A single-worker solver with ``share`` of the deterministic time left."""
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = _SEED
        solver.parameters.max_deterministic_time = max(0.01, share * self.deterministic)
        solver.parameters.max_time_in_seconds = max(0.01, self.deadline - time.monotonic())
        return solver

    def spend(self, solver: cp_model.CpSolver) -> None:
        self.deterministic -= solver.deterministic_time


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
    the fewest of that duty, the fewest on that weekday, and the stable key.
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
