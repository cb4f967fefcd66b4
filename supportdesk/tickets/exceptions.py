from collections.abc import Sequence

from supportdesk.core.exceptions import Conflict, DomainError, NotFound


class InvalidPhoneNumber(DomainError):
    """A phone number that cannot be read as a German or international number."""


class UnknownCustomer(DomainError):
    pass


class UnknownGroup(DomainError):
    pass


class InvalidTicket(DomainError):
    """A field of a ticket or contact failed validation; the message names it."""


class TicketNotFound(NotFound):
    pass


class StaleTicket(Conflict):
    """Someone else changed the ticket since the caller loaded it (optimistic locking)."""


class StillInUse(Conflict):
    """A ticket, article or contact was not deleted: it changed since it was made, or other rows
    refer to it. ``referrers`` names the models of those rows (``app_label.Model``)."""

    def __init__(self, message: str, referrers: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.referrers = list(referrers)


class ImportFailed(DomainError):
    """A CSV import was refused; ``errors`` lists ``(line, message)`` and nothing was written."""

    def __init__(self, message: str, errors: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.errors = errors


class AttachmentNotFound(NotFound):
    """No such part of a mail filed in the ticket (or not one the page shows inline)."""
