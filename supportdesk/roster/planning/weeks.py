"""The ``weekly_pair`` mode's pairs without the solver: the weeks, each week's candidates,
the greedy plan (the solver's start hint and fallback) and the local search that polishes it."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from supportdesk.roster.planning.base import History, Person, _compared, _Tally
from supportdesk.roster.planning.pairs import _Mixing, _pair_key


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


def _follows(weeks: list[_Week], w: int) -> bool:
    """Whether week ``w`` directly follows the week before it (the first: the history's)."""
    return w == 0 or (weeks[w].monday - weeks[w - 1].monday).days == 7


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


def _due_weeks(
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
    shares: dict[int, int],
) -> dict[int, int]:
    """Person id → the week of the plan (0: the first) from which their turn is due.

    The people who can be in a pair queue by the last day they served on their own
    (never, or before the history's long run, first), then by fewer duties over the long
    run relative to availability; two people a week, so the ``n``-th in the queue is due
    in week ``n // 2``. Equal places share the earlier week, so with no history at all
    everyone is due at once and the queue decides nothing.

    This matters when a rotation round is longer than the fairness horizon (a weekly
    draft of a large pool): most people then have no duty inside the horizon, the counts
    tie, and without the queue the choice among them would drift to the same people.
    :func:`_due_cost` turns the queue into the cost of serving early.
    """
    candidates = {pid for forced, pool in options for pid in forced + pool}

    def place(person: Person) -> tuple[date, int]:
        last = history.last_served.get(person.id, date.min)
        return last, history.long_run_counts.get(person.id, 0) * shares[person.id]

    queue = sorted((place(p), p.id) for p in people if p.id in candidates)
    due: dict[int, int] = {}
    for n, (key, pid) in enumerate(queue):
        due[pid] = due[queue[n - 1][1]] if n and queue[n - 1][0] == key else n // 2
    return due


def _due_cost(due: dict[int, int], w: int, pid: int) -> int:
    """Weeks by which ``pid`` serving in week ``w`` comes before their turn is due."""
    return max(0, due.get(pid, 0) - w)


def _greedy_pairs(
    weeks: list[_Week],
    options: list[tuple[list[int], list[int]]],
    people: list[Person],
    history: History,
    shares: dict[int, int],
    due: dict[int, int],
) -> list[tuple[int, int]]:
    """A good deterministic plan of pairs: the CP-SAT start hint, and the fallback.

    Longest weeks first, each to the people with the fewest duties so far relative to
    their availability (history included, :func:`_shares`) who did not serve the week
    before or after: "longest job to the least loaded", which leaves the short weeks to
    even out the counts. Ties go to whose turn is due (:func:`_due_weeks`), fewer
    part-time off-days, then the stable key.
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
                    _due_cost(due, w, pid),
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
    of counts weighted by :func:`_shares`; ``queue`` adds up the :class:`_Mixing` costs
    of the pairs (turns early, pairs who served together recently), ``off`` counts their
    part-time off-days, and ``repeats`` the pairs that serve again within the plan (each
    time after the first; part of :meth:`value` only with ``vary``). ``pairs`` is the
    caller's list of each week's pair, read after each change.
    """

    def __init__(
        self,
        weeks: list[_Week],
        options: list[tuple[list[int], list[int]]],
        people: list[Person],
        history: History,
        shares: dict[int, int],
        mixing: _Mixing,
        pairs: list[set[int]],
        *,
        vary: bool,
    ) -> None:
        self.weeks = weeks
        self.shares = shares
        self.mixing = mixing
        self.pairs = pairs
        self.vary = vary
        self.count = dict(_Tally(people, history).total)
        can_pair = {pid for forced, pool in options for pid in forced + pool}
        compared = _compared(people, history, self.count)
        groups: dict[frozenset[int], list[int]] = {}
        for person in people:
            groups.setdefault(person.weekdays, []).append(person.id)
        # Each spread: (members for the max, members for the min); someone who can't be
        # in any pair (away all along) only caps the maximum, and so does someone the
        # spreads don't compare (:func:`_compared`). A group without anyone compared has
        # no spread; the one over everyone (the weighted one) always comes last.
        self.spreads: list[tuple[list[int], list[int]]] = []
        everyone = [p.id for p in people]
        for members in [*(m for m in groups.values() if len(m) > 1), everyone]:
            below = [pid for pid in members if pid in compared]
            if below or members is everyone:
                below = below or members
                self.spreads.append((members, [pid for pid in below if pid in can_pair] or below))
        self.off = 0
        self.queue = 0
        self.together: Counter[tuple[int, int]] = Counter()
        self.repeats = 0
        for w, pair in enumerate(pairs):
            for pid in pair:
                self.count[pid] += weeks[w].serve_days(pid)
                self.off += weeks[w].off_days(pid)
                self.queue += mixing.early(w, pid)
            self._pair(w, _pair_key(*pair), 1)
        self.queue += sum(mixing.missed(pid) for pid in mixing.overdue if not pairs or pid not in pairs[0])
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

    def _pair(self, w: int, key: tuple[int, int], delta: int) -> None:
        """Count the pair ``key`` serving in week ``w`` (``delta`` 1) or no more (−1)."""
        self.queue += delta * self.mixing.pair(w, key)
        before = self.together[key]
        self.together[key] = before + delta
        self.repeats += max(0, before + delta - 1) - max(0, before - 1)

    def value(self) -> tuple[int, int, int, int, int, int]:
        """(turns before they are due and recent pairs, spread within the groups, weighted
        spread over everyone, part-time off-days, pairs again within the plan, sum of
        squared weighted counts)."""
        repeats = self.repeats if self.vary else 0
        return self.queue, sum(self.width[:-1]), self.width[-1], self.off, repeats, self.squares

    def move(self, w: int, out: int, into: int) -> None:
        """``into`` took ``out``'s place in week ``w`` (``pairs[w]`` already changed)."""
        touched: set[int] = set()
        last = len(self.spreads) - 1
        (partner,) = self.pairs[w] - {into}
        self._pair(w, _pair_key(partner, out), -1)
        self._pair(w, _pair_key(partner, into), 1)
        self.off += self.weeks[w].off_days(into) - self.weeks[w].off_days(out)
        self.queue += self.mixing.early(w, into) - self.mixing.early(w, out)
        if w == 0:
            self.queue += self.mixing.missed(out) - self.mixing.missed(into)
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
    due: dict[int, int],
    pairs: list[tuple[int, int]],
    deadline: float,
    max_moves: int = 2000,
    *,
    vary: bool = False,
) -> list[tuple[int, int]]:
    """Local search on the pairs, for the fairness CP-SAT may not reach in its time.

    A move replaces a pair member by another of the week's options, or swaps members
    of two weeks. It is taken when it does not add weeks running
    and makes (turns before they are due and pairs who served together recently
    (:class:`_Mixing`), spread
    within the groups, weighted spread over everyone, part-time off-days, pairs serving
    again within the plan, sum of squared weighted counts) smaller (:meth:`_Counts.value`);
    the last term evens counts out where the spreads are on a plateau. Pairs serving again
    within the plan count only with ``vary``: the final pass, from a plan already
    polished without them, so that the search for fairness takes the same path as it
    would without them.
    Deterministic: fixed order, at most ``max_moves`` moves; the wall-clock ``deadline``
    (``time.monotonic()``) is only a safety net for very large requests.
    """
    rank = {p.id: n for n, p in enumerate(people)}
    chosen = [set(pair) for pair in pairs]
    pools = [set(pool) for _, pool in options]
    counts = _Counts(weeks, options, people, history, shares, _Mixing(options, history, due), chosen, vary=vary)
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
