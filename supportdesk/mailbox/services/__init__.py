"""Writes of the mailbox app: ingest (with the threading decision), triage and quarantine, outbound mail."""

from supportdesk.mailbox.parsepool import ParseJob
from supportdesk.mailbox.services.decide import Batch, IntakeMode, decide, is_recent, ticket_for_references, written_at
from supportdesk.mailbox.services.importing import ImportCounts, ImportSource, import_source, mails_import
from supportdesk.mailbox.services.ingest import (
    BATCH_SIZE,
    MAX_KEY_LENGTH,
    QuickHeaders,
    apply_parsed,
    mailbox_configure_from_settings,
    mailbox_for_import,
    mailbox_uidvalidity_set,
    mails_ingest,
    parse_job_for,
    quick_headers,
)
from supportdesk.mailbox.services.outbound import (
    mail_send,
    may_auto_answer,
    outbound_mail_cancel,
    outbound_mail_deliver,
    outbound_mail_sweep,
    reply_subject,
    subject_with_number,
    ticket_reply,
)
from supportdesk.mailbox.services.triage import (
    quarantine_discard,
    quarantine_retry,
    triage_add_to_ticket,
    triage_create_ticket,
    triage_forward,
    triage_reply,
)
from supportdesk.mailbox.services.undo import triage_record_finalize, triage_undo, triage_undo_many

__all__ = [
    "BATCH_SIZE",
    "MAX_KEY_LENGTH",
    "Batch",
    "ImportCounts",
    "ImportSource",
    "IntakeMode",
    "ParseJob",
    "QuickHeaders",
    "apply_parsed",
    "decide",
    "import_source",
    "is_recent",
    "mail_send",
    "mailbox_configure_from_settings",
    "mailbox_for_import",
    "mailbox_uidvalidity_set",
    "mails_import",
    "mails_ingest",
    "may_auto_answer",
    "outbound_mail_cancel",
    "outbound_mail_deliver",
    "outbound_mail_sweep",
    "parse_job_for",
    "quarantine_discard",
    "quarantine_retry",
    "quick_headers",
    "reply_subject",
    "subject_with_number",
    "ticket_for_references",
    "ticket_reply",
    "triage_add_to_ticket",
    "triage_create_ticket",
    "triage_forward",
    "triage_record_finalize",
    "triage_reply",
    "triage_undo",
    "triage_undo_many",
    "written_at",
]
