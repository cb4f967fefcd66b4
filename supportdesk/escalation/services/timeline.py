"""The one way a service writes an entry on a case's timeline."""

from datetime import datetime

from supportdesk.escalation.models import Escalation, EscalationEvent


def event_add(escalation: Escalation, kind: str, now: datetime, **fields: object) -> EscalationEvent:
    return EscalationEvent.objects.create(escalation=escalation, kind=kind, at=now, **fields)  # type: ignore[arg-type]
