"""Solver half of the roster benchmark: a realistic year, and figures about a plan.

Used by ``bench/roster.py``; pure Python, no Django.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from datetime import date, timedelta

from supportdesk.roster.planning import DUTIES, PHONE, STANDBY, Person, PlanRequest, PlanResult, history_from, solve

FIRST_MONDAY = date(2026, 1, 5)
WEEKS = 52
HOLIDAYS = frozenset(
    {
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 6, 4),  # Corpus Christi
        date(2026, 12, 24),  # closing day
        date(2026, 12, 25),  # Christmas
        date(2026, 12, 31),  # closing day
        date(2027, 1, 1),  # New Year
    }
)
PART_TIME = (
    frozenset({0, 1, 2}),  # Monday to Wednesday
    frozenset({0, 1, 2}),
    frozenset({0, 1, 2, 3}),  # Monday to Thursday
    frozenset({1, 2, 3, 4}),  # Tuesday to Friday
    frozenset({1, 2, 3, 4}),
)
FULL_TIME = frozenset(range(5))


def support_days(first_monday: date = FIRST_MONDAY, weeks: int = WEEKS) -> list[date]:
    """Monday to Friday of ``weeks`` weeks, without the holidays."""
    days = (first_monday + timedelta(days=n) for n in range(7 * weeks))
    return [d for d in days if d.weekday() < 5 and d not in HOLIDAYS]


def absences(days: list[date], rng: random.Random, share: float) -> frozenset[date]:
    """About ``share`` of ``days`` absent: 1–2-week vacation blocks, then single sick days."""
    target = round(share * len(days))
    absent: set[date] = set()
    while len(absent) < 0.75 * target:
        start = rng.randrange(len(days))
        absent.update(days[start : start + rng.choice((5, 10))])
    while len(absent) < target:
        absent.add(rng.choice(days))
    return frozenset(absent)


def year_request(people: int = 50, absent_share: float = 0.10, seed: int = 1, time_limit: float = 10.0) -> PlanRequest:
    """One year, ``people`` people (a few part-timers), seeded absences."""
    rng = random.Random(seed)
    days = support_days()
    pool = []
    for n in range(people):
        weekdays = PART_TIME[n] if n < len(PART_TIME) else FULL_TIME
        mine = [d for d in days if d.weekday() in weekdays]
        pool.append(Person(n + 1, f"user{n + 1:03d}", weekdays, absences(mine, rng, absent_share)))
    return PlanRequest(days=days, people=pool, time_limit_seconds=time_limit)


def availability_spread(request: PlanRequest, counts: Counter[int]) -> dict[str, float]:
    """Duty counts scaled to full availability (count × support days / own support days):
    the part-timers' lowest and highest against the full-timers'."""
    scaled: dict[frozenset[int], list[float]] = {}
    for person in request.people:
        own = sum(1 for day in request.days if day.weekday() in person.weekdays)
        if own:
            scaled.setdefault(person.weekdays, []).append(counts[person.id] * len(request.days) / own)
    part = [v for weekdays, values in scaled.items() if weekdays != FULL_TIME for v in values]
    full = scaled.get(FULL_TIME, [])
    if not part or not full:
        return {}
    return {
        "scaled_duty_count_min_part_time": round(min(part), 1),
        "scaled_duty_count_max_part_time": round(max(part), 1),
        "scaled_duty_count_spread_all": round(max(part + full) - min(part + full), 1),
    }


def daily_figures(request: PlanRequest, result: PlanResult) -> dict[str, float]:
    """Fairness figures of a daily-rotation plan."""
    counts: Counter[int] = Counter()
    per_duty: Counter[tuple[int, str]] = Counter()
    for (_, duty), pid in result.cells.items():
        if pid is not None:
            counts[pid] += 1
            per_duty[pid, duty] += 1
    classes: dict[frozenset[int], list[int]] = {}
    for person in request.people:
        classes.setdefault(person.weekdays, []).append(counts[person.id])
    full = classes.get(FULL_TIME, [0])
    return {
        "duty_count_spread_same_availability": max(
            (max(c) - min(c) for c in classes.values() if len(c) > 1), default=0
        ),
        "duty_count_min_full_time": min(full),
        "duty_count_max_full_time": max(full),
        **availability_spread(request, counts),
        "open_cells": sum(1 for day in request.days for d in DUTIES if result.cells[day, d] is None),
        "max_phone_standby_difference": max(
            (abs(per_duty[p.id, PHONE] - per_duty[p.id, STANDBY]) for p in request.people), default=0
        ),
    }


def figures(request: PlanRequest, result: PlanResult) -> dict[str, float]:
    """Fairness and quality figures of a plan."""
    counts: Counter[int] = Counter()
    per_duty: Counter[tuple[int, str]] = Counter()
    for (_, duty), pid in result.cells.items():
        if pid is not None:
            counts[pid] += 1
            per_duty[pid, duty] += 1
    classes: dict[frozenset[int], list[int]] = {}
    for person in request.people:
        classes.setdefault(person.weekdays, []).append(counts[person.id])
    class_spread = max((max(c) - min(c) for c in classes.values() if len(c) > 1), default=0)
    full = classes.get(FULL_TIME, [0])

    weeks: dict[date, set[int]] = {}
    for (day, _), pid in result.cells.items():
        if pid is not None and (day, _) not in result.substitutes:
            weeks.setdefault(day - timedelta(days=day.weekday()), set()).add(pid)
    longest = 0
    for person in request.people:
        run = 0
        previous: date | None = None
        for monday in sorted(weeks):
            if person.id in weeks[monday]:
                run = run + 1 if previous and (monday - previous).days == 7 else 1
                previous = monday
                longest = max(longest, run)
    served: Counter[int] = Counter(pid for pair in weeks.values() for pid in pair)
    served_by_class: dict[frozenset[int], list[int]] = {}
    for person in request.people:
        served_by_class.setdefault(person.weekdays, []).append(served[person.id])
    weeks_spread = max((max(c) - min(c) for c in served_by_class.values() if len(c) > 1), default=0)
    balance = max(
        (abs(per_duty[p.id, PHONE] - per_duty[p.id, STANDBY]) for p in request.people),
        default=0,
    )
    # A substitute day is absence-caused if a pair member is away on one of their
    # weekdays, otherwise part-time-caused (a pair member's regular day off).
    by_id = {p.id: p for p in request.people}
    absence_days: set[date] = set()
    part_time_days: set[date] = set()
    for day in {day for day, _ in result.substitutes}:
        pair = weeks.get(day - timedelta(days=day.weekday()), set())
        if any(day.weekday() in by_id[pid].weekdays and day in by_id[pid].absent for pid in pair):
            absence_days.add(day)
        else:
            part_time_days.add(day)
    shares = availability_spread(request, counts)
    return {
        "duty_count_spread_same_availability": class_spread,
        "weeks_served_spread_same_availability": weeks_spread,
        "duty_count_min_full_time": min(full),
        "duty_count_max_full_time": max(full),
        **shares,
        "substitute_days": len({day for day, _ in result.substitutes}),
        "substitute_days_absence": len(absence_days),
        "substitute_days_part_time": len(part_time_days),
        "substitute_cells": len(result.substitutes),
        "open_cells": sum(1 for day in request.days for d in DUTIES if result.cells[day, d] is None),
        "max_consecutive_weeks_served": longest,
        "max_phone_standby_difference": balance,
    }


HORIZON_WEEKS = 12
"""The support calendar's default fairness horizon."""


def draft_week_by_week(request: PlanRequest, horizon_weeks: int = HORIZON_WEEKS) -> tuple[PlanResult, list[float]]:
    """Plan ``request``'s days as the weekly job does: one draft per week, in order.

    Each week's draft gets the history the service builds (:func:`history_from`, the
    duties of the ``horizon_weeks`` before it) and is published (becomes history) before
    the next week is drafted. Returns the whole plan and the seconds each draft took.
    """
    by_week: dict[date, list[date]] = {}
    for day in sorted(set(request.days)):
        by_week.setdefault(day - timedelta(days=day.weekday()), []).append(day)
    held: list[tuple[int, date, str, bool]] = []
    cells: dict[tuple[date, str], int | None] = {}
    substitutes: set[tuple[date, str]] = set()
    problems = []
    seconds: list[float] = []
    for monday, days in sorted(by_week.items()):
        week_request = PlanRequest(
            days=days,
            people=request.people,
            history=history_from(held=held, before=monday, horizon_weeks=horizon_weeks),
            mode=request.mode,
            time_limit_seconds=request.time_limit_seconds,
        )
        started = time.perf_counter()
        result = solve(week_request)
        seconds.append(time.perf_counter() - started)
        cells.update(result.cells)
        substitutes |= result.substitutes
        problems.extend(result.problems)
        held.extend(
            (pid, day, duty, (day, duty) in result.substitutes)
            for (day, duty), pid in sorted(result.cells.items())
            if pid is not None
        )
    return PlanResult(cells=cells, substitutes=substitutes, problems=problems), seconds


def turn_figures(request: PlanRequest, result: PlanResult) -> dict[str, float]:
    """How long people wait between turns, in weeks.

    A turn is a run of support days on which a person holds a duty that is not a
    substitute cell (a pair week; in the daily chain, phone then standby). The figures:
    the duty-count spread between people with the same weekdays who had as many turns
    (how even the turns themselves are: a plan cut off in the middle of a round leaves
    whoever has had their turn in it one turn ahead), the longest gap between the starts
    of two turns of a person, the longest wait from
    the plan's first day to a person's first turn (or to its end for someone who never
    had one), and how many people had no turn although they could have served.
    """
    days = sorted(set(request.days))
    index = {day: n for n, day in enumerate(days)}
    served: dict[int, list[int]] = {}
    for (day, duty), pid in result.cells.items():
        if pid is not None and (day, duty) not in result.substitutes:
            served.setdefault(pid, []).append(index[day])
    starts: dict[int, list[date]] = {}
    for pid, positions in served.items():
        positions.sort()
        starts[pid] = [days[n] for k, n in enumerate(positions) if k == 0 or positions[k - 1] != n - 1]
    longest_gap = max(
        ((b - a).days / 7 for turns in starts.values() for a, b in itertools.pairwise(turns)), default=0.0
    )
    first_wait = max(
        ((starts[p.id][0] if p.id in starts else days[-1]) - days[0]).days / 7
        for p in request.people
        if any(p.can_serve(day) for day in days)
    )
    counts: Counter[int] = Counter(pid for pid in result.cells.values() if pid is not None)
    same_turns: dict[tuple[frozenset[int], int], list[int]] = {}
    for person in request.people:
        same_turns.setdefault((person.weekdays, len(starts.get(person.id, ()))), []).append(counts[person.id])
    return {
        "duty_count_spread_same_availability_and_turns": max(
            (max(c) - min(c) for c in same_turns.values() if len(c) > 1), default=0
        ),
        "max_weeks_between_turns": round(longest_gap, 1),
        "max_weeks_until_first_turn": round(first_wait, 1),
        "people_without_a_turn": sum(
            1 for p in request.people if p.id not in starts and any(p.can_serve(day) for day in days)
        ),
    }


def weeks_served_spread(request: PlanRequest, result: PlanResult) -> int:
    """Spread (max − min) between people with the same weekdays of the weeks in which they
    held a duty that is not a substitute cell."""
    weeks: dict[int, set[date]] = {}
    for (day, duty), pid in result.cells.items():
        if pid is not None and (day, duty) not in result.substitutes:
            weeks.setdefault(pid, set()).add(day - timedelta(days=day.weekday()))
    classes: dict[frozenset[int], list[int]] = {}
    for person in request.people:
        classes.setdefault(person.weekdays, []).append(len(weeks.get(person.id, ())))
    return max((max(c) - min(c) for c in classes.values() if len(c) > 1), default=0)


def week_pairs(result: PlanResult) -> dict[date, frozenset[int]]:
    """Monday → the week's pair: the two people holding duties that are not substitute
    cells (weeks with another number of such people, a pair member away all week, are left out)."""
    own: dict[date, set[int]] = {}
    for (day, duty), pid in result.cells.items():
        if pid is not None and (day, duty) not in result.substitutes:
            own.setdefault(day - timedelta(days=day.weekday()), set()).add(pid)
    return {monday: frozenset(pids) for monday, pids in sorted(own.items()) if len(pids) == 2}


def pair_figures(result: PlanResult) -> dict[str, float]:
    """How much the pairs vary: the pair-weeks, the distinct pairs among them, the most
    weeks any one pair served together, the fewest weeks between two turns of the same
    pair (the plan's weeks when no pair served twice), and the fewest different partners
    of anyone who served at least three pair-weeks."""
    pairs = week_pairs(result)
    together: dict[frozenset[int], list[date]] = {}
    for monday, pair in pairs.items():
        together.setdefault(pair, []).append(monday)
    gaps = [(b - a).days // 7 for mondays in together.values() for a, b in itertools.pairwise(mondays)]
    partners: dict[int, set[int]] = {}
    turns: Counter[int] = Counter()
    for pair in pairs.values():
        for pid in pair:
            turns[pid] += 1
            partners.setdefault(pid, set()).update(pair - {pid})
    span = (max(pairs) - min(pairs)).days // 7 + 1 if pairs else 0
    return {
        "pair_weeks": len(pairs),
        "distinct_pairs": len(together),
        "max_weeks_same_pair": max((len(m) for m in together.values()), default=0),
        "min_weeks_between_same_pair": min(gaps, default=span),
        "min_partners_of_3_turns": min((len(partners[pid]) for pid, n in turns.items() if n >= 3), default=0),
    }
