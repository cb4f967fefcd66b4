"""The one way a service writes an entry on a case's timeline."""

from collections.abc import Mapping
from datetime import datetime

from supportdesk.accounts.models import User
from supportdesk.escalation.models import Escalation, EscalationEvent, EventDetail


def event_add(
    escalation: Escalation,
    kind: str,
    now: datetime,
    *,
    step: int | None = None,
    actor: User | None = None,
    recipient: User | None = None,
    text: str = "",
    detail: EventDetail | None = None,
    params: Mapping[str, object] | None = None,
) -> EscalationEvent:
    """An entry saying ``detail`` (a code, worded when read) with ``params``, or the people's own ``text``."""
    return EscalationEvent.objects.create(
        escalation=escalation,
        kind=kind,
        at=now,
        step=step,
        actor=actor,
        recipient=recipient,
        text=text,
        detail_code=detail or "",
        detail_params=dict(params or {}),
    )
