"""Writes of the roster: generate, edit and publish plans; calendar settings; feeds."""

import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_get_mailbox_head, user_list_coordinators
from supportdesk.core.exceptions import Conflict, DomainError, PermissionDenied
from supportdesk.notifications.services import notify_many
from supportdesk.roster import business_hours as bh
from supportdesk.roster import ical_import, planning, selectors
from supportdesk.roster.exceptions import NotEligible, ReasonRequired, WeekAlreadyPublished
from supportdesk.roster.models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentChange,
    ClosingDay,
    Duty,
    FeedToken,
    PlanVersion,
    PoolMember,
    ReminderKind,
    ReminderSent,
    RosterSettings,
    RosterWeek,
    SupportWindow,
    SwapKind,
    SwapRequest,
    SwapStatus,
    WeekStatus,
)

logger = logging.getLogger(__name__)


def _require_coordinator(actor: User | None) -> None:
    """``None`` is the system itself (the scheduler)."""
    if actor is not None and not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator may change the roster.")


@dataclass
class GenerateReport:
    start: date
    end: date
    weeks: list[RosterWeek] = field(default_factory=list)
    skipped_published: list[date] = field(default_factory=list)
    problems: list[planning.Problem] = field(default_factory=list)
    """Each day and duty that could not be filled, with the reason."""

    @property
    def complete(self) -> bool:
        return not self.problems


def _history(*, before: date, horizon_weeks: int, cal: bh.SupportCalendar) -> planning.History:
    start = before - timedelta(weeks=horizon_weeks)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    weekday_counts: dict[tuple[int, int], int] = defaultdict(int)
    last_day: date | None = None
    by_day: dict[date, dict[str, int]] = defaultdict(dict)
    for user_id, day, code in Assignment.objects.filter(
        date__gte=start, date__lt=before, user__isnull=False
    ).values_list("user_id", "date", "duty__code"):
        counts[(user_id, code)] += 1
        weekday_counts[(user_id, day.weekday())] += 1
        by_day[day][code] = user_id
        last_day = day if last_day is None or day > last_day else last_day
    previous_day = by_day[last_day] if last_day else {}
    previous_week = bh.week_start(before) - timedelta(weeks=1)
    previous_pair = frozenset(
        uid for day, holders in by_day.items() if bh.week_start(day) == previous_week for uid in holders.values()
    )
    return planning.History(
        counts=dict(counts),
        weekday_counts=dict(weekday_counts),
        previous_day=dict(previous_day),
        previous_week_pair=previous_pair,
    )


@transaction.atomic
def plan_generate(*, actor: User | None, start: date, end: date, now: datetime | None = None) -> GenerateReport:
    """Draft the plan for every unpublished week between ``start`` and ``end``.

    Published weeks are left as they are (change them cell by cell). Days that
    cannot be filled stay open and are named in the report and on the week.
    """
    _require_coordinator(actor)
    now = now or timezone.now()
    cal = selectors.support_calendar()
    cfg = selectors.roster_settings_get()
    first_week, last_week = bh.week_start(start), bh.week_start(end)
    report = GenerateReport(start=first_week, end=last_week + timedelta(days=6))
    weeks: dict[date, RosterWeek] = {}
    monday = first_week
    while monday <= last_week:
        week, _created = RosterWeek.objects.select_for_update().get_or_create(week_start=monday)
        if week.is_published:
            report.skipped_published.append(monday)
        else:
            weeks[monday] = week
        monday += timedelta(weeks=1)
    if not weeks:
        return report

    plan_start, plan_end = min(weeks), max(weeks) + timedelta(days=6)
    days = [d for d in bh.support_days(cal, plan_start, plan_end) if bh.week_start(d) in weeks]
    absent = selectors.absent_days_by_user(start=plan_start, end=plan_end)
    members = list(selectors.pool_members())
    people = [
        planning.Person(
            id=m.user_id,
            key=m.user.username,
            weekdays=frozenset(m.weekdays),
            absent=frozenset(absent.get(m.user_id, set())),
        )
        for m in members
    ]
    request = planning.PlanRequest(
        days=days,
        people=people,
        history=_history(before=plan_start, horizon_weeks=cfg.fairness_horizon_weeks, cal=cal),
        mode=cfg.rotation_mode,  # type: ignore[arg-type]
    )
    result = planning.solve(request)

    duties = {d.code: d for d in selectors.duty_list()}
    Assignment.objects.filter(week__in=weeks.values()).delete()
    Assignment.objects.bulk_create(
        Assignment(
            week=weeks[bh.week_start(day)],
            date=day,
            duty=duties[code],
            user_id=user_id,
            is_substitute=(day, code) in result.substitutes,
        )
        for (day, code), user_id in sorted(result.cells.items())
        if code in duties
    )
    problems_by_week: dict[date, list[dict[str, str]]] = defaultdict(list)
    for problem in result.problems:
        problems_by_week[bh.week_start(problem.date)].append(
            {"date": problem.date.isoformat(), "duty": problem.duty, "reason": problem.reason}
        )
    for monday, week in weeks.items():
        week.problems = problems_by_week.get(monday, [])
        week.drafted_at = now
        week.save(update_fields=["problems", "drafted_at"])
        report.weeks.append(week)
    report.problems = list(result.problems)
    logger.info("drafted %d week(s) from %s, %d open cell(s)", len(weeks), plan_start, len(result.problems))
    return report


def week_draft_next(*, now: datetime | None = None) -> GenerateReport:
    """The weekly job (R9): draft the week after ``now`` unless it is already published.

    The scheduler passes the job's slot as ``now``, so a late run still drafts the right week.
    """
    now = now or timezone.now()
    monday = bh.week_start(selectors.today(now)) + timedelta(weeks=1)
    return plan_generate(actor=None, start=monday, end=monday + timedelta(days=6), now=now)


def _check_eligible(*, user: User, day: date) -> None:
    membership = PoolMember.objects.filter(user=user, active=True).first()
    if membership is None:
        raise NotEligible(f"{user.name} is not in the afternoon pool.")
    if day.weekday() not in membership.weekdays:
        raise NotEligible(f"{user.name} does not work on that weekday.")
    if selectors.user_is_absent(user=user, day=day):
        raise NotEligible(f"{user.name} is absent on {day:%d.%m.%Y}.")


@transaction.atomic
def assignment_set(
    *,
    actor: User,
    day: date,
    duty: Duty,
    user: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> Assignment:
    """Put ``user`` (or nobody) on ``duty`` on ``day``.

    If ``user`` holds the day's other duty, the two holders trade. A change to a
    published week needs a reason, bumps the week's version and is recorded.
    """
    _require_coordinator(actor)
    now = now or timezone.now()
    cal = selectors.support_calendar()
    if not bh.is_support_day(cal, day):
        raise NotEligible(f"{day:%d.%m.%Y} has no support window.")
    week, _created = RosterWeek.objects.select_for_update().get_or_create(week_start=bh.week_start(day))
    if week.is_published and not reason.strip():
        raise ReasonRequired("A change to a published plan needs a reason.")
    cells = {a.duty_id: a for a in Assignment.objects.select_for_update().filter(date=day)}
    cell = cells.get(duty.pk) or Assignment(week=week, date=day, duty=duty)
    old_user = cell.user
    if user is not None and user == old_user:
        return cell
    changes: list[tuple[Assignment, User | None, User | None]] = []
    other = None
    if user is not None:
        _check_eligible(user=user, day=day)
        other = next((a for a in cells.values() if a.duty_id != duty.pk and a.user_id == user.pk), None)
        if other is not None:
            # The day's two holders trade duties: free the other cell first (unique per person and day).
            other.user = None
            other.save(update_fields=["user", "updated_at"])
    cell.user = user
    cell.is_substitute = False
    cell.save()
    changes.append((cell, old_user, user))
    if user is not None and other is not None:
        other.user = old_user
        other.is_substitute = False
        other.save(update_fields=["user", "is_substitute", "updated_at"])
        changes.append((other, user, old_user))

    _changes_record(moves=changes, actor=actor, reason=reason, now=now)
    return cell


@transaction.atomic
def week_publish(*, actor: User, week: RosterWeek, now: datetime | None = None) -> RosterWeek:
    """Publish a week (R9): snapshot it as a new version and tell everyone on it."""
    _require_coordinator(actor)
    now = now or timezone.now()
    week = RosterWeek.objects.select_for_update().get(pk=week.pk)
    if week.is_published:
        raise WeekAlreadyPublished(f"The week of {week.week_start:%d.%m.%Y} is already published (v{week.version}).")
    assignments = list(week.assignments.select_related("duty", "user").order_by("date", "duty__order"))
    week.status = WeekStatus.PUBLISHED
    week.version += 1
    week.published_at = now
    week.published_by = actor
    week.save(update_fields=["status", "version", "published_at", "published_by"])
    PlanVersion.objects.create(
        week=week,
        version=week.version,
        snapshot=[
            {"date": a.date.isoformat(), "duty": a.duty.code, "username": a.user.username if a.user else None}
            for a in assignments
        ],
        published_at=now,
        published_by=actor,
    )
    by_user: dict[User, list[Assignment]] = defaultdict(list)
    for a in assignments:
        if a.user is not None:
            by_user[a.user].append(a)
    for user, duties in by_user.items():
        notify_many(
            recipients=[user],
            template="roster/week_published",
            context={"week": week, "duties": duties, "actor": actor},
        )
    logger.info("week %s published as v%d by %s", week.week_start, week.version, actor.username)
    return week


@transaction.atomic
def closing_day_add(*, actor: User, day: date, name: str) -> ClosingDay:
    _require_coordinator(actor)
    closing, _created = ClosingDay.objects.update_or_create(date=day, defaults={"name": name})
    transaction.on_commit(selectors.support_calendar_invalidate)
    return closing


@transaction.atomic
def closing_day_remove(*, actor: User, closing_day: ClosingDay) -> None:
    _require_coordinator(actor)
    closing_day.delete()
    transaction.on_commit(selectors.support_calendar_invalidate)


@transaction.atomic
def pool_member_set(*, actor: User, user: User, weekdays: list[int], active: bool) -> PoolMember:
    _require_coordinator(actor)
    weekdays = sorted({int(d) for d in weekdays if 0 <= int(d) <= 6})
    member, _created = PoolMember.objects.update_or_create(user=user, defaults={"weekdays": weekdays, "active": active})
    return member


@transaction.atomic
def feed_token_renew(*, actor: User, team: bool = False) -> FeedToken:
    """Give ``actor`` (or, for a coordinator, the team) a new feed URL; the old one stops working."""
    if team:
        _require_coordinator(actor)
    owner = None if team else actor
    (FeedToken.objects.filter(user__isnull=True) if owner is None else FeedToken.objects.filter(user=owner)).delete()
    return FeedToken.objects.create(user=owner, token=FeedToken.generate())


@transaction.atomic
def feed_token_ensure(*, user: User | None) -> FeedToken:
    token = selectors.feed_token_for(user=user)
    if token is None:
        token = FeedToken.objects.create(user=user, token=FeedToken.generate())
    return token


@transaction.atomic
def support_window_set(*, actor: User, weekday: int, start: time, end: time, active: bool) -> SupportWindow:
    _require_coordinator(actor)
    if not 0 <= weekday <= 6:
        raise NotEligible("Weekday must be between Monday (0) and Sunday (6).")
    if end <= start:
        raise NotEligible("The window must end after it starts.")
    window, _created = SupportWindow.objects.update_or_create(
        weekday=weekday, defaults={"start": start, "end": end, "active": active}
    )
    transaction.on_commit(selectors.support_calendar_invalidate)
    return window


ROSTER_SETTINGS_FIELDS = (
    "core_start",
    "core_end",
    "core_weekdays",
    "holiday_state",
    "rotation_mode",
    "fairness_horizon_weeks",
    "draft_weekday",
    "draft_time",
    "vacation_reminder_days",
    "open_duty_notice_minutes",
)


@transaction.atomic
def roster_settings_update(*, actor: User, **values: object) -> RosterSettings:
    """Change the calendar and planning rules; unknown keys are refused."""
    _require_coordinator(actor)
    unknown = set(values) - set(ROSTER_SETTINGS_FIELDS)
    if unknown:
        raise NotEligible(f"Unknown settings: {', '.join(sorted(unknown))}.")
    cfg = selectors.roster_settings_get()
    for name, value in values.items():
        setattr(cfg, name, value)
    cfg.full_clean()
    cfg.save(update_fields=list(values))
    transaction.on_commit(selectors.support_calendar_invalidate)
    return cfg


# --- Plan changes shared by the coordinator, swaps and sick reports ------------------------------


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
    reason: str,
    now: datetime,
    notify_template: str | None = "roster/assignment_changed",
) -> None:
    """Record changes of published weeks: one new version per week, one row per cell, notices.

    Drafts change silently: they are published (and announced) as a whole later.
    Open swap requests and offers for the changed cells no longer fit the plan and expire.
    """
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
                reason=reason.strip()[:300],
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
                    "reason": reason,
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
            raise NotEligible(f"{user.name} already holds the other duty on {cell.date:%d.%m.%Y}.")


def _cell_locked(*, day: date, duty_id: int) -> Assignment | None:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("duty", "week", "user")
        .filter(date=day, duty_id=duty_id)
        .first()
    )


# --- Absences (R6, R7) -----------------------------------------------------------------------------

MAX_ABSENCE_DAYS = 366


def _absence_validate(*, user: User, kind: str, start: date, end: date, exclude_pk: int | None = None) -> None:
    if kind not in AbsenceKind.values:
        raise DomainError(f"Unknown kind of absence {kind!r}; use one of {', '.join(AbsenceKind.values)}.")
    if end < start:
        raise DomainError(f"The absence ends ({end:%d.%m.%Y}) before it starts ({start:%d.%m.%Y}).")
    if (end - start).days >= MAX_ABSENCE_DAYS:
        raise DomainError(f"An absence may last at most {MAX_ABSENCE_DAYS} days.")
    overlapping = selectors.absence_overlapping(user=user, start=start, end=end, exclude_pk=exclude_pk)
    if overlapping is not None:
        raise Conflict(
            f"{user.name} is already absent from {overlapping.start:%d.%m.%Y} to {overlapping.end:%d.%m.%Y}; "
            "absences of one person may not overlap."
        )


def _absence_hits(*, absence: Absence) -> list[list[str]]:
    held = Assignment.objects.filter(user_id=absence.user_id, date__gte=absence.start, date__lte=absence.end)
    hits = {(d.isoformat(), code) for d, code in held.values_list("date", "duty__code")}
    # Duties hit earlier (and since opened or covered) stay part of the absence while inside it.
    hits |= {(d, code) for d, code in absence.duties_hit if absence.start <= date.fromisoformat(d) <= absence.end}
    return [list(h) for h in sorted(hits)]


def _absence_free_duties(*, absence: Absence, actor: User | None, now: datetime) -> list[Assignment]:
    """A sick report (R7): open the person's duties at once and ask the fairest substitutes."""
    cells = list(
        Assignment.objects.select_for_update(of=("self",))
        .select_related("duty", "week", "user")
        .filter(user_id=absence.user_id, date__gte=absence.start, date__lte=absence.end)
        .order_by("date", "duty__order")
    )
    if not cells:
        return []
    for stale in selectors.open_swap_requests_for_cells((c.date, c.duty_id) for c in cells):
        stale.status = SwapStatus.WITHDRAWN
        stale.decided_at = now
        stale.decided_by = actor
        stale.save(update_fields=["status", "decided_at", "decided_by"])
    moves = _cells_reassign(targets=[(c, None) for c in cells])
    _changes_record(
        moves=moves,
        actor=actor,
        reason=f"Reported sick ({absence.start:%d.%m.%Y}–{absence.end:%d.%m.%Y})",
        now=now,
        notify_template=None,
    )
    today = selectors.today(now)
    offers = [_offer_open_duty(cell=c, absence=absence, now=now) for c in cells if c.date >= today]
    notify_many(
        recipients=_coordinators_on(day=selectors.today(now)),
        template="roster/duty_opened",
        context={"absent": absence.user, "cells": cells, "offers": offers},
    )
    logger.info("sick report %s opened %d duty(ies), %d offer(s)", absence.pk, len(cells), len(offers))
    return cells


@transaction.atomic
def absence_create(
    *,
    actor: User | None,
    user: User,
    kind: str,
    start: date,
    end: date,
    note: str = "",
    external_uid: str = "",
    now: datetime | None = None,
) -> Absence:
    """Enter an absence (the person or a coordinator; ``actor`` None is the system).

    It records the duties it hits. A vacation or other absence keeps them with the
    person until someone takes them (R6: the absence is ``cover_missing`` until then);
    a sick report opens them at once and offers them to the fairest substitutes (R7).
    """
    if actor is not None and actor.pk != user.pk and not actor.is_coordinator:
        raise PermissionDenied("Only the person or a coordinator may enter an absence.")
    now = now or timezone.now()
    # Serialise absences of one person, so that two overlapping ones cannot both pass the check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    _absence_validate(user=user, kind=kind, start=start, end=end)
    absence = Absence(
        user=user, kind=kind, start=start, end=end, note=note[:200], external_uid=external_uid, created_by=actor
    )
    absence.duties_hit = _absence_hits(absence=absence)
    absence.save()
    if kind == AbsenceKind.SICK:
        _absence_free_duties(absence=absence, actor=actor, now=now)
    logger.info("absence %s (%s) for %s, %d duty(ies) hit", absence.pk, kind, user.username, len(absence.duties_hit))
    return absence


@transaction.atomic
def absence_update_dates(
    *, actor: User | None, absence: Absence, start: date, end: date, now: datetime | None = None
) -> Absence:
    """Move an absence (a re-imported calendar event); a sick report opens newly hit duties."""
    if actor is not None and actor.pk != absence.user_id and not actor.is_coordinator:
        raise PermissionDenied("Only the person or a coordinator may change an absence.")
    now = now or timezone.now()
    absence = Absence.objects.select_for_update(of=("self",)).select_related("user").get(pk=absence.pk)
    _absence_validate(user=absence.user, kind=absence.kind, start=start, end=end, exclude_pk=absence.pk)
    absence.start, absence.end = start, end
    absence.duties_hit = _absence_hits(absence=absence)
    absence.save(update_fields=["start", "end", "duties_hit"])
    if absence.kind == AbsenceKind.SICK:
        _absence_free_duties(absence=absence, actor=actor, now=now)
    return absence


# --- Swaps and takeovers (R5), offers of open duties (R7) ------------------------------------------


def _offer_open_duty(*, cell: Assignment, absence: Absence | None, now: datetime) -> SwapRequest:
    """Ask everyone eligible, fairest first, to take an open duty; the first to accept takes it."""
    candidates = selectors.substitute_candidates(
        day=cell.date, duty_code=cell.duty.code, exclude=[absence.user_id] if absence else []
    )
    offer = SwapRequest.objects.create(
        requester=None,
        kind=SwapKind.TAKEOVER,
        date=cell.date,
        duty=cell.duty,
        absence=absence,
        offered_to=[u.pk for u in candidates],
        token=SwapRequest.generate_token(),
        created_at=now,
    )
    notify_many(recipients=candidates, template="roster/swap_requested", context={"request": offer})
    return offer


@transaction.atomic
def duty_offer_create(*, actor: User | None, day: date, duty: Duty, now: datetime | None = None) -> SwapRequest:
    """A coordinator (or the system) offers an open duty to everyone eligible."""
    _require_coordinator(actor)
    now = now or timezone.now()
    cell = _cell_locked(day=day, duty_id=duty.pk)
    if cell is None or cell.user_id is not None:
        raise DomainError(f"{duty.name} on {day:%d.%m.%Y} is not open.")
    if SwapRequest.objects.filter(date=day, duty=duty, status=SwapStatus.OPEN).exists():
        raise Conflict(f"{duty.name} on {day:%d.%m.%Y} is already offered.")
    return _offer_open_duty(cell=cell, absence=None, now=now)


def _check_not_past(*, day: date, now: datetime) -> None:
    if day < selectors.today(now):
        raise DomainError(f"{day:%d.%m.%Y} has passed; the request has expired.")


@transaction.atomic
def swap_request_create(
    *,
    actor: User,
    day: date,
    duty: Duty,
    kind: str = SwapKind.TAKEOVER,
    candidate: User | None = None,
    target_day: date | None = None,
    target_duty: Duty | None = None,
    note: str = "",
    now: datetime | None = None,
) -> SwapRequest:
    """Ask a colleague (``candidate``) or everyone eligible to take over or swap one of my duties (R5)."""
    now = now or timezone.now()
    if kind not in SwapKind.values:
        raise DomainError(f"Unknown kind {kind!r}; use takeover or swap.")
    _check_not_past(day=day, now=now)
    cell = _cell_locked(day=day, duty_id=duty.pk)
    if cell is None or cell.user_id != actor.pk:
        raise DomainError(f"You do not hold {duty.name} on {day:%d.%m.%Y}.")
    if candidate is not None and candidate.pk == actor.pk:
        raise DomainError("You cannot ask yourself.")
    target = None
    if kind == SwapKind.SWAP:
        if target_day is None or target_duty is None:
            raise DomainError("A swap needs the duty you take in return (target date and duty).")
        _check_not_past(day=target_day, now=now)
        target = _cell_locked(day=target_day, duty_id=target_duty.pk)
        if target is None or target.user is None or target.pk == cell.pk:
            raise DomainError(f"Nobody holds {target_duty.name} on {target_day:%d.%m.%Y} to swap with.")
        if candidate is not None and candidate.pk != target.user_id:
            raise DomainError(f"{target_duty.name} on {target_day:%d.%m.%Y} is held by {target.user.name}.")
        if target.user_id == actor.pk:
            raise DomainError("You cannot swap with yourself.")
        candidate = target.user
        _check_moves(targets=[(cell, candidate), (target, actor)])
    elif target_day is not None or target_duty is not None:
        raise DomainError("Only a swap has a target duty.")
    elif candidate is not None:
        _check_moves(targets=[(cell, candidate)])
    if SwapRequest.objects.filter(date=day, duty=duty, status=SwapStatus.OPEN).exists():
        raise Conflict(f"There is already an open request for {duty.name} on {day:%d.%m.%Y}; withdraw it first.")
    if candidate is not None:
        asked = [candidate]
    else:
        asked = selectors.substitute_candidates(day=day, duty_code=duty.code, exclude=[actor.pk])
    request = SwapRequest.objects.create(
        requester=actor,
        kind=kind,
        date=day,
        duty=duty,
        candidate=candidate,
        target_date=target.date if target else None,
        target_duty=target.duty if target else None,
        offered_to=[u.pk for u in asked],
        note=note.strip()[:300],
        token=SwapRequest.generate_token(),
        created_at=now,
    )
    notify_many(recipients=asked, template="roster/swap_requested", context={"request": request})
    logger.info("swap request %s (%s) by %s for %s %s", request.pk, kind, actor.username, day, duty.code)
    return request


def _request_locked(*, request: SwapRequest, token: str | None) -> SwapRequest:
    locked = (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("requester", "candidate", "duty", "target_duty")
        .get(pk=request.pk)
    )
    if token is not None and not secrets.compare_digest(token, locked.token):
        raise PermissionDenied("This link is not valid.")
    if not locked.is_open:
        raise Conflict(f"This request is no longer open ({locked.get_status_display()}).")
    return locked


@transaction.atomic
def swap_request_accept(
    *, actor: User, request: SwapRequest, token: str | None = None, now: datetime | None = None
) -> SwapRequest:
    """The first to accept takes the duty (and, for a swap, gives theirs); the plan changes at once.

    The request row is locked and its status checked inside the transaction, so an
    offer to everyone goes to exactly one taker even if two accept at the same moment.
    """
    now = now or timezone.now()
    req = _request_locked(request=request, token=token)
    _check_not_past(day=min(req.date, req.target_date or req.date), now=now)
    if req.requester_id == actor.pk:
        raise DomainError("You cannot accept your own request.")
    if req.candidate_id is not None and req.candidate_id != actor.pk:
        raise PermissionDenied(f"This request is addressed to {req.candidate}.")
    cell = _cell_locked(day=req.date, duty_id=req.duty_id)
    if cell is None:
        raise Conflict("The duty is no longer in the plan.")
    if cell.user_id != req.requester_id:
        raise Conflict(
            f"{req.duty.name} on {req.date:%d.%m.%Y} has been taken already."
            if req.is_system_offer
            else f"{req.duty.name} on {req.date:%d.%m.%Y} has changed hands since the request."
        )
    targets: list[tuple[Assignment, User | None]] = [(cell, actor)]
    if req.kind == SwapKind.SWAP:
        target = _cell_locked(day=req.target_date, duty_id=req.target_duty_id)  # type: ignore[arg-type]
        if target is None or target.user_id != actor.pk:
            raise Conflict("You no longer hold the duty offered in exchange.")
        targets.append((target, req.requester))
    _check_moves(targets=targets)
    req.status = SwapStatus.ACCEPTED
    req.decided_at = now
    req.decided_by = actor
    req.save(update_fields=["status", "decided_at", "decided_by"])
    moves = _cells_reassign(targets=targets)
    what = "Swap" if req.kind == SwapKind.SWAP else "Takeover"
    _changes_record(
        moves=moves, actor=actor, reason=f"{what} accepted (request {req.pk})", now=now, notify_template=None
    )
    recipients = [u for u in (req.requester, actor) if u is not None]
    recipients += _coordinators_on(day=selectors.today(now))
    head = user_get_mailbox_head()
    if head is not None:
        recipients.append(head)
    notify_many(
        recipients=recipients,
        template="roster/swap_accepted",
        context={"request": req, "taker": actor, "changes": [(c.duty, c.date, b, a) for c, b, a in moves]},
    )
    logger.info("swap request %s accepted by %s", req.pk, actor.username)
    return req


@transaction.atomic
def swap_request_decline(
    *, actor: User, request: SwapRequest, token: str | None = None, now: datetime | None = None
) -> SwapRequest:
    """The colleague asked says no. An offer to everyone stays open for the others."""
    now = now or timezone.now()
    req = _request_locked(request=request, token=token)
    if req.candidate_id is None:
        if actor.pk not in req.declined_by:
            req.declined_by = [*req.declined_by, actor.pk]
            req.save(update_fields=["declined_by"])
        return req
    if req.candidate_id != actor.pk:
        raise PermissionDenied(f"This request is addressed to {req.candidate}.")
    req.status = SwapStatus.DECLINED
    req.decided_at = now
    req.decided_by = actor
    req.save(update_fields=["status", "decided_at", "decided_by"])
    if req.requester is not None:
        notify_many(recipients=[req.requester], template="roster/swap_declined", context={"request": req})
    return req


@transaction.atomic
def swap_request_withdraw(*, actor: User, request: SwapRequest, now: datetime | None = None) -> SwapRequest:
    """The requester (or a coordinator; for a system offer only a coordinator) takes it back."""
    now = now or timezone.now()
    req = _request_locked(request=request, token=None)
    if req.requester_id != actor.pk and not actor.is_coordinator:
        raise PermissionDenied("Only the requester or a coordinator may withdraw a request.")
    req.status = SwapStatus.WITHDRAWN
    req.decided_at = now
    req.decided_by = actor
    req.save(update_fields=["status", "decided_at", "decided_by"])
    return req


@transaction.atomic
def swap_requests_expire(*, now: datetime | None = None) -> int:
    """Close open requests whose day (or swap target's day) has passed."""
    now = now or timezone.now()
    today = selectors.today(now)
    return SwapRequest.objects.filter(Q(date__lt=today) | Q(target_date__lt=today), status=SwapStatus.OPEN).update(
        status=SwapStatus.EXPIRED, decided_at=now
    )


# --- iCalendar import of absences ------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[Absence] = field(default_factory=list)
    updated: list[Absence] = field(default_factory=list)
    unchanged: list[Absence] = field(default_factory=list)
    unmatched: list[dict[str, str]] = field(default_factory=list)
    """Events not imported: ``{"uid", "summary", "reason"}``."""


@transaction.atomic
def absences_import_ical(
    *, actor: User | None, data: bytes, kind: str = AbsenceKind.VACATION, now: datetime | None = None
) -> ImportReport:
    """Import all-day events of an iCalendar file as absences, matched to people by mail address.

    Re-importing the same file changes nothing; a moved event moves its absence (by UID).
    A file that is not iCalendar writes nothing.
    """
    _require_coordinator(actor)
    now = now or timezone.now()
    try:
        events = ical_import.parse_events(data)
    except ical_import.NotICalendar as exc:
        raise DomainError(str(exc)) from exc
    users = {u.email.lower(): u for u in User.objects.filter(is_active=True).exclude(email="")}
    report = ImportReport()
    for event in events:
        if event.problem or event.start is None or event.end is None:
            report.unmatched.append({"uid": event.uid, "summary": event.summary, "reason": event.problem})
            continue
        user = next((users[m] for m in event.emails if m in users), None)
        if user is None:
            report.unmatched.append({"uid": event.uid, "summary": event.summary, "reason": "no user with that mail"})
            continue
        existing = Absence.objects.filter(user=user, external_uid=event.uid).first()
        try:
            if existing is None:
                report.created.append(
                    absence_create(
                        actor=actor,
                        user=user,
                        kind=kind,
                        start=event.start,
                        end=event.end,
                        note=event.summary,
                        external_uid=event.uid,
                        now=now,
                    )
                )
            elif (existing.start, existing.end) != (event.start, event.end):
                report.updated.append(
                    absence_update_dates(actor=actor, absence=existing, start=event.start, end=event.end, now=now)
                )
            else:
                report.unchanged.append(existing)
        except DomainError as exc:
            report.unmatched.append({"uid": event.uid, "summary": event.summary, "reason": exc.message})
    logger.info(
        "absence import: %d created, %d updated, %d unchanged, %d not imported",
        len(report.created),
        len(report.updated),
        len(report.unchanged),
        len(report.unmatched),
    )
    return report


# --- Reminders: vacation cover (R6), open duties before the window (R7), expiry --------------------


def _coordinators_on(*, day: date) -> list[User]:
    """Who gets the coordinator's notices on ``day``: the deputy while the coordinators are absent (R1)."""
    return user_list_coordinators(absent_user_ids=selectors.absent_user_ids_on(day=day))


def _reminder_claim(*, kind: str, key: str, day: date, now: datetime) -> bool:
    """Record a reminder as sent; False if it was sent on ``day`` already (a second run of the job)."""
    _reminder, created = ReminderSent.objects.get_or_create(kind=kind, key=key, date=day, defaults={"sent_at": now})
    return created


@dataclass(frozen=True)
class CoverGap:
    """A duty that an absence hits and nobody has taken yet, ``days_ahead`` days from today."""

    absence: Absence
    assignment: Assignment
    days_ahead: int


@transaction.atomic
def vacation_cover_remind(*, now: datetime | None = None) -> list[CoverGap]:
    """Remind the coordinator of uncovered duties of absences exactly N days ahead (R6).

    N comes from ``RosterSettings.vacation_reminder_days`` (14 and 3 by default). One notice
    per recipient lists all gaps; each gap is reminded once per day, so a second run of the
    same day sends nothing.
    """
    now = now or timezone.now()
    today = selectors.today(now)
    gaps = []
    for days_ahead in sorted(set(selectors.roster_settings_get().vacation_reminder_days)):
        day = today + timedelta(days=days_ahead)
        for absence, cell in selectors.uncovered_absence_duties_on(day=day):
            key = f"{day.isoformat()}/{cell.duty.code}"
            if _reminder_claim(kind=ReminderKind.VACATION_COVER, key=key, day=today, now=now):
                gaps.append(CoverGap(absence=absence, assignment=cell, days_ahead=days_ahead))
    if gaps:
        notify_many(
            recipients=_coordinators_on(day=today),
            template="roster/vacation_cover_reminder",
            context={"gaps": gaps, "today": today},
        )
        logger.info("vacation cover reminder: %d uncovered duty(ies)", len(gaps))
    return gaps


@transaction.atomic
def open_duties_notify(*, now: datetime | None = None) -> list[selectors.UnheldDuty]:
    """Tell the coordinator, once a day, that a duty of today is still open before the window (R7).

    "Open" includes a duty held only in an unpublished draft or not planned at all:
    nobody knows they are on it. Nothing is sent on a day without a window.
    """
    now = now or timezone.now()
    today = selectors.today(now)
    window = bh.window_on(selectors.support_calendar(), today)
    if window is None:
        return []
    unheld = selectors.unheld_duties_on(day=today)
    if not unheld or not _reminder_claim(kind=ReminderKind.OPEN_DUTY, key=today.isoformat(), day=today, now=now):
        return []
    notify_many(
        recipients=_coordinators_on(day=today),
        template="roster/open_duty_notice",
        context={"day": today, "window": window, "duties": unheld},
    )
    logger.info("open duty notice for %s: %d duty(ies)", today, len(unheld))
    return unheld
