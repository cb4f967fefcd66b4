"""Notices of new tickets to the assignee, the morning digest and its preference."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.notifications.services import notify
from supportdesk.roster.business_hours import in_core_hours
from supportdesk.roster.selectors import support_calendar
from supportdesk.tickets import selectors
from supportdesk.tickets.models import DigestItem, NotificationPreference, Priority, Ticket

logger = logging.getLogger(__name__)


def _notice_is_immediate(*, ticket: Ticket, assignee: User, now: datetime) -> bool:
    """Prio 1 and 2, tickets created in core hours and people who turned the digest off hear at once."""
    if ticket.priority <= Priority.P2:
        return True
    if in_core_hours(support_calendar(), now):
        return True
    return not selectors.wants_digest(user=assignee)


def ticket_assignee_notify(*, ticket: Ticket, actor: User | None, now: datetime) -> None:
    """Tell the assignee of a new ticket now, or queue it for the next morning's digest."""
    assignee = ticket.assignee
    if assignee is None or not assignee.is_active or (actor is not None and assignee.pk == actor.pk):
        return
    if _notice_is_immediate(ticket=ticket, assignee=assignee, now=now):
        template = "tickets/ticket_assigned_urgent" if ticket.priority <= Priority.P2 else "tickets/ticket_assigned"
        notify(recipient=assignee, template=template, context={"recipient": assignee, "ticket": ticket})
    else:
        DigestItem.objects.get_or_create(user=assignee, ticket=ticket, defaults={"created_at": now})


@transaction.atomic
def digests_send(*, now: datetime | None = None) -> int:
    """One digest per person with pending items, listing them; returns the number of digests queued."""
    now = now or timezone.now()
    sent = 0
    for items in selectors.digest_pending().values():
        user = items[0].user
        notify(
            recipient=user,
            template="tickets/digest",
            context={"recipient": user, "tickets": [item.ticket for item in items]},
        )
        DigestItem.objects.filter(pk__in=[item.pk for item in items]).update(digested_at=now)
        sent += 1
    return sent


@transaction.atomic
def notification_preference_set(*, user: User, digest: bool) -> NotificationPreference:
    pref, _created = NotificationPreference.objects.update_or_create(user=user, defaults={"digest": digest})
    return pref
