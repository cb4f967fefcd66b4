"""The navigation's count of requests waiting for the user's answer."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def requests_waiting(context: template.Context) -> int:
    """Open swap requests and offers the user can answer (one query; 0 for anonymous users)."""
    from supportdesk.roster.views import requests_to_me_count

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return requests_to_me_count(user)
