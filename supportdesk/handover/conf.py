"""Settings of the hand-over app.

The times and switches of the day's flow are edited by a coordinator on the "Day's flow settings"
page (``models.DayFlowSettings``); the ``SUPPORTDESK_*`` settings below only give the defaults the
row starts with. What stays a deployment setting (poll interval, webhook timeout) is read here.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from supportdesk.handover.models import DayFlowSettings


def _int(name: str, default: int, *, least: int = 0) -> int:
    return max(least, int(getattr(settings, name, default)))


def defaults() -> dict[str, object]:
    """The first values of the day's flow settings row, from the deployment's settings."""
    return {
        # SUPPORTDESK_READINESS_LEAD_MINUTES: the standby is asked this long before the window (R16, R17).
        "readiness_lead_minutes": _int("SUPPORTDESK_READINESS_LEAD_MINUTES", 5),
        # SUPPORTDESK_READINESS_GRACE_MINUTES: no check-in this long after the window start → alert.
        # (at least 1 when the lead is 0: the alert comes after the request)
        "readiness_grace_minutes": _int(
            "SUPPORTDESK_READINESS_GRACE_MINUTES",
            5,
            least=0 if _int("SUPPORTDESK_READINESS_LEAD_MINUTES", 5) else 1,
        ),
        # SUPPORTDESK_HANDOVER_REPEAT_MINUTES / _COUNT: an unacknowledged notice is repeated, then escalated.
        "handover_repeat_minutes": _int("SUPPORTDESK_HANDOVER_REPEAT_MINUTES", 10, least=1),
        "handover_repeat_count": _int("SUPPORTDESK_HANDOVER_REPEAT_COUNT", 1),
        # SUPPORTDESK_CLOSING_GRACE_MINUTES: closing checklist unconfirmed this long → coordinator (R15).
        "closing_grace_minutes": _int("SUPPORTDESK_CLOSING_GRACE_MINUTES", 15, least=1),
        # SUPPORTDESK_AUTO_HANDOVER: hand over at the window start when the mailbox head has not.
        "auto_handover": bool(getattr(settings, "SUPPORTDESK_AUTO_HANDOVER", True)),
    }


def _flow() -> "DayFlowSettings":
    from supportdesk.handover.selectors import day_flow_settings_get

    return day_flow_settings_get()


def readiness_lead() -> timedelta:
    """The standby is asked this long before the window start (R16, R17)."""
    return _flow().readiness_lead


def readiness_grace() -> timedelta:
    """No check-in this long after the window start → alert."""
    return _flow().readiness_grace


def handover_repeat_after() -> timedelta:
    """An unacknowledged hand-over notice is repeated after this long, then escalated."""
    return _flow().handover_repeat


def closing_grace() -> timedelta:
    """Closing checklist unconfirmed this long after the window end → coordinator (R15)."""
    return _flow().closing_grace


def today_poll_seconds() -> int:
    """``SUPPORTDESK_TODAY_POLL_SECONDS``: how often the Today page refreshes its live part (at least 1)."""
    return max(1, int(getattr(settings, "SUPPORTDESK_TODAY_POLL_SECONDS", 30)))


def webhook_timeout() -> float:
    return float(getattr(settings, "SUPPORTDESK_ROUTING_WEBHOOK_TIMEOUT", 5.0))


WEBHOOK_MAX_ATTEMPTS = 60
"""A change not delivered within an hour of retries (one a minute) is given up."""
