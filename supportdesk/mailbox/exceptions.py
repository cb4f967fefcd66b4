from supportdesk.core.exceptions import Conflict, DomainError, NotFound


class MailboxConfigError(DomainError):
    """``SUPPORTDESK_IMAP_URL`` or a mailbox row cannot be used; the message says why."""


class ImportSourceError(DomainError):
    """A path given to ``mailbox import`` is neither an mbox, a Maildir nor a folder of .eml files."""


class MailAlreadyHandled(Conflict):
    """Someone acted on the mail first (or it is not in the list the action belongs to)."""


class MailNotFound(NotFound):
    """No received mail with that id."""


class MailCannotBeSent(DomainError):
    """A reply or forward has nobody to go to, or the SMTP server refused it."""


class AutoAnswerRefused(DomainError):
    """An automatic answer to an automatic mail (or a bounce) would start a mail loop."""


class UndoRefused(Conflict):
    """The triage action can no longer be undone (too late, already undone, changed since); the message says why."""


class TriageRecordNotFound(NotFound):
    """No triage action with that id."""
