"""Writes of the plan itself (R9): generate drafts, set a cell, publish a week."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.notifications.services import notify_many
from supportdesk.roster import business_hours as bh
from supportdesk.roster import planning, selectors
from supportdesk.roster.exceptions import NotEligible, ReasonRequired, WeekAlreadyPublished
from supportdesk.roster.models import Assignment, Duty, PlanVersion, RosterWeek, WeekStatus
from supportdesk.roster.services.common import _changes_record, _check_eligible, _day, _require_coordinator

logger = logging.getLogger(__name__)


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


def _history(*, before: date, horizon_weeks: int) -> planning.History:
    """The planner's history (:func:`planning.history_from`) from the duties held before ``before``."""
    start = before - timedelta(weeks=planning.lookback_weeks(horizon_weeks))
    held = Assignment.objects.filter(date__gte=start, date__lt=before, user__isnull=False).values_list(
        "user_id", "date", "duty__code", "is_substitute"
    )
    return planning.history_from(held=held, before=before, horizon_weeks=horizon_weeks)


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
        history=_history(before=plan_start, horizon_weeks=cfg.fairness_horizon_weeks),
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
        raise NotEligible(_("%(day)s has no support window.") % {"day": _day(day)})
    week, _created = RosterWeek.objects.select_for_update().get_or_create(week_start=bh.week_start(day))
    if week.is_published and not reason.strip():
        raise ReasonRequired(_("A change to a published plan needs a reason."))
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
        raise WeekAlreadyPublished(
            _("The week of %(day)s is already published (v%(version)s).")
            % {"day": _day(week.week_start), "version": week.version}
        )
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
