"""Writes of the support calendar and the pool: windows, closing days, settings, pool members."""

import logging
from datetime import date, time

from django.db import transaction
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.roster import selectors
from supportdesk.roster.exceptions import NotEligible
from supportdesk.roster.models import ClosingDay, PoolMember, RosterSettings, SupportWindow
from supportdesk.roster.services.common import _require_coordinator

logger = logging.getLogger(__name__)


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
def support_window_set(*, actor: User, weekday: int, start: time, end: time, active: bool) -> SupportWindow:
    _require_coordinator(actor)
    if not 0 <= weekday <= 6:
        raise NotEligible(_("Weekday must be between Monday (0) and Sunday (6)."))
    if end <= start:
        raise NotEligible(_("The window must end after it starts."))
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
        raise NotEligible(_("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    cfg = selectors.roster_settings_get()
    for name, value in values.items():
        setattr(cfg, name, value)
    cfg.full_clean()
    cfg.save(update_fields=list(values))
    transaction.on_commit(selectors.support_calendar_invalidate)
    return cfg
