from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from supportdesk.accounts.middleware import user_preferences_activate
from supportdesk.accounts.selectors import api_token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` with a per-user API token.

    The answer, errors included, is in the token owner's language and time zone, as the
    pages are for a signed-in user: the middleware ran before DRF knew who is asking.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw = raw.strip()
        if not raw:
            raise exceptions.AuthenticationFailed("No token given after 'Bearer'.")
        user = api_token_authenticate(raw=raw)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        user_preferences_activate(request=request._request, user=user)
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
