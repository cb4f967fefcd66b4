"""Settings of the mailbox app with their defaults (each an optional ``SUPPORTDESK_*`` setting)."""

from datetime import timedelta
from email.utils import parseaddr
from typing import Literal

from django.conf import settings

FLOOD_WINDOW = timedelta(minutes=10)
DEFAULT_FLOOD_LIMIT = 20
CLOSED_FOLLOWUP_CHOICES = ("reopen", "new_ticket")


def closed_followup() -> Literal["reopen", "new_ticket"]:
    """What a follow-up to a resolved or closed ticket does: reopen it, or start a linked new ticket."""
    value = getattr(settings, "SUPPORTDESK_MAIL_CLOSED_FOLLOWUP", "reopen")
    return "new_ticket" if value == "new_ticket" else "reopen"


def flood_limit() -> int:
    """More mails than this from one sender within ``FLOOD_WINDOW`` are held in triage as a flood."""
    return int(getattr(settings, "SUPPORTDESK_MAIL_FLOOD_LIMIT", DEFAULT_FLOOD_LIMIT))


def from_address() -> str:
    """The sender of replies and forwards (the support address)."""
    return str(getattr(settings, "SUPPORTDESK_MAIL_FROM", "") or settings.DEFAULT_FROM_EMAIL)


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the support address's domain unless set."""
    domain = str(getattr(settings, "SUPPORTDESK_MAIL_DOMAIN", "") or "")
    if domain:
        return domain
    _name, address = parseaddr(from_address())
    return address.rpartition("@")[2] or "supportdesk.invalid"


def triage_owner_username() -> str:
    """``SUPPORTDESK_TRIAGE_OWNER`` (a username); empty: the mailbox head owns the triage inbox (R20)."""
    return str(getattr(settings, "SUPPORTDESK_TRIAGE_OWNER", "") or "")


DEFAULT_MAIL_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_PARSE_WORKERS = 2


def mail_max_bytes() -> int:
    """A larger raw mail is stored as it is and held in triage without parsing (no attachments extracted)."""
    return int(getattr(settings, "SUPPORTDESK_MAIL_MAX_BYTES", DEFAULT_MAIL_MAX_BYTES))


def parse_workers() -> int:
    """Processes that parse large ingest batches next to the one writing them (0: parse in-process)."""
    return int(getattr(settings, "SUPPORTDESK_MAIL_PARSE_WORKERS", DEFAULT_PARSE_WORKERS))


DEFAULT_UNDO_SECONDS = 10


def undo_window() -> timedelta:
    """How long a triage action can be undone (``SUPPORTDESK_TRIAGE_UNDO_SECONDS``); its mail leaves after it."""
    return timedelta(seconds=max(0, int(getattr(settings, "SUPPORTDESK_TRIAGE_UNDO_SECONDS", DEFAULT_UNDO_SECONDS))))


DEFAULT_AUTOMATION_MAX_AGE_MINUTES = 120


def automation_max_age() -> timedelta:
    """Only mail written this recently (``SUPPORTDESK_MAIL_AUTOMATION_MAX_AGE_MINUTES``) triggers the
    intake's automatic decisions: a Prio 1 keyword rule, the after-hours answer. An older mail (a
    backlog after downtime) waits in triage with a hint instead of paging the standby."""
    minutes = int(getattr(settings, "SUPPORTDESK_MAIL_AUTOMATION_MAX_AGE_MINUTES", DEFAULT_AUTOMATION_MAX_AGE_MINUTES))
    return timedelta(minutes=max(0, minutes))


def imap_ca_file() -> str:
    """``SUPPORTDESK_IMAP_CA_FILE``: a PEM file of the certificates (a company CA, a self-signed server)
    trusted for IMAPS and STARTTLS besides the system's; empty: the system's only."""
    return str(getattr(settings, "SUPPORTDESK_IMAP_CA_FILE", "") or "")
