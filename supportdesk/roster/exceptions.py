from supportdesk.core.exceptions import Conflict, DomainError


class NotEligible(DomainError):
    """The person may not hold that duty on that day."""


class WeekAlreadyPublished(Conflict):
    pass


class ReasonRequired(DomainError):
    pass
