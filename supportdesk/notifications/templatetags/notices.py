"""Template filters of the delivery log."""

from django import template

from supportdesk.notifications.channels import attempt_error_text, error_text
from supportdesk.notifications.models import AttemptOutcome, DeliveryAttempt, NotificationDelivery

register = template.Library()

_OUTCOME_BADGE = {
    AttemptOutcome.SENT: "published",
    AttemptOutcome.RETRY: "draft",
    AttemptOutcome.LOST: "draft",
    AttemptOutcome.FAILED: "danger",
}


@register.filter
def delivery_error(error: str) -> str:
    """A delivery's ``last_error`` for the reader: our own errors in the active language."""
    return error_text(error)


@register.filter
def attempt_error(attempt: DeliveryAttempt) -> str:
    """An attempt's error for the reader: worded in the active language when the app words it."""
    return attempt_error_text(error=attempt.error, code=attempt.error_code)


@register.filter
def attempt_badge(attempt: DeliveryAttempt) -> str:
    """The badge class of an attempt's outcome (none while it is being sent)."""
    return _OUTCOME_BADGE.get(AttemptOutcome(attempt.outcome), "")


@register.filter
def attempts_not_listed(delivery: NotificationDelivery) -> int:
    """Attempts counted on the delivery but no longer in its log (pruned, or made before the log began).

    Reads the prefetched ``attempt_log``.
    """
    return max(delivery.attempts - len(delivery.attempt_log.all()), 0)
