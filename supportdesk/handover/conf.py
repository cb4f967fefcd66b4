"""Settings of the hand-over app with their defaults (each an optional ``SUPPORTDESK_*`` setting)."""

from datetime import timedelta

from django.conf import settings


def _minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=int(getattr(settings, name, default)))


def readiness_lead() -> timedelta:
    """``SUPPORTDESK_READINESS_LEAD_MINUTES``: the standby is asked this long before the window (R16, R17)."""
    return _minutes("SUPPORTDESK_READINESS_LEAD_MINUTES", 5)


def readiness_grace() -> timedelta:
    """``SUPPORTDESK_READINESS_GRACE_MINUTES``: no check-in this long after the window start → alert."""
    return _minutes("SUPPORTDESK_READINESS_GRACE_MINUTES", 5)


def handover_repeat_after() -> timedelta:
    """``SUPPORTDESK_HANDOVER_REPEAT_MINUTES``: an unacknowledged hand-over notice is repeated, then escalated."""
    return _minutes("SUPPORTDESK_HANDOVER_REPEAT_MINUTES", 10)


def closing_grace() -> timedelta:
    """``SUPPORTDESK_CLOSING_GRACE_MINUTES``: closing checklist unconfirmed this long → coordinator (R15)."""
    return _minutes("SUPPORTDESK_CLOSING_GRACE_MINUTES", 15)


def today_poll_seconds() -> int:
    """``SUPPORTDESK_TODAY_POLL_SECONDS``: how often the Today page refreshes its live part (at least 1)."""
    return max(1, int(getattr(settings, "SUPPORTDESK_TODAY_POLL_SECONDS", 30)))


def webhook_timeout() -> float:
    return float(getattr(settings, "SUPPORTDESK_ROUTING_WEBHOOK_TIMEOUT", 5.0))


WEBHOOK_MAX_ATTEMPTS = 60
"""A change not delivered within an hour of retries (one a minute) is given up."""
