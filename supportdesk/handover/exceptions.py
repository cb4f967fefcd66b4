"""Domain errors of the hand-over; views map them to messages and HTTP statuses."""

from supportdesk.core.exceptions import Conflict, DomainError, NotFound, PermissionDenied

__all__ = ["AlreadyHandedOver", "DomainError", "NotAllowed", "NothingToDo"]


class NotAllowed(PermissionDenied):
    """The actor does not hold the role this step needs today."""


class AlreadyHandedOver(Conflict):
    """Today's hand-over happened already."""


class NothingToDo(NotFound):
    """No open step of this kind today."""
