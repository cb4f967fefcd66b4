"""Reads of the day's flow: who holds the line, who owns triage, the day's timeline (R10, R15–R17, R20, R22).

One module per topic; every public name is here too, so callers import from ``supportdesk.handover.selectors``:

- ``flow_settings``: the day's flow settings and the closing checklist text;
- ``reads``: the day's rows and ``DayReads``, which a request passes down to read each of them once;
- ``routing``: where the support line rings, the triage owner, the day's duty holders;
- ``timeline``: the day's steps done, due or missed, "My day" and the hand-over notice's open items;
- ``today``: the live part of the Today page.
"""

from supportdesk.handover.selectors.flow_settings import (
    DEFAULT_CHECKLIST,
    FlowExample,
    closing_checklist_custom,
    closing_checklist_text,
    day_flow_example,
    day_flow_settings_get,
)
from supportdesk.handover.selectors.reads import (
    DayReads,
    closing_on,
    handover_get,
    handover_on,
    local_day,
    presence_on,
    readiness_on,
)
from supportdesk.handover.selectors.routing import (
    Routing,
    duty_contact,
    duty_holder,
    head_present_at,
    last_routing_state,
    leaving_due,
    leaving_moment,
    line_fallback,
    routing_at,
    triage_owner,
)
from supportdesk.handover.selectors.timeline import (
    DayStatus,
    MyDay,
    OpenItems,
    Status,
    Step,
    day_status,
    intake_steps,
    my_day,
    open_items,
)
from supportdesk.handover.selectors.today import TODAY_TRIAGE_LIMIT, TodayBoard, today_board

__all__ = [
    "DEFAULT_CHECKLIST",
    "TODAY_TRIAGE_LIMIT",
    "DayReads",
    "DayStatus",
    "FlowExample",
    "MyDay",
    "OpenItems",
    "Routing",
    "Status",
    "Step",
    "TodayBoard",
    "closing_checklist_custom",
    "closing_checklist_text",
    "closing_on",
    "day_flow_example",
    "day_flow_settings_get",
    "day_status",
    "duty_contact",
    "duty_holder",
    "handover_get",
    "handover_on",
    "head_present_at",
    "intake_steps",
    "last_routing_state",
    "leaving_due",
    "leaving_moment",
    "line_fallback",
    "local_day",
    "my_day",
    "open_items",
    "presence_on",
    "readiness_on",
    "routing_at",
    "today_board",
    "triage_owner",
]
