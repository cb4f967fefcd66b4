"""Writes of tickets: customers and contacts, tickets and articles, the intake check, notices, bulk changes,
and taking back what was just made (undo).

Other apps (mailbox, escalation, handover) import from here; the functions live in the modules by topic.
"""

from supportdesk.tickets.services.bulk import BULK_FIELDS, BulkReport, tickets_bulk_update
from supportdesk.tickets.services.customers import (
    contact_create,
    contact_update,
    customer_create,
    customer_update,
    project_create,
)
from supportdesk.tickets.services.intake import intake_check_done, intake_check_open, intake_checks_escalate
from supportdesk.tickets.services.notices import digests_send, notification_preference_set, ticket_assignee_notify
from supportdesk.tickets.services.removal import article_delete_unused, contact_delete_unused, ticket_delete_unused
from supportdesk.tickets.services.tickets import (
    FIRST_ARTICLE_KIND,
    SEARCHED_FIELDS,
    UPDATABLE_FIELDS,
    article_add,
    changes_from_mapping,
    ticket_create,
    ticket_create_from_phone,
    ticket_create_with_contact,
    ticket_number_allocate,
    ticket_update,
)

__all__ = [
    "BULK_FIELDS",
    "FIRST_ARTICLE_KIND",
    "SEARCHED_FIELDS",
    "UPDATABLE_FIELDS",
    "BulkReport",
    "article_add",
    "article_delete_unused",
    "changes_from_mapping",
    "contact_create",
    "contact_delete_unused",
    "contact_update",
    "customer_create",
    "customer_update",
    "digests_send",
    "intake_check_done",
    "intake_check_open",
    "intake_checks_escalate",
    "notification_preference_set",
    "project_create",
    "ticket_assignee_notify",
    "ticket_create",
    "ticket_create_from_phone",
    "ticket_create_with_contact",
    "ticket_delete_unused",
    "ticket_number_allocate",
    "ticket_update",
    "tickets_bulk_update",
]
