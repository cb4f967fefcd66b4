"""Plan generation for the afternoon duties (R4), free of Django and the database.

The service layer (``roster.services.plan_generate``) gathers a
:class:`PlanRequest` from the database, calls :func:`solve`, and writes the
:class:`PlanResult` back. Everything here is deterministic for the same input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
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

_DETERMINISTIC_LIMIT = 1.0
"""At most this much deterministic time (CP-SAT's work units, about a second) per plan."""

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
    rank = {p.id: n for n, p in enumerate(people)}
    last_served: dict[int, int] = {}
    """Person id → index of the last day served (-1: the day before the plan)."""
    yesterday: dict[str, int | None] = {duty: history.previous_day.get(duty) for duty in DUTIES}
    for holder in yesterday.values():
        if holder is not None:
            last_served[holder] = -1
    cells: dict[tuple[date, str], int | None] = {}

    for index, day in enumerate(days):
        available = [p.id for p in people if p.can_serve(day)]

        def fairness(pid: int, duty: str, yesterday: dict[str, int | None] = yesterday) -> tuple[int, ...]:
            return (
                1 if yesterday[duty] == pid else 0,  # same duty two days running
                tally.total[pid],  # fewest duties so far
                last_served.get(pid, _NEVER),  # longest since the last duty
                tally.of_duty(pid, duty),
                rank[pid],
            )

        standby = yesterday[PHONE] if yesterday[PHONE] in available else None
        rest = [pid for pid in available if pid != standby]
        phone = min(rest, key=lambda pid: fairness(pid, PHONE)) if rest else None
        if standby is None:
            rest = [pid for pid in available if pid != phone]
            standby = min(rest, key=lambda pid: fairness(pid, STANDBY)) if rest else None
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

    def serve_days(self, pid: int) -> int:
        return sum(self.can[pid])

    def missing_days(self, pid: int) -> int:
        return len(self.days) - self.serve_days(pid)


def _weeks(days: list[date], people: list[Person]) -> list[_Week]:
    grouped: dict[date, list[date]] = {}
    for day in days:
        grouped.setdefault(day - timedelta(days=day.weekday()), []).append(day)
    return [
        _Week(monday, week_days, {p.id: [p.can_serve(d) for d in week_days] for p in people})
        for monday, week_days in sorted(grouped.items())
    ]


def _follows(weeks: list[_Week], w: int) -> bool:
    """Whether week ``w`` directly follows the week before it (the first: the history's)."""
    return w == 0 or (weeks[w].monday - weeks[w - 1].monday).days == 7


def _solve_weekly(days: list[date], people: list[Person], history: History, time_limit: float) -> PlanResult:
    weeks = _weeks(days, people)
    options = [_pair_options(week, people) for week in weeks]
    pairs = _greedy_pairs(weeks, options, people, history)
    try:
        found = _cp_pairs(weeks, options, people, history, time_limit, pairs)
    except Exception:  # a solver failure must not lose the plan: keep the greedy pairs
        found = None
    if found is not None:
        pairs = found
    return _derive_days(days, weeks, pairs, people, history)


def _pair_options(week: _Week, people: list[Person]) -> tuple[list[int], list[int]]:
    """The pairs that need the fewest substitute days: ``forced`` plus the rest from ``pool``.

    Substitute days are the first priority and add up week by week, so the best a week
    can do is its two people with the fewest days they cannot serve. Restricting each
    week to those pairs is exact and keeps the model small.
    """
    ids = [p.id for p in people]
    least = min(week.missing_days(pid) for pid in ids)
    lowest = [pid for pid in ids if week.missing_days(pid) == least]
    if len(lowest) >= 2:
        return [], lowest
    second = min(week.missing_days(pid) for pid in ids if pid not in lowest)
    return lowest, [pid for pid in ids if week.missing_days(pid) == second]


def _greedy_pairs(
    weeks: list[_Week],
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
) -> list[tuple[int, int]]:
    """A good deterministic plan of pairs: the CP-SAT start hint, and the fallback.

    Longest weeks first, each to the people with the fewest duties so far (history
    included) who did not serve the week before or after: "longest job to the least
    loaded", which leaves the short weeks to even out the counts.
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
                key=lambda pid: (pid in neighbours, total[pid] + week.serve_days(pid), rank[pid]),
            )[: 2 - len(forced)]
        )
        a, b = sorted(picked, key=rank.__getitem__)
        chosen[w] = (a, b)
        for pid in (a, b):
            total[pid] += week.serve_days(pid)
    return [pair for pair in chosen if pair is not None]


def _cp_pairs(
    weeks: list[_Week],
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
    time_limit: float,
    hint: list[tuple[int, int]],
) -> list[tuple[int, int]] | None:
    """Each week's pair by CP-SAT among ``options``; priorities made lexicographic by weights.

    (1) substitute days are already minimal through ``options``; (2) nobody serves two
    weeks running; (3) duty counts (history plus plan) as even as possible within each
    availability class, and weaker, over everyone.
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

    def spread(members: list[int], name: str) -> tuple[cp_model.IntVar, int]:
        # Someone who can't be in any week's pair (away all along) only caps the maximum.
        low_members = [pid for pid in members if upper[pid] > hist_total[pid]] or members
        top = max(upper[pid] for pid in members)
        bottom = min(hist_total[pid] for pid in members)
        hi = model.new_int_var(bottom, top, f"hi_{name}")
        lo = model.new_int_var(bottom, top, f"lo_{name}")
        model.add_max_equality(hi, [counts[pid] for pid in members])
        model.add_min_equality(lo, [counts[pid] for pid in low_members])
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
    overall, overall_bound = spread(ids, "all")

    weight_class = overall_bound + 1
    weight_running = weight_class * class_bound + overall_bound + 1
    model.minimize(weight_running * sum(running) + weight_class * sum(class_spreads) + overall)
    for w, pair in enumerate(hint):
        for pid in options[w][1]:
            model.add_hint(x[w, pid], pid in pair)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = _SEED
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.max_deterministic_time = max(0.05, min(_DETERMINISTIC_LIMIT, time_limit * _DETERMINISTIC_SHARE))
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    pairs: list[tuple[int, int]] = []
    for w, (forced, pool) in enumerate(options):
        picked = [pid for pid in ids if pid in forced or (pid in pool and solver.boolean_value(x[w, pid]))]
        if len(picked) != 2:
            return None
        pairs.append((picked[0], picked[1]))
    return pairs


def _derive_days(
    days: list[date],
    weeks: list[_Week],
    pairs: list[tuple[int, int]],
    people: list[Person],
    history: History,
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

    def previous_duty(pid: int, day: date) -> str | None:
        """The duty ``pid`` held on the support day before ``day``."""
        n = position[day]
        if n == 0:
            held: dict[str, int | None] = dict(history.previous_day)
        else:
            held = {duty: cells.get((days[n - 1], duty)) for duty in DUTIES}
        return next((duty for duty in DUTIES if held.get(duty) == pid), None)

    for week, pair in zip(weeks, pairs, strict=True):
        starter = _choose_starter(week, pair, previous_duty, tally, rank)
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
                _fill_gaps(gaps, pair, cells, substitutes, people, tally, rank, previous_duty)
    return _finish(days, cells, people, substitutes)


_PreviousDuty = Callable[[int, date], str | None]


def _choose_starter(
    week: _Week,
    pair: tuple[int, int],
    previous_duty: _PreviousDuty,
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
            if week.can[member][0] and previous_duty(member, week.days[0]) == first_duty:
                repeats += 1
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
    rank: dict[int, int],
    previous_duty: _PreviousDuty,
) -> None:
    """Cover one pair member's missing days, by one third person where possible.

    Candidates: not of the pair, able to serve, not already on the other duty that day.
    Choice: not the same duty as on the previous support day, then the fewest duties
    (history and the whole plan), the fewest of that duty, the fewest on that weekday,
    and the stable key.
    """

    def free(person: Person, day: date) -> bool:
        return person.can_serve(day) and person.id not in (cells[day, PHONE], cells[day, STANDBY])

    def repeats(pid: int, cells_: list[tuple[date, str]]) -> int:
        return sum(1 for day, duty in cells_ if previous_duty(pid, day) == duty)

    def key(pid: int, cells_: list[tuple[date, str]]) -> tuple[int, ...]:
        return (
            repeats(pid, cells_),
            tally.total[pid],
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
