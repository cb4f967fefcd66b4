from supportdesk.core.exceptions import Conflict, DomainError, NotFound, PermissionDenied


class EscalationNotFound(NotFound):
    pass


class EscalationClosed(Conflict):
    """The case is resolved: nothing more can be posted or acknowledged."""


class InvalidAckLink(PermissionDenied):
    """A forged, mangled or expired acknowledgement link; the message says which."""


class InvalidEntry(DomainError):
    pass


class InvalidRule(DomainError):
    """A Prio 1 rule that cannot be saved; the message says why."""


class InvalidPolicy(DomainError):
    """A customer's outside-window policy that cannot be saved; the message says why."""
