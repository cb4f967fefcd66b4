"""One-line task wrappers: ids in, service call."""

from django.tasks import task


@task
def escalation_step(*, escalation_id: int, step_token: str) -> None:
    from supportdesk.escalation import services

    services.escalation_step_run(escalation_id=escalation_id, step_token=step_token)


@task
def escalation_deliveries_check(*, escalation_id: int) -> None:
    from supportdesk.escalation import services

    services.escalation_deliveries_check(escalation_id=escalation_id)


@task
def escalation_sweep() -> int:
    from supportdesk.escalation import services

    return services.escalation_sweep()


@task
def escalation_nudge_sweep() -> int:
    from supportdesk.escalation import services

    return services.escalation_nudge_sweep()


@task
def escalation_nudge(*, escalation_id: int) -> None:
    from supportdesk.escalation import services

    services.escalation_nudge_run(escalation_id=escalation_id)


@task
def escalation_auto_answer(*, escalation_id: int) -> None:
    from supportdesk.escalation import services

    services.escalation_auto_answer_send(escalation_id=escalation_id)
