from supportdesk.core.exceptions import DomainError


class TokenInvalid(DomainError):
    status_code = 401
