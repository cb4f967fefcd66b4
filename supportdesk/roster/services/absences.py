"""Writes of absences (R6, R7): enter, move, import from an iCalendar file."""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import Conflict, DomainError, PermissionDenied
from supportdesk.notifications.services import notify_many
from supportdesk.roster import ical_import, selectors
from supportdesk.roster.models import Absence, AbsenceKind, Assignment, ChangeReason, SwapStatus
from supportdesk.roster.services.changes import _offer_open_duty
from supportdesk.roster.services.common import (
    _cells_reassign,
    _changes_record,
    _coordinators_on,
    _day,
    _require_coordinator,
)

logger = logging.getLogger(__name__)


MAX_ABSENCE_DAYS = 366


def _absence_validate(*, user: User, kind: str, start: date, end: date, exclude_pk: int | None = None) -> None:
    if kind not in AbsenceKind.values:
        raise DomainError(
            _("Unknown kind of absence %(kind)r; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(AbsenceKind.values)}
        )
    if end < start:
        raise DomainError(
            _("The absence ends (%(end)s) before it starts (%(start)s).") % {"end": _day(end), "start": _day(start)}
        )
    if (end - start).days >= MAX_ABSENCE_DAYS:
        raise DomainError(_("An absence may last at most %(days)s days.") % {"days": MAX_ABSENCE_DAYS})
    overlapping = selectors.absence_overlapping(user=user, start=start, end=end, exclude_pk=exclude_pk)
    if overlapping is not None:
        raise Conflict(
            _("%(name)s is already absent from %(start)s to %(end)s; absences of one person may not overlap.")
            % {"name": user.name, "start": _day(overlapping.start), "end": _day(overlapping.end)}
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
        reason_code=ChangeReason.SICK_REPORT,
        reason_params={"start": absence.start.isoformat(), "end": absence.end.isoformat()},
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
        raise PermissionDenied(_("Only the person or a coordinator may enter an absence."))
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
        raise PermissionDenied(_("Only the person or a coordinator may change an absence."))
    now = now or timezone.now()
    absence = Absence.objects.select_for_update(of=("self",)).select_related("user").get(pk=absence.pk)
    _absence_validate(user=absence.user, kind=absence.kind, start=start, end=end, exclude_pk=absence.pk)
    absence.start, absence.end = start, end
    absence.duties_hit = _absence_hits(absence=absence)
    absence.save(update_fields=["start", "end", "duties_hit"])
    if absence.kind == AbsenceKind.SICK:
        _absence_free_duties(absence=absence, actor=actor, now=now)
    return absence


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
            report.unmatched.append(
                {"uid": event.uid, "summary": event.summary, "reason": _("no user with that mail address")}
            )
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
