"""The hourly intake check (R11): open, record, escalate to the coordinators."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_coordinators
from supportdesk.notifications.services import notify, notify_many
from supportdesk.roster.selectors import holders_on
from supportdesk.tickets import selectors
from supportdesk.tickets.models import IntakeCheck
from supportdesk.tickets.services.common import _local

logger = logging.getLogger(__name__)


@transaction.atomic
def intake_check_open(*, due_at: datetime) -> IntakeCheck:
    """Create the check due at ``due_at`` and prompt the published phone duty; a second call does nothing."""
    check, created = IntakeCheck.objects.get_or_create(due_at=due_at)
    if not created:
        return check
    holder = holders_on(day=_local(due_at).date(), published_only=True).get("phone_duty")
    if holder is not None and holder.user is not None:
        notify(
            recipient=holder.user,
            template="tickets/intake_check_due",
            context={"recipient": holder.user, "check": check, "due_local": _local(due_at)},
        )
    else:
        logger.warning("intake check %s: no published phone duty to prompt", due_at.isoformat())
    return check


@transaction.atomic
def intake_check_done(*, check: IntakeCheck, actor: User, now: datetime | None = None) -> IntakeCheck:
    """Record who checked the intake and when; the first click counts."""
    now = now or timezone.now()
    IntakeCheck.objects.filter(pk=check.pk, checked_at__isnull=True).update(checked_at=now, checked_by=actor)
    check.refresh_from_db()
    return check


@transaction.atomic
def intake_checks_escalate(*, now: datetime | None = None) -> list[IntakeCheck]:
    """Tell the coordinators once about every check still open 15 minutes after its time."""
    now = now or timezone.now()
    late = list(
        IntakeCheck.objects.select_for_update()
        .filter(
            checked_at__isnull=True,
            coordinator_notified_at__isnull=True,
            due_at__lte=now - selectors.INTAKE_CHECK_OVERDUE,
            due_at__gte=now - timedelta(days=1),
        )
        .order_by("due_at")
    )
    if not late:
        return []
    day = _local(late[-1].due_at).date()
    holder = holders_on(day=day, published_only=True).get("phone_duty")
    coordinators = user_list_coordinators(day=day)
    for check in late:
        notify_many(
            recipients=coordinators,
            template="tickets/intake_check_overdue",
            context={
                "check": check,
                "due_local": _local(check.due_at),
                "phone_duty": holder.user if holder else None,
            },
        )
        check.coordinator_notified_at = now
        check.save(update_fields=["coordinator_notified_at"])
    return late
