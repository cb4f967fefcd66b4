"""Background tasks of tickets: one-line wrappers around services (STYLE 15)."""

from datetime import datetime

from django.tasks import task

from supportdesk.tickets import services


@task
def intake_check_open(due_at: str) -> int:
    """Create the hourly intake check due at ``due_at`` (ISO) and prompt the phone duty (R11)."""
    return services.intake_check_open(due_at=datetime.fromisoformat(due_at)).pk


@task
def intake_checks_escalate(slot: str) -> int:
    """Tell the coordinators of intake checks still open 15 minutes after their time."""
    return len(services.intake_checks_escalate(now=datetime.fromisoformat(slot)))


@task
def digests_send(slot: str) -> int:
    """The morning digest of tickets created outside core hours."""
    return services.digests_send(now=datetime.fromisoformat(slot))
