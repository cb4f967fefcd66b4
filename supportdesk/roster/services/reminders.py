"""Reminders: vacation cover (R6) and open duties before the window (R7)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from supportdesk.notifications.services import notify_many
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.models import Absence, Assignment, ReminderKind, ReminderSent
from supportdesk.roster.services.common import _coordinators_on

logger = logging.getLogger(__name__)


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
