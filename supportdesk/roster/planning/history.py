"""The planner's view of the past: :class:`History` built from the duties people held.

Shared by ``roster.services.plan_generate`` (rows from the database) and the benchmark's
week-by-week simulation, so that both give the planner exactly the same input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from supportdesk.roster.planning.base import LONG_RUN_WEEKS, History

Held = tuple[int, date, str, bool]
"""(person id, day, duty code, held as a substitute) of a duty someone held."""


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def lookback_weeks(horizon_weeks: int) -> int:
    """How many weeks before a plan :func:`history_from` needs the duties of."""
    return max(horizon_weeks, LONG_RUN_WEEKS)


def history_from(*, held: Iterable[Held], before: date, horizon_weeks: int) -> History:
    """The history of a plan starting ``before``.

    The counts (per duty and per weekday), the previous day's holders and the previous
    week's people come from the duties of the ``horizon_weeks`` before it; the long-run
    counts, the last day each person served and who served together in which week
    (:attr:`History.pairs`) from :func:`lookback_weeks`. Duties in
    ``held`` outside that time are ignored.
    """
    start = before - timedelta(weeks=horizon_weeks)
    long_start = before - timedelta(weeks=lookback_weeks(horizon_weeks))
    counts: dict[tuple[int, str], int] = defaultdict(int)
    weekday_counts: dict[tuple[int, int], int] = defaultdict(int)
    long_run: dict[int, int] = defaultdict(int)
    last_served: dict[int, date] = {}
    by_day: dict[date, dict[str, int]] = defaultdict(dict)
    pairs: dict[date, set[int]] = defaultdict(set)
    for pid, day, code, substitute in held:
        if not long_start <= day < before:
            continue
        long_run[pid] += 1
        if not substitute:
            pairs[_monday(day)].add(pid)
            if pid not in last_served or day > last_served[pid]:
                last_served[pid] = day
        if day < start:
            continue
        counts[pid, code] += 1
        weekday_counts[pid, day.weekday()] += 1
        by_day[day][code] = pid
    previous_day = by_day[max(by_day)] if by_day else {}
    previous_week = _monday(before) - timedelta(weeks=1)
    previous_pair = frozenset(
        pid for day, holders in by_day.items() if _monday(day) == previous_week for pid in holders.values()
    )
    return History(
        counts=dict(counts),
        weekday_counts=dict(weekday_counts),
        previous_day=dict(previous_day),
        previous_week_pair=previous_pair,
        last_served=last_served,
        long_run_counts=dict(long_run),
        pairs={monday: frozenset(pids) for monday, pids in sorted(pairs.items())},
    )
