"""When a ticket is due (R12), as a pure function of the support calendar.

The rule, per priority (the defaults; ``SUPPORTDESK_TICKET_TARGETS`` overrides 2–4):

* Prio 1 (production outage) is due at once, at any hour.
* Created outside core hours (evenings, weekends, holidays, and the afternoon
  support window, which lies after core hours): the clock starts at the start
  of the next working day. Prio 2 and 3 are due then; a target of *n* working
  days counts that day as the first (prio 4: the start of the third working day).
* Created during core hours: ``{"hours": n}`` is due *n* clock hours later
  (prio 2: 4 hours, even if that ends after core hours: it is urgent), and
  ``{"working_days": n}`` is due at the start of the *n*-th following working
  day (prio 3: next working day, prio 4: third working day).

Working hours are not counted hour by hour on purpose: it keeps the rule
explainable on the phone ("tomorrow morning", "in four hours").
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings

from supportdesk.roster import business_hours as bh

Target = Mapping[str, int]
"""``{"hours": n}`` or ``{"working_days": n}``."""

DEFAULT_TARGETS: dict[int, Target] = {
    2: {"hours": 4},
    3: {"working_days": 1},
    4: {"working_days": 3},
}


def ticket_targets() -> dict[int, Target]:
    """The defaults, overridden per priority by ``settings.SUPPORTDESK_TICKET_TARGETS``."""
    return {**DEFAULT_TARGETS, **getattr(settings, "SUPPORTDESK_TICKET_TARGETS", {})}


def _working_days_after(cal: bh.SupportCalendar, moment: datetime, days: int) -> datetime:
    due = moment
    for _ in range(max(days, 1)):
        due = bh.next_working_day_start(cal, due)
    return due


def due_at(cal: bh.SupportCalendar, created_at: datetime, priority: int, targets: Mapping[int, Target]) -> datetime:
    """The moment a ticket of ``priority`` created at ``created_at`` is due (aware, calendar time zone)."""
    created = created_at.astimezone(cal.tz)
    if priority == 1:
        return created
    target = targets.get(priority) or {"working_days": 1}
    if not bh.in_core_hours(cal, created):
        start = bh.next_working_day_start(cal, created)
        extra = target.get("working_days", 1) - 1
        return _working_days_after(cal, start, extra) if extra > 0 else start
    if "hours" in target:
        return (created + timedelta(hours=target["hours"])).astimezone(cal.tz)
    return _working_days_after(cal, created, target.get("working_days", 1))
