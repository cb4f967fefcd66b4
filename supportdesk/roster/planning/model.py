"""The ``weekly_pair`` mode's CP-SAT model: each week's pair, the priorities solved one after another."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from supportdesk.roster.planning.base import History, Person, _compared, _Tally
from supportdesk.roster.planning.pairs import _Mixing
from supportdesk.roster.planning.weeks import _follows, _Week

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

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

_DUE_SHARE = 0.5
"""Share of the deterministic time left that the "turn is due" stage may use (when there is one)."""

_DETERMINISTIC_SHARE = 0.5
"""Share of ``time_limit_seconds`` given to CP-SAT as *deterministic* time (work units).

The deterministic limit stops the search at the same point on every run, so the plan is
reproducible; the wall-clock cap (``time_limit_seconds``) is only a safety net for an
overloaded machine. Typical requests are solved to optimality long before either.
"""


def _cp_pairs(
    weeks: list[_Week],
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
    shares: dict[int, int],
    due: dict[int, int],
    time_limit: float,
    deadline: float,
    hint: list[tuple[int, int]],
) -> list[tuple[int, int]] | None:
    """Each week's pair by CP-SAT among ``options``, the priorities solved one after another.

    (1) Absence substitute days are already minimal through ``options``. (2) Nobody
    serves two weeks running. (3) Nobody serves before their turn is due, weighed against
    pairing people who served together recently (:class:`_Mixing`; no stage when neither
    can happen). (4) Duty counts over the
    horizon (history plus plan): the spread (max − min) within each group of people with
    the same weekdays, and weaker, the spread over everyone of the counts weighted by
    :func:`_shares`, the minimum over the people :func:`_compared`. (5) Part-time off-days
    of the pairs (the substitute days they need). ``None`` if the solver found nothing
    (the caller keeps ``hint``).
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

    # (4) duty counts over the horizon
    counts: dict[int, cp_model.IntVar] = {}
    upper: dict[int, int] = {}
    for pid in ids:
        served = [(weeks[w].serve_days(pid), x[w, pid]) for w in range(len(weeks)) if (w, pid) in x]
        upper[pid] = hist_total[pid] + sum(n for n, _ in served)
        counts[pid] = model.new_int_var(hist_total[pid], upper[pid], f"count_{pid}")
        model.add(counts[pid] == hist_total[pid] + sum(n * var for n, var in served))

    compared = _compared(people, history, hist_total)

    def spread(members: list[int], name: str, weighted: bool = False) -> tuple[cp_model.IntVar, int] | None:
        """The spread of ``members``' counts; ``None`` if none of them is :func:`_compared`
        (over everyone, the weighted one, all of them are then)."""
        below = [pid for pid in members if pid in compared] or (members if weighted else [])
        if not below:
            return None
        # Someone who can't be in any week's pair (away all along) only caps the maximum.
        low_members = [pid for pid in below if upper[pid] > hist_total[pid]] or below
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
        if len(members) > 1 and (found := spread(members, f"class{n}")) is not None:
            class_spreads.append(found[0])
            class_bound += found[1]
    overall, overall_bound = spread(ids, "all", weighted=True) or (0, 0)  # falls back to everyone

    weight_class = overall_bound + 1
    fairness = weight_class * sum(class_spreads) + overall
    # (3) turns taken before they are due, weighed against pairs who served together
    # recently, and (5) part-time off-days of the pairs
    mixing = _Mixing(options, history, due)
    early_terms = [
        (cost, x[w, pid]) for w, (_, pool) in enumerate(options) for pid in pool if (cost := mixing.early(w, pid))
    ]
    pair_terms: list[tuple[int, cp_model.IntVar]] = []
    for w in range(len(weeks)):
        for a, b in sorted(mixing.pairs(w)):
            if (w, a) in x and (w, b) in x and (cost := mixing.pair(w, (a, b))):
                together = model.new_bool_var(f"z_{w}_{a}_{b}")
                model.add(together >= x[w, a] + x[w, b] - 1)
                pair_terms.append((cost, together))
    missed = [(cost, x[0, pid]) for pid in sorted(mixing.overdue) if (0, pid) in x and (cost := mixing.missed(pid))]
    queue = sum(cost * var for cost, var in early_terms + pair_terms) + sum(cost * (1 - var) for cost, var in missed)
    off_days = sum(weeks[w].off_days(pid) * x[w, pid] for w, (_, pool) in enumerate(options) for pid in pool)

    decided = [(w, pid) for w, (_, pool) in enumerate(options) for pid in pool]
    values = {(w, pid): pid in hint[w] for w, pid in decided}
    budget = _SearchBudget(time_limit, deadline)
    # Lexicographic in stages: (2) first, then (3) with (2) held at what was reached, ...
    stages = [(_RUNNING_SHARE, sum(running))]
    if early_terms or pair_terms or missed:
        stages.append((_DUE_SHARE, queue))
    stages += [(_FAIRNESS_SHARE, fairness), (1.0, off_days)]
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
