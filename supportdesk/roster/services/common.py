"""What the roster's writes share: the coordinator check, eligibility, applying and recording plan changes."""

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_coordinators
from supportdesk.core.exceptions import PermissionDenied
from supportdesk.notifications.services import notify_many
from supportdesk.roster import selectors
from supportdesk.roster.exceptions import NotEligible
from supportdesk.roster.models import (
    Assignment,
    AssignmentChange,
    ChangeReason,
    PoolMember,
    RosterWeek,
    SwapStatus,
)

logger = logging.getLogger(__name__)


def _day(day: date) -> str:
    """A date as the active language writes it (``30.11.2026`` in German), for messages."""
    return date_format(day, "SHORT_DATE_FORMAT")


def _require_coordinator(actor: User | None) -> None:
    """``None`` is the system itself (the scheduler)."""
    if actor is not None and not actor.is_coordinator:
        raise PermissionDenied(_("Only a coordinator may change the roster."))


def _check_eligible(*, user: User, day: date) -> None:
    membership = PoolMember.objects.filter(user=user, active=True).first()
    if membership is None:
        raise NotEligible(_("%(name)s is not in the afternoon pool.") % {"name": user.name})
    if day.weekday() not in membership.weekdays:
        raise NotEligible(_("%(name)s does not work on that weekday.") % {"name": user.name})
    if selectors.user_is_absent(user=user, day=day):
        raise NotEligible(_("%(name)s is absent on %(day)s.") % {"name": user.name, "day": _day(day)})


Move = tuple[Assignment, User | None, User | None]
"""A cell, its holder before and after."""


def _cells_reassign(*, targets: Sequence[tuple[Assignment, User | None]]) -> list[Move]:
    """Give each (locked) cell its new holder.

    Cells that change are emptied first, so that two holders of a day can trade
    without passing through a state the one-duty-per-person-and-day constraint forbids.
    """
    moves: list[Move] = [
        (cell, cell.user, user) for cell, user in targets if cell.user_id != (user.pk if user else None)
    ]
    for cell, _before, _after in moves:
        if cell.user_id is not None:
            cell.user = None
            cell.save(update_fields=["user", "updated_at"])
    for cell, _before, after in moves:
        cell.user = after
        cell.is_substitute = False
        cell.save(update_fields=["user", "is_substitute", "updated_at"])
    return moves


def _changes_record(
    *,
    moves: Sequence[Move],
    actor: User | None,
    now: datetime,
    reason: str = "",
    reason_code: ChangeReason = ChangeReason.NOTE,
    reason_params: Mapping[str, str | int] | None = None,
    notify_template: str | None = "roster/assignment_changed",
) -> None:
    """Record changes of published weeks: one new version per week, one row per cell, notices.

    The reason is a code with parameters (worded for each reader by
    ``selectors.change_reason_text``), or a note: the coordinator's own words in ``reason``.
    Drafts change silently: they are published (and announced) as a whole later.
    Open swap requests and offers for the changed cells no longer fit the plan and expire.
    """
    note = reason.strip()[:300] if reason_code == ChangeReason.NOTE else ""
    changed = [(c.date, c.duty_id) for c, before, after in moves if before != after]
    for stale in selectors.open_swap_requests_for_cells(changed):
        stale.status = SwapStatus.EXPIRED
        stale.decided_at = now
        stale.save(update_fields=["status", "decided_at"])
    by_week: dict[int, list[Move]] = defaultdict(list)
    for move in moves:
        by_week[move[0].week_id].append(move)
    weeks = {w.pk: w for w in RosterWeek.objects.select_for_update().filter(pk__in=by_week)}
    for week_id, week_moves in sorted(by_week.items()):
        week = weeks[week_id]
        if not week.is_published:
            continue
        week.version += 1
        week.save(update_fields=["version"])
        for cell, before, after in week_moves:
            AssignmentChange.objects.create(
                week=week,
                date=cell.date,
                duty=cell.duty,
                old_user=before,
                new_user=after,
                changed_by=actor,
                changed_at=now,
                reason_code=reason_code,
                reason_params=dict(reason_params or {}),
                reason=note,
                version=week.version,
            )
        if notify_template is None:
            continue
        by_day: dict[date, list[Move]] = defaultdict(list)
        for move in week_moves:
            by_day[move[0].date].append(move)
        for day, day_moves in sorted(by_day.items()):
            notify_many(
                recipients={u for _c, b, a in day_moves for u in (b, a) if u is not None},
                template=notify_template,
                context={
                    "day": day,
                    "changes": [(c.duty, b, a) for c, b, a in day_moves],
                    "actor": actor,
                    "reason": note,
                },
            )


def _check_moves(*, targets: Sequence[tuple[Assignment, User | None]]) -> None:
    """The rules for anyone put on a duty by a swap, takeover or offer.

    Eligible that day (pool, weekday, not absent), and never both duties of a
    day, unless the cell they hold that day changes hands in the same move
    (the day's two holders trade).
    """
    moving = {cell.pk for cell, _user in targets}
    for cell, user in targets:
        if user is None:
            continue
        _check_eligible(user=user, day=cell.date)
        clash = Assignment.objects.filter(date=cell.date, user=user).exclude(pk=cell.pk).exclude(pk__in=moving).first()
        if clash is not None:
            raise NotEligible(
                _("%(name)s already holds the other duty on %(day)s.") % {"name": user.name, "day": _day(cell.date)}
            )


def _cell_locked(*, day: date, duty_id: int) -> Assignment | None:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("duty", "week", "user")
        .filter(date=day, duty_id=duty_id)
        .first()
    )


def _coordinators_on(*, day: date) -> list[User]:
    """Who gets the coordinator's notices on ``day``: the deputy while the coordinators are absent (R1)."""
    return user_list_coordinators(day=day)
