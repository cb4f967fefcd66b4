"""The ``daily`` mode: a chain through the whole pool, today's standby is yesterday's phone duty."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from supportdesk.roster.planning.base import (
    _NEVER,
    DUTIES,
    PHONE,
    STANDBY,
    History,
    Person,
    PlanResult,
    _finish,
    _shares,
    _Tally,
)


def _solve_daily(days: list[date], people: list[Person], history: History) -> PlanResult:
    """A chain through the whole pool: today's standby is yesterday's phone duty.

    A turn in the chain is two duties (phone, then standby the next support day), so
    the chain alone leaves equally available people two duties apart when the plan ends
    in the middle of a round: whoever's turn came has two more than whoever's did not.
    Near the end the chain therefore breaks where that evens them out
    (:func:`_chain_standby`).
    """
    tally = _Tally(people, history)
    shares = _shares(days, people)
    rank = {p.id: n for n, p in enumerate(people)}
    classes: dict[frozenset[int], list[int]] = {}
    for person in people:
        classes.setdefault(person.weekdays, []).append(person.id)
    peers = {p.id: classes[p.weekdays] for p in people}
    last_day = {p.id: max((n for n, day in enumerate(days) if p.can_serve(day)), default=-1) for p in people}
    """Person id → index of the last day of the plan they can serve."""
    last_served: dict[int, int] = {pid: day.toordinal() for pid, day in history.last_served.items()}
    """Person id → the last day served, as an ordinal (the history's, then the plan's)."""
    yesterday: dict[str, int | None] = {duty: history.previous_day.get(duty) for duty in DUTIES}
    for holder in yesterday.values():
        if holder is not None:
            last_served[holder] = max(last_served.get(holder, _NEVER), days[0].toordinal() - 1)
    cells: dict[tuple[date, str], int | None] = {}

    def fairness(pid: int) -> tuple[int, int, int, int]:
        """Fewest duties so far relative to availability (:func:`_shares`), over the horizon
        and then over the long run, then longest since the last duty, then the key.

        A weekly draft of a large pool sees the same count for many people: who waited
        longest goes first, not who comes first by name (which would drift over a year).
        """
        return (
            tally.total[pid] * shares[pid],
            tally.long_run[pid] * shares[pid],
            last_served.get(pid, _NEVER),
            rank[pid],
        )

    for index, day in enumerate(days):
        available = [p.id for p in people if p.can_serve(day)]
        phone: int | None
        standby = yesterday[PHONE] if yesterday[PHONE] in available else None
        if standby is not None:
            rest = [pid for pid in available if pid != standby]
            phone = min(rest, key=fairness) if rest else None
            if phone is not None:
                standby = _chain_standby(
                    keep=standby,
                    phone=phone,
                    peers=peers[standby],
                    counts=tally.total,
                    later=[pid for pid in peers[standby] if last_day[pid] > index],
                    candidates=[pid for pid in available if pid not in (standby, phone, yesterday[STANDBY])],
                    days_left=len(days) - 1 - index,
                    plan_days=len(days),
                    fairness=fairness,
                )
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
                last_served[pid] = day.toordinal()
        yesterday = {PHONE: phone, STANDBY: standby}

    return _finish(days, cells, people, set())


def _lifts_needed(counts: dict[int, int], later: set[int]) -> int | None:
    """Duties the people of one group still need so that they end within one of each other.

    Each needs enough to reach one below the group's highest count; ``None`` if someone
    who needs one has no day left to serve (``later``: who has).
    """
    top = max(counts.values())
    needed = 0
    for pid, count in counts.items():
        if count < top - 1:
            if pid not in later:
                return None
            needed += top - 1 - count
    return needed


def _chain_standby(
    *,
    keep: int,
    phone: int,
    peers: list[int],
    counts: dict[int, int],
    later: list[int],
    candidates: list[int],
    days_left: int,
    plan_days: int,
    fairness: Callable[[int], tuple[int, int, int, int]],
) -> int:
    """Today's standby: yesterday's phone duty (``keep``), unless the chain must break.

    A turn in the chain is two duties, so equally available people (``peers``, the group
    of ``keep``, history included in ``counts``) end two apart when the plan ends in the
    middle of a round. Kept, each later day can lift one more of them by a duty (its phone
    duty); broken, two (phone and standby). The chain breaks, giving the standby to the
    fairest of the group who is behind ``keep`` (among ``candidates``, who can serve today
    and held neither duty yesterday), when keeping it leaves more to lift than there are
    days left and breaking does not. So it breaks only in the plan's last round, and only
    as often as the counts need.

    A plan shorter than a round of the group (a weekly draft of a large pool) keeps its
    chain: it cannot bring everyone within one duty without breaking it every day, and the
    history evens the counts out over the next plans.
    """
    if plan_days < len(peers):
        return keep
    kept = {pid: counts[pid] for pid in peers}
    kept[keep] += 1
    if phone in kept:
        kept[phone] += 1
    reachable = set(later)
    needed = _lifts_needed(kept, reachable)
    if needed is not None and needed <= days_left:
        return keep
    behind = [pid for pid in candidates if pid in kept and counts[pid] < counts[keep]]
    if not behind:
        return keep
    instead = min(behind, key=fairness)
    broken = dict(kept)
    broken[keep] -= 1
    broken[instead] += 1
    needed = _lifts_needed(broken, reachable)
    if needed is not None and needed <= 2 * days_left:
        return instead
    return keep
