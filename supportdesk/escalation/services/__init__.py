"""Writes of the Prio 1 escalation (R13, R14, R16–R19), one module per topic.

- ``chain``: starting a case's chain, its steps, the check of failed deliveries, the sweep;
- ``acks``: signed acknowledgement links;
- ``case``: acknowledgement, status updates, calls, resolution, the R19 nudge;
- ``customer``: status mails to the customer and the automatic answer outside the windows;
- ``prio1_rules``: saving the keyword rules;
- ``outside_window``: each customer's policy outside the support windows.

Everything is re-exported here, so ``from supportdesk.escalation.services import …`` and
``services.<name>`` keep working for callers in other apps and for the task wrappers.
"""

from supportdesk.escalation.services.acks import ACK_SALT, ack_token_make, ack_token_resolve, ack_url
from supportdesk.escalation.services.case import (
    Acknowledgement,
    escalation_acknowledge,
    escalation_nudge_run,
    escalation_nudge_sweep,
    escalation_phone_call_log,
    escalation_resolve,
    escalation_status_update_post,
)
from supportdesk.escalation.services.chain import (
    DELIVERY_CHECK_DELAY,
    NOTICE_KINDS,
    STEP_GRACE,
    escalation_deliveries_check,
    escalation_start,
    escalation_step_run,
    escalation_sweep,
)
from supportdesk.escalation.services.customer import (
    AUTO_ANSWER_BODY,
    AUTO_ANSWER_SUBJECT,
    auto_answer_address,
    escalation_auto_answer_send,
    escalation_status_mail_send,
    status_mail_recipients,
)
from supportdesk.escalation.services.outside_window import customer_escalation_policy_set
from supportdesk.escalation.services.prio1_rules import prio1_rule_save

__all__ = [
    "ACK_SALT",
    "AUTO_ANSWER_BODY",
    "AUTO_ANSWER_SUBJECT",
    "DELIVERY_CHECK_DELAY",
    "NOTICE_KINDS",
    "STEP_GRACE",
    "Acknowledgement",
    "ack_token_make",
    "ack_token_resolve",
    "ack_url",
    "auto_answer_address",
    "customer_escalation_policy_set",
    "escalation_acknowledge",
    "escalation_auto_answer_send",
    "escalation_deliveries_check",
    "escalation_nudge_run",
    "escalation_nudge_sweep",
    "escalation_phone_call_log",
    "escalation_resolve",
    "escalation_start",
    "escalation_status_mail_send",
    "escalation_status_update_post",
    "escalation_step_run",
    "escalation_sweep",
    "prio1_rule_save",
    "status_mail_recipients",
]
