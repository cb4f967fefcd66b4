"""Background tasks of the mailbox: one-line wrappers around services (STYLE 15)."""

from django.tasks import task

from supportdesk.mailbox import services


@task
def outbound_mail_send(*, outbound_id: int) -> None:
    """Send a queued reply or forward once its undo window has passed (unless it was cancelled)."""
    services.outbound_mail_deliver(outbound_id=outbound_id)


@task
def triage_record_finalize(*, record_id: int) -> None:
    """The undo window of a triage action has passed: send the notices it held back."""
    services.triage_record_finalize(record_id=record_id)


@task
def outbound_mail_sweep() -> int:
    """Re-enqueue queued mails whose task was lost."""
    return services.outbound_mail_sweep()
