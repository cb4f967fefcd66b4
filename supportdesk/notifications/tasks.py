from django.tasks import task

from supportdesk.notifications import services


@task
def deliver_notification(*, delivery_id: int) -> None:
    services.delivery_attempt(delivery_id=delivery_id)


@task
def sweep_deliveries() -> int:
    return services.delivery_sweep()
