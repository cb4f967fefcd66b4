"""Request types for views: a signed-in user, and htmx's request details."""

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from supportdesk.accounts.models import User


class AuthedRequest(HttpRequest):
    """What a ``@login_required`` view receives (for type checkers only)."""

    user: "User"
    htmx: HtmxDetails
