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
3. whose turn is due: people queue by the last day they served on their own
   (:attr:`History.last_served`, which looks back further than the horizon), and nobody
   serves before their place in the queue comes (:func:`weeks._due_weeks`). Without
   history everyone is due at once and this decides nothing; it matters when a round of
   the rotation is longer than the horizon (a weekly draft of a large pool), where most
   people have no duty inside the horizon and their counts would tie. Weighed against
   it, pairs who served together at one of their last turns (:attr:`History.pairs`):
   someone who has not had more turns than the others may come one week early so that
   the pairs mix from round to round (by the queue alone, who served in the same week
   would keep serving together), but nobody is passed over twice, and the turns never
   differ by more than one (``pairs``);
4. duty counts over the horizon (history plus plan) as even as possible among people
   with the same weekdays, then over everyone relative to availability: each person's
   fair count is proportional to the plan's support days on their weekdays
   (:func:`_shares`), so a Mon–Wed person serves about as many pair weeks as a
   full-timer, three days each. People whose last duty fell out of the horizon and who
   have none in it are left to the queue (3): compared, they would hold the minimum at
   zero, and two part-timers of the same weekdays could then only serve together;
5. fewest substitute days caused by part time (a pair member's regular day off). They
   are expected, so they only break ties of fairness.
6. fewest pairs serving again within the plan (the local search's last pass).

A greedy plan (longest weeks first, to the fewest duties), improved by a local search,
is the start hint of a CP-SAT model of (2) to (5), solved one priority after the other
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
(:func:`_shares`), over the horizon and then over the long run
(:attr:`History.long_run_counts`), and has waited longest (:attr:`History.last_served`,
not only the plan's own days: a weekly draft sees five days). Towards the end of the plan the chain breaks
where that keeps equally available people within one duty of each other.

The history comes from :func:`history_from`, for the service and the benchmark alike.

The modules: ``base`` (request, result, the tally and the availability weights),
``history`` (the history from the duties held), ``pairs`` (the queue's costs: turns
early against pairs who served together recently),
``daily`` (the chain), ``weeks`` (the weeks and the pairs without the solver: greedy
plan and local search), ``model`` (the CP-SAT model of the pairs) and ``days`` (the days
derived from the pairs). Import from ``supportdesk.roster.planning`` only.
"""

from __future__ import annotations

import time
from datetime import date

from supportdesk.roster.planning.base import (
    DUTIES,
    LONG_RUN_WEEKS,
    PHONE,
    REASON_NOBODY,
    REASON_NOBODY_IN_POOL,
    REASON_ONE,
    REASON_ONE_IN_POOL,
    STANDBY,
    History,
    Mode,
    Person,
    PlanRequest,
    PlanResult,
    Problem,
    _shares,
)
from supportdesk.roster.planning.daily import _solve_daily
from supportdesk.roster.planning.days import _derive_days
from supportdesk.roster.planning.history import Held, history_from, lookback_weeks
from supportdesk.roster.planning.model import _cp_pairs
from supportdesk.roster.planning.weeks import _due_weeks, _greedy_pairs, _improve_pairs, _pair_options, _weeks

__all__ = [
    "DUTIES",
    "LONG_RUN_WEEKS",
    "PHONE",
    "REASON_NOBODY",
    "REASON_NOBODY_IN_POOL",
    "REASON_ONE",
    "REASON_ONE_IN_POOL",
    "STANDBY",
    "Held",
    "History",
    "Mode",
    "Person",
    "PlanRequest",
    "PlanResult",
    "Problem",
    "history_from",
    "lookback_weeks",
    "solve",
]


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


def _solve_weekly(days: list[date], people: list[Person], history: History, time_limit: float) -> PlanResult:
    """The pairs (greedy, polished, then CP-SAT and polished again), then the days from them."""
    started = time.monotonic()
    deadline = started + max(0.1, time_limit)
    weeks = _weeks(days, people)
    shares = _shares(days, people)
    options = [_pair_options(week, people) for week in weeks]
    due = _due_weeks(options, people, history, shares)
    pairs = _greedy_pairs(weeks, options, people, history, shares, due)
    pairs = _improve_pairs(weeks, options, people, history, shares, due, pairs, started + 0.25 * time_limit)
    try:
        found = _cp_pairs(weeks, options, people, history, shares, due, time_limit, deadline, pairs)
    except Exception:  # a solver failure must not lose the plan: keep the pairs found so far
        found = None
    if found is not None:
        pairs = _improve_pairs(weeks, options, people, history, shares, due, found, deadline)
    pairs = _improve_pairs(weeks, options, people, history, shares, due, pairs, deadline, vary=True)
    return _derive_days(days, weeks, pairs, people, history, shares)
