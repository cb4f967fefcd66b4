"""Template filters of the delivery log."""

from django import template

from supportdesk.notifications.channels import error_text

register = template.Library()


@register.filter
def delivery_error(error: str) -> str:
    """A delivery's ``last_error`` for the reader: our own errors in the active language."""
    return error_text(error)
