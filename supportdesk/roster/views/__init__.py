"""HTML pages of the roster: today, week, month, my duties, team, calendar settings, feeds, absences, requests.

Views stay thin: parse the request, authorise, call one service (writes) or a
few selectors (reads), render. Domain errors become messages in the page, in the
words of the service that raised them. Agents see published plans only;
coordinators also see and edit drafts.
"""

from supportdesk.roster.views.absences import absence_detail, absences, absences_import, report_sick
from supportdesk.roster.views.calendar import calendar_settings, closing_day_add, closing_day_delete
from supportdesk.roster.views.changes import request_act, request_detail, request_new, request_token, requests_page
from supportdesk.roster.views.common import ROSTER_CHANGED, Request, requests_to_me, requests_to_me_count
from supportdesk.roster.views.feeds import feed_renew, feeds
from supportdesk.roster.views.month import month
from supportdesk.roster.views.my_duties import my_duties
from supportdesk.roster.views.plan import cell_edit, week, week_generate, week_publish
from supportdesk.roster.views.reports import working_time_report, working_time_report_download
from supportdesk.roster.views.team import pool_member_edit, team
from supportdesk.roster.views.today import today

__all__ = [
    "ROSTER_CHANGED",
    "Request",
    "absence_detail",
    "absences",
    "absences_import",
    "calendar_settings",
    "cell_edit",
    "closing_day_add",
    "closing_day_delete",
    "feed_renew",
    "feeds",
    "month",
    "my_duties",
    "pool_member_edit",
    "report_sick",
    "request_act",
    "request_detail",
    "request_new",
    "request_token",
    "requests_page",
    "requests_to_me",
    "requests_to_me_count",
    "team",
    "today",
    "week",
    "week_generate",
    "week_publish",
    "working_time_report",
    "working_time_report_download",
]
