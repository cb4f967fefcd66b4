from django.tasks import task

from supportdesk.notifications import services


@task
def deliver_notification(*, delivery_id: int) -> None:
    services.delivery_attempt(delivery_id=delivery_id)


@task
def check_delivery_lease(*, delivery_id: int) -> bool:
    return services.delivery_lease_check(delivery_id=delivery_id)


@task
def sweep_deliveries(*, urgent_only: bool = False) -> int:
    return services.delivery_sweep(urgent_only=urgent_only)


@task
def prune_delivery_attempts() -> int:
    return services.delivery_attempts_prune()
