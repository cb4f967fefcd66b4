import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


def user_preferences_activate(*, request: HttpRequest, user: Any) -> None:
    """Render this request in ``user``'s language and time zone."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = language
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, AttributeError):
        timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))


class UserPreferencesMiddleware:
    """Use the signed-in user's language and time zone for the request.

    API requests with a bearer token are authenticated later, inside DRF's view;
    ``BearerTokenAuthentication`` calls :func:`user_preferences_activate` itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_preferences_activate(request=request, user=user)
        else:
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        response = self.get_response(request)
        timezone.deactivate()
        return response
