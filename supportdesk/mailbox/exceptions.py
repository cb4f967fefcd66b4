from supportdesk.core.exceptions import DomainError


class MailboxConfigError(DomainError):
    """``SUPPORTDESK_IMAP_URL`` or a mailbox row cannot be used; the message says why."""


class ImportSourceError(DomainError):
    """A path given to ``mailbox import`` is neither an mbox, a Maildir nor a folder of .eml files."""
