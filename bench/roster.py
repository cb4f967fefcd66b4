"""Roster benchmark.

``python bench/roster.py --solver-only`` plans one year for 50 people (10 % of the
person-days absent, five part-timers) with :func:`supportdesk.roster.planning.solve` in
both modes and prints the figures as ``name: value`` lines.

``weekly_pair`` (unprefixed names): the wall time of ``solve()`` (OR-Tools' import, paid
once per process, separately), the duty-count and weeks-served spreads between people
with the same weekdays, the part-timers' duty counts scaled to full availability against
the full-timers', substitute days (split into absence- and part-time-caused), open
cells, the longest run of consecutive weeks anyone served, and the largest
phone/standby difference of a person, and how much the pairs vary
(:func:`roster_solver.pair_figures`: pair-weeks, distinct pairs, the most weeks one pair
served together, the fewest weeks between two turns of the same pair, the fewest
partners of anyone with three or more pair-weeks).

``daily`` (names prefixed ``daily_``): the wall time, the duty-count spread between
people with the same weekdays, the scaled part-time counts, open cells, the largest
phone/standby difference, and the chain breaks: days whose standby is not the previous
day's phone duty although that person could serve (the planner breaks the chain in the
last round to keep equally available people within one duty).

``weekly_drafting_`` and ``daily_weekly_drafting_``: the same year drafted week by week
as the weekly job does (52 drafts, each with the history the service builds from the
12 weeks before it, :func:`supportdesk.roster.planning.history_from`, and published
before the next): the year's duty-count and weeks-served spreads between people with the
same weekdays, the duty-count spread between those who also had as many turns, the
longest gap between two turns, the longest wait for a first turn, and the seconds per
draft; for ``weekly_pair`` the pair figures too. A year drafted week by week ends in the
middle of a rotation round: whoever has had their turn in it is one turn (a pair week,
~5 duties; in the daily chain 2) ahead, which a plan of the whole year avoids by seeing
the end.

Without ``--solver-only`` the HTTP latency of ``GET /api/v1/oncall``
(``bench/oncall_latency.py``) follows: SQLite, and PostgreSQL with ``--database-url``.
:func:`bench_solver` returns the solver figures as a dict.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from roster_solver import (  # noqa: E402
    HORIZON_WEEKS,
    daily_figures,
    draft_week_by_week,
    figures,
    pair_figures,
    turn_figures,
    weeks_served_spread,
    year_request,
)

from supportdesk.roster.planning import PHONE, STANDBY, PlanRequest, PlanResult, solve  # noqa: E402


def bench_generate(people: int = 50, absent_share: float = 0.10, seed: int = 1) -> dict[str, float]:
    """Plan one year in ``weekly_pair`` mode; the time it took plus the plan's figures."""
    request = year_request(people=people, absent_share=absent_share, seed=seed)
    started = time.perf_counter()
    from ortools.sat.python import cp_model  # noqa: F401  (solve() imports it lazily)

    imported = time.perf_counter() - started
    started = time.perf_counter()
    result = solve(request)
    seconds = time.perf_counter() - started
    out: dict[str, float] = {
        f"generate_one_year_{people}_people_seconds": round(seconds, 3),
        "ortools_import_seconds": round(imported, 3),
    }
    out.update(figures(request, result))
    out.update(pair_figures(result))
    return out


def bench_daily(people: int = 50, absent_share: float = 0.10, seed: int = 1) -> dict[str, float]:
    """Plan the same year in ``daily`` mode; the time it took plus the plan's figures."""
    weekly = year_request(people=people, absent_share=absent_share, seed=seed)
    request = PlanRequest(days=weekly.days, people=weekly.people, mode="daily")
    started = time.perf_counter()
    result = solve(request)
    seconds = time.perf_counter() - started
    out: dict[str, float] = {f"daily_generate_one_year_{people}_people_seconds": round(seconds, 3)}
    out.update({f"daily_{name}": value for name, value in daily_figures(request, result).items()})
    out["daily_chain_breaks"] = chain_breaks(request, result)
    return out


def chain_breaks(request: PlanRequest, result: PlanResult) -> int:
    """Days whose standby is not the previous day's phone duty although they could serve."""
    by_id = {p.id: p for p in request.people}
    days = sorted(set(request.days))
    return sum(
        1
        for before, day in itertools.pairwise(days)
        if (phone := result.cells[before, PHONE]) is not None
        and by_id[phone].can_serve(day)
        and result.cells[day, STANDBY] != phone
    )


def bench_weekly_drafting(
    mode: str, people: int = 50, absent_share: float = 0.10, seed: int = 1, horizon_weeks: int = HORIZON_WEEKS
) -> dict[str, float]:
    """The same year drafted week by week, as the weekly job does (``mode``: the rotation).

    52 drafts, each with the history the service builds from the ``horizon_weeks`` before
    it, each published before the next. The figures: the year's duty-count and
    weeks-served spreads between people with the same weekdays, how long people wait
    between turns, open cells, and the seconds per draft.
    """
    year = year_request(people=people, absent_share=absent_share, seed=seed)
    request = PlanRequest(days=year.days, people=year.people, mode=mode, time_limit_seconds=year.time_limit_seconds)  # type: ignore[arg-type]
    result, seconds = draft_week_by_week(request, horizon_weeks)
    prefix = "weekly_drafting_" if mode == "weekly_pair" else "daily_weekly_drafting_"
    plan = figures(request, result) if mode == "weekly_pair" else daily_figures(request, result)
    keep = (
        "duty_count_spread_same_availability",
        "duty_count_min_full_time",
        "duty_count_max_full_time",
        "scaled_duty_count_spread_all",
        "open_cells",
        "max_phone_standby_difference",
        "substitute_days",
    )
    out: dict[str, float] = {f"{prefix}{name}": plan[name] for name in keep if name in plan}
    out[f"{prefix}weeks_served_spread_same_availability"] = weeks_served_spread(request, result)
    out.update({f"{prefix}{name}": value for name, value in turn_figures(request, result).items()})
    if mode == "weekly_pair":
        out.update({f"{prefix}{name}": value for name, value in pair_figures(result).items()})
    out[f"{prefix}seconds_per_draft_mean"] = round(sum(seconds) / len(seconds), 3)
    out[f"{prefix}seconds_per_draft_max"] = round(max(seconds), 3)
    return out


def bench_solver(seed: int = 1, drafting: bool = True) -> dict[str, float]:
    """The solver figures of both modes (planned as a whole year and, with ``drafting``,
    week by week), and the 1-minute load average."""
    out = bench_generate(seed=seed)
    out.update(bench_daily(seed=seed))
    if drafting:
        out.update(bench_weekly_drafting("weekly_pair", seed=seed))
        out.update(bench_weekly_drafting("daily", seed=seed))
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    return out


def bench_http(requests: int = 2000, database_url: str | None = None) -> dict[str, float]:
    """p50/p99 of ``GET /api/v1/oncall`` (SQLite; PostgreSQL as well with ``database_url``)."""
    import oncall_latency

    out: dict[str, float] = {}
    targets: list[tuple[str, str | None]] = [("sqlite", None)]
    if database_url:
        targets.append(("postgresql", database_url))
    for label, url in targets:
        result = oncall_latency.run(requests, url)
        out[f"oncall_api_{label}_assignments"] = result["rows"]
        out[f"oncall_api_{label}_p50_ms"] = round(result["p50_ms"], 2)
        out[f"oncall_api_{label}_p99_ms"] = round(result["p99_ms"], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--solver-only", action="store_true", help="only the plan generation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000, help="HTTP requests per database")
    parser.add_argument("--database-url", default=None, help="also measure on this PostgreSQL database")
    args = parser.parse_args(argv)
    for name, value in bench_solver(seed=args.seed).items():
        print(f"{name}: {value}")
    if not args.solver_only:
        for name, value in bench_http(args.requests, args.database_url).items():
            print(f"{name}: {value}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
