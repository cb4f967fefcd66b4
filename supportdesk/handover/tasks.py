"""Background tasks of the hand-over: one-line wrappers around services (STYLE 15)."""

from datetime import datetime

from django.tasks import task


@task
def routing_sync(now: str) -> bool:
    """Announce a change of where the support line rings; re-queue failed webhook deliveries."""
    from supportdesk.handover import services

    return services.routing_sync(now=datetime.fromisoformat(now)) is not None


@task
def routing_webhook_send(delivery_id: int) -> bool:
    from supportdesk.handover import services

    delivery = services.routing_webhook_send(delivery_id=delivery_id)
    return delivery is not None and delivery.sent_at is not None


@task
def handover_escalate(now: str) -> int:
    """Repeat unacknowledged hand-over notices, then tell the coordinator."""
    from supportdesk.handover import services

    return len(services.handover_escalate(now=datetime.fromisoformat(now)))


@task
def handover_auto(slot: str) -> bool:
    from supportdesk.handover import services

    return services.handover_auto(now=datetime.fromisoformat(slot)) is not None


@task
def handover_leaving(slot: str) -> bool:
    """The mailbox head's "leaving at" time has come: hand over unless she did already."""
    from supportdesk.handover import services

    return services.handover_leaving(now=datetime.fromisoformat(slot)) is not None


@task
def readiness_request(slot: str) -> bool:
    from supportdesk.handover import services

    return services.readiness_request(now=datetime.fromisoformat(slot)) is not None


@task
def readiness_alert(slot: str) -> bool:
    from supportdesk.handover import services

    return services.readiness_alert(now=datetime.fromisoformat(slot)) is not None


@task
def closing_request(slot: str) -> bool:
    from supportdesk.handover import services

    return services.closing_request(now=datetime.fromisoformat(slot)) is not None


@task
def closing_overdue(slot: str) -> bool:
    from supportdesk.handover import services

    return services.closing_overdue(now=datetime.fromisoformat(slot)) is not None
