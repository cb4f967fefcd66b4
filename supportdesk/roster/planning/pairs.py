"""The ``weekly_pair`` mode's queue term: turns taken before they are due, weighed against
pairing people again who served together recently.

Who served in the same week keeps the same place in the queue (:func:`weeks._due_weeks`),
so with the queue alone the pairs of one round would come back in the next, and in every
round after it. Each week's pair is therefore chosen by (lowest first) ``EARLY_WEIGHT`` ×
weeks someone serves before their turn is due, plus :data:`PAIR_PENALTIES` of the pair,
plus, in the plan's first week, what the choice leaves to the rest of the round
(:func:`_round_rest_costs`). Only someone who has not had more turns than anyone else
(their weeks in :attr:`History.pairs`) may come early for it; for anyone else a week
early weighs :data:`AHEAD_EARLY_WEIGHT`, more than any mixing could gain, and so does
passing over someone a second time (:func:`_passed_over`). So everyone still serves once
a round, the turns never differ by more than one, and nobody waits more than one week
longer than by the queue alone.
"""

from __future__ import annotations

import itertools
from collections import Counter
from functools import cache

from supportdesk.roster.planning.base import History

EARLY_WEIGHT = 2
"""A week of the turn of someone without more turns than the others coming early."""

AHEAD_EARLY_WEIGHT = 1000
"""A week early of someone with more turns than another of the plan's first week's
candidates, or someone passed over a second time: more than the pair costs of any plan,
so never traded for a mix."""

PAIR_PENALTIES = (3, 1)
"""What it weighs to pair two people again who served together at the last turn of one
of them, and at the turn before.

Against :data:`EARLY_WEIGHT`, a pair from someone's last turn is avoided at the price of
one person's turn coming one week early (3 > 2), never two (3 < 4); a pair from the turn
before only among people equally due (1 < 2).
"""

ROUND_REST_LIMIT = 10
"""Up to this many people left in a round (:func:`_round_rest_costs`) the first week
looks at how the rest can pair up."""

PairKey = tuple[int, int]
"""(smaller id, larger id)."""


def _pair_key(a: int, b: int) -> PairKey:
    return (a, b) if a < b else (b, a)


def _pair_penalties(history: History) -> dict[PairKey, int]:
    """:data:`PAIR_PENALTIES` of two people who served together at one of their last turns
    (missing: not recently, or never).

    The recency is taken at the plan's start: in a plan of several weeks it holds for
    every week of it (within the plan, :class:`weeks._Counts` counts pairs that come again).
    """
    turns: dict[int, dict[object, int]] = {}
    for monday in sorted(history.pairs, reverse=True):
        for pid in history.pairs[monday]:
            mine = turns.setdefault(pid, {})
            mine[monday] = len(mine)  # 0: the person's last turn
    penalties: dict[PairKey, int] = {}
    for monday, members in history.pairs.items():
        for a, b in itertools.combinations(sorted(members), 2):
            ago = min(turns[a][monday], turns[b][monday])
            if ago < len(PAIR_PENALTIES):
                penalties[a, b] = max(penalties.get((a, b), 0), PAIR_PENALTIES[ago])
    return penalties


def _round_rest_costs(behind: frozenset[int], penalties: dict[PairKey, int]) -> dict[PairKey, int]:
    """Pair of two in ``behind`` → the least :data:`PAIR_PENALTIES` the rest of ``behind``
    then pairs up with (one of an odd rest left over for the next round); missing: none.

    ``behind`` are those who have not had their turn in the current round. Choosing one
    week at a time, the last of them would otherwise be left to serve together however
    recently they did: of six people, after A+C (not A+B again) and B+D, only E+F remain.
    """

    @cache
    def best(rest: frozenset[int]) -> int:
        if len(rest) < 2:
            return 0
        first, *others = sorted(rest)
        options = [penalties.get((first, b), 0) + best(rest - {first, b}) for b in others]
        if len(rest) % 2:
            options.append(best(rest - {first}))
        return min(options)

    if not 2 <= len(behind) <= ROUND_REST_LIMIT:
        return {}
    costs: dict[PairKey, int] = {}
    for a, b in itertools.combinations(sorted(behind), 2):
        if cost := best(behind - {a, b}):
            costs[a, b] = cost
    return costs


def _passed_over(pid: int, history: History) -> bool:
    """Whether someone has served twice since ``pid``'s last turn: ``pid`` was passed over
    for a mix already and serves in the plan's first week (:data:`AHEAD_EARLY_WEIGHT`)."""
    mondays = sorted(history.pairs)
    last = max((monday for monday in mondays if pid in history.pairs[monday]), default=None)
    since = Counter(other for monday in mondays if last is None or monday > last for other in history.pairs[monday])
    return any(n >= 2 for other, n in since.items() if other != pid)


class _Mixing:
    """The queue term's costs of a plan (the module's docstring)."""

    def __init__(self, options: list[tuple[list[int], list[int]]], history: History, due: dict[int, int]) -> None:
        self.due = due
        self.penalties = _pair_penalties(history)
        turns = Counter(pid for members in history.pairs.values() for pid in members)
        first = set(options[0][0] + options[0][1]) if options else set()
        least = min((turns[pid] for pid in first), default=0)
        self.ahead = frozenset(pid for pid in first if turns[pid] > least)
        self.first_week = _round_rest_costs(frozenset(first - self.ahead), self.penalties) if self.penalties else {}
        self.overdue = frozenset(pid for pid in first if _passed_over(pid, history))

    def early(self, w: int, pid: int) -> int:
        """The cost of ``pid`` serving in week ``w`` by the queue."""
        weeks = max(0, self.due.get(pid, 0) - w)
        return weeks * (AHEAD_EARLY_WEIGHT if pid in self.ahead else EARLY_WEIGHT)

    def missed(self, pid: int) -> int:
        """The cost of ``pid`` not serving in the plan's first week."""
        return AHEAD_EARLY_WEIGHT if pid in self.overdue else 0

    def pair(self, w: int, key: PairKey) -> int:
        """The cost of the pair ``key`` serving in week ``w``."""
        return self.penalties.get(key, 0) + (self.first_week.get(key, 0) if w == 0 else 0)

    def pairs(self, w: int) -> set[PairKey]:
        """The pairs that cost something in week ``w``."""
        return set(self.penalties) | (set(self.first_week) if w == 0 else set())
