"""Writes of the roster: generate, edit and publish plans; calendar settings; feeds; absences; swaps; reminders.

Other apps and the tests import from here; the functions live in the modules by topic.
"""

from supportdesk.roster.services.absences import (
    MAX_ABSENCE_DAYS,
    ImportReport,
    absence_create,
    absence_update_dates,
    absences_import_ical,
)
from supportdesk.roster.services.calendar import (
    ROSTER_SETTINGS_FIELDS,
    closing_day_add,
    closing_day_remove,
    pool_member_set,
    roster_settings_update,
    support_window_set,
)
from supportdesk.roster.services.changes import (
    duty_offer_create,
    swap_request_accept,
    swap_request_create,
    swap_request_decline,
    swap_request_withdraw,
    swap_requests_expire,
)
from supportdesk.roster.services.common import Move
from supportdesk.roster.services.feeds import feed_token_ensure, feed_token_renew
from supportdesk.roster.services.plan import (
    GenerateReport,
    assignment_set,
    plan_generate,
    week_draft_next,
    week_publish,
)
from supportdesk.roster.services.reminders import CoverGap, open_duties_notify, vacation_cover_remind

__all__ = [
    "MAX_ABSENCE_DAYS",
    "ROSTER_SETTINGS_FIELDS",
    "CoverGap",
    "GenerateReport",
    "ImportReport",
    "Move",
    "absence_create",
    "absence_update_dates",
    "absences_import_ical",
    "assignment_set",
    "closing_day_add",
    "closing_day_remove",
    "duty_offer_create",
    "feed_token_ensure",
    "feed_token_renew",
    "open_duties_notify",
    "plan_generate",
    "pool_member_set",
    "roster_settings_update",
    "support_window_set",
    "swap_request_accept",
    "swap_request_create",
    "swap_request_decline",
    "swap_request_withdraw",
    "swap_requests_expire",
    "vacation_cover_remind",
    "week_draft_next",
    "week_publish",
]
