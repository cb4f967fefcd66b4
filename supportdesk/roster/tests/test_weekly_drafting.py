"""Week-by-week drafting as the weekly job does it: each week planned with the history the
service builds (:func:`planning.history_from`), published before the next is drafted.

A rotation round longer than the fairness horizon is the case that drifted: most people
have no duty inside the horizon, their counts tie, and the choice among them must follow
who waited longest, not the name.
"""

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest

from supportdesk.roster.planning import (
    PHONE,
    STANDBY,
    History,
    Person,
    PlanRequest,
    PlanResult,
    history_from,
    solve,
)
from supportdesk.roster.planning.base import _shares

FULL = frozenset(range(5))
MON_WED = frozenset({0, 1, 2})
TUE_FRI = frozenset({1, 2, 3, 4})
FIRST_MONDAY = date(2026, 1, 5)


def week_days(monday: date, skip: frozenset[date] = frozenset()) -> list[date]:
    return [monday + timedelta(days=n) for n in range(5) if monday + timedelta(days=n) not in skip]


def draft_week_by_week(
    people: list[Person], weeks: int, horizon_weeks: int, mode: str, skip: frozenset[date] = frozenset()
) -> list[tuple[date, PlanResult]]:
    held: list[tuple[int, date, str, bool]] = []
    drafts = []
    for n in range(weeks):
        monday = FIRST_MONDAY + timedelta(weeks=n)
        history = history_from(held=held, before=monday, horizon_weeks=horizon_weeks)
        result = solve(PlanRequest(days=week_days(monday, skip), people=people, history=history, mode=mode))  # type: ignore[arg-type]
        assert not result.problems
        held.extend(
            (pid, day, duty, (day, duty) in result.substitutes)
            for (day, duty), pid in sorted(result.cells.items())
            if pid is not None
        )
        drafts.append((monday, result))
    return drafts


def pair_weeks(drafts: list[tuple[date, PlanResult]]) -> dict[int, list[int]]:
    """Person id → the indices of the weeks they served in the pair."""
    served: dict[int, list[int]] = {}
    for n, (_monday, result) in enumerate(drafts):
        for pid in {pid for cell, pid in result.cells.items() if pid is not None and cell not in result.substitutes}:
            served.setdefault(pid, []).append(n)
    return served


def test_weekly_pairs_rotate_through_a_pool_whose_round_is_longer_than_the_horizon() -> None:
    # Twelve full-timers and a Mon–Wed pair of part-timers: a round is seven weeks, the
    # horizon three. Two people are away for a week when their turn would come.
    people = [Person(n, f"user{n:02d}", FULL) for n in range(1, 13)]
    people += [Person(13, "user13", MON_WED), Person(14, "user14", MON_WED)]
    away = {3: FIRST_MONDAY + timedelta(weeks=1), 9: FIRST_MONDAY + timedelta(weeks=8)}
    people = [Person(p.id, p.key, p.weekdays, frozenset(week_days(away[p.id]))) if p.id in away else p for p in people]
    drafts = draft_week_by_week(people, weeks=26, horizon_weeks=3, mode="weekly_pair")

    for cut in range(1, len(drafts) + 1):
        served = pair_weeks(drafts[:cut])
        turns = [len(served.get(p.id, [])) for p in people]
        # Everyone has had as many turns as everyone else, give or take the round in progress.
        assert max(turns) - min(turns) <= 1, f"after {cut} weeks: {turns}"
    served = pair_weeks(drafts)
    for person in people:
        weeks = served[person.id]
        assert weeks[0] <= 7, f"{person.key} waited {weeks[0]} weeks for a first turn"
        gaps = [b - a for a, b in itertools.pairwise(weeks)]
        assert max(gaps) <= 8, f"{person.key}: {weeks}"  # a round, and a week's absence


def test_a_small_group_of_part_timers_need_not_serve_together() -> None:
    # Two Tue–Fri people, one of them away every other week in the first months: with
    # counts over the horizon alone they could serve only together (one alone raises
    # their group's spread), so they waited for a week both were there.
    part = [
        Person(11, "user11", TUE_FRI),
        Person(
            12,
            "user12",
            TUE_FRI,
            frozenset(d for n in range(0, 20, 2) for d in week_days(FIRST_MONDAY + timedelta(weeks=n))),
        ),
    ]
    people = [Person(n, f"user{n:02d}", FULL) for n in range(1, 11)] + part
    drafts = draft_week_by_week(people, weeks=26, horizon_weeks=3, mode="weekly_pair")

    served = pair_weeks(drafts)
    turns = {p.id: len(served.get(p.id, [])) for p in people}
    assert max(turns.values()) - min(turns.values()) <= 1, turns
    assert served[11][0] <= 6


def week_pairs(drafts: list[tuple[date, PlanResult]]) -> list[frozenset[int]]:
    """Each week's pair: who held duties of their own."""
    return [
        frozenset(pid for cell, pid in result.cells.items() if pid is not None and cell not in result.substitutes)
        for _monday, result in drafts
    ]


@pytest.mark.parametrize("horizon_weeks", [3, 12])
def test_pairs_mix_from_round_to_round(horizon_weeks: int) -> None:
    # Six people, always there: a round is three weeks. By the queue alone, who served in
    # the same week keeps the same place, so the first round's pairs came back in every
    # round after it.
    people = [Person(n, f"user{n}", FULL) for n in range(1, 7)]
    drafts = draft_week_by_week(people, weeks=15, horizon_weeks=horizon_weeks, mode="weekly_pair")
    pairs = week_pairs(drafts)
    assert all(len(pair) == 2 for pair in pairs)

    # Fair as before: as many turns each, give or take the round in progress, and at most
    # one week more than a round between two turns (never two weeks running).
    for cut in range(1, len(drafts) + 1):
        turns = [len(pair_weeks(drafts[:cut]).get(p.id, [])) for p in people]
        assert max(turns) - min(turns) <= 1, f"after {cut} weeks: {turns}"
    for weeks in pair_weeks(drafts).values():
        assert all(2 <= b - a <= 4 for a, b in itertools.pairwise(weeks)), weeks
    # No pair serves together again within two rounds, and everyone's partners differ
    # over any three turns running.
    for n, pair in enumerate(pairs):
        assert pair not in pairs[max(0, n - 6) : n], f"week {n}: {sorted(pair)} in {pairs[max(0, n - 6) : n]}"
    for person in people:
        partners = [next(iter(pair - {person.id})) for pair in pairs if person.id in pair]
        for three in zip(partners, partners[1:], partners[2:], strict=False):
            assert len(set(three)) == 3, f"{person.key}: {partners}"


def test_the_daily_chain_rotates_through_a_pool_whose_round_is_longer_than_the_horizon() -> None:
    people = [Person(n, f"user{n:02d}", FULL) for n in range(1, 31)]
    good_friday = frozenset({date(2026, 4, 3)})
    drafts = draft_week_by_week(people, weeks=26, horizon_weeks=2, mode="daily", skip=good_friday)

    counts: Counter[int] = Counter()
    last: dict[int, date] = {}
    longest = 0
    for _monday, result in drafts:
        for (day, _duty), pid in sorted(result.cells.items()):
            assert pid is not None
            counts[pid] += 1
            longest = max(longest, (day - last.get(pid, FIRST_MONDAY)).days)
            last[pid] = day
        # A turn is two duties (phone, then standby): whoever has had it in the round in
        # progress is two ahead, never more.
        assert max(counts[p.id] for p in people) - min(counts[p.id] for p in people) <= 2, counts
    assert longest <= 7 * 7  # a round is 30 support days: six weeks and a bit


def test_history_from_counts_the_horizon_and_remembers_who_served_before_it() -> None:
    before = date(2026, 3, 2)
    held = [
        (1, date(2026, 2, 23), PHONE, False),  # last week
        (2, date(2026, 2, 23), STANDBY, False),
        (3, date(2026, 2, 24), PHONE, True),  # a substitute day
        (3, date(2026, 1, 12), PHONE, False),  # before the horizon
        (4, date(2025, 1, 5), PHONE, False),  # before the long run
        (5, date(2026, 3, 2), PHONE, False),  # the plan's own first day
    ]
    history = history_from(held=held, before=before, horizon_weeks=4)

    assert history.counts == {(1, PHONE): 1, (2, STANDBY): 1, (3, PHONE): 1}
    assert history.previous_day == {PHONE: 3}
    assert history.previous_week_pair == {1, 2, 3}
    assert history.last_served == {1: date(2026, 2, 23), 2: date(2026, 2, 23), 3: date(2026, 1, 12)}
    assert history.long_run_counts == {1: 1, 2: 1, 3: 2}
    assert history.pairs == {date(2026, 2, 23): {1, 2}, date(2026, 1, 12): {3}}


def test_a_part_time_pair_week_weighs_exactly_a_full_time_one() -> None:
    monday = FIRST_MONDAY
    shares = _shares(week_days(monday), [Person(1, "a", FULL), Person(2, "b", MON_WED), Person(3, "c", TUE_FRI)])
    assert 5 * shares[1] == 3 * shares[2] == 4 * shares[3]


def test_who_waited_longest_serves_next() -> None:
    people = [Person(n, f"user{n}", FULL) for n in range(1, 7)]
    history = History(
        last_served={
            1: date(2026, 2, 27),
            2: date(2026, 2, 27),
            3: date(2026, 1, 9),
            4: date(2026, 1, 30),
            5: date(2025, 12, 12),
            6: date(2026, 1, 30),
        },
        long_run_counts={pid: 5 for pid in range(1, 7)},
    )
    for mode in ("weekly_pair", "daily"):
        result = solve(PlanRequest(days=week_days(date(2026, 3, 2))[:1], people=people, history=history, mode=mode))  # type: ignore[arg-type]
        assert {result.cells[date(2026, 3, 2), PHONE], result.cells[date(2026, 3, 2), STANDBY]} == {5, 3}, mode
