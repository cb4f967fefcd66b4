"""Bulk changes from the ticket list: one ticket at a time, a stale one is skipped."""

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import Conflict, DomainError
from supportdesk.tickets.exceptions import InvalidTicket
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.tickets import ticket_update

logger = logging.getLogger(__name__)


BULK_FIELDS = ("status", "assignee", "assignee_group")


@dataclasses.dataclass
class BulkReport:
    """What a bulk change did, ticket by ticket (numbers, in the order given)."""

    changed: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    """Already had the new values: nothing written, no new version."""
    skipped: list[str] = dataclasses.field(default_factory=list)
    """Changed by someone else since the list was loaded (a ``Conflict``): left as they are."""
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """``(number, message)`` of tickets the change was refused for (e.g. a validation error)."""


def tickets_bulk_update(
    *,
    actor: User | None,
    items: Iterable[tuple[Ticket, int]],
    changes: Mapping[str, Any],
    now: datetime | None = None,
) -> BulkReport:
    """Apply ``changes`` (status, assignee, group) to each ``(ticket, expected_version)`` via ``ticket_update``.

    Per ticket, not all-or-nothing: each ticket is its own transaction (``ticket_update``
    is atomic and this function deliberately is not), so one row lock is held at a time and
    a ticket someone else changed meanwhile is skipped and reported while the others are
    saved. Called inside an outer transaction, each ticket becomes a savepoint instead.
    """
    unknown = set(changes) - set(BULK_FIELDS)
    if unknown:
        raise InvalidTicket(
            _("These fields cannot be changed for several tickets: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    if not changes:
        raise InvalidTicket(_("Choose what to change."))
    now = now or timezone.now()
    report = BulkReport()
    for ticket, expected_version in items:
        try:
            saved = ticket_update(actor, ticket, expected_version, now=now, **changes)
        except Conflict:
            report.skipped.append(ticket.number)
        except DomainError as exc:
            report.failed.append((ticket.number, exc.message))
        else:
            (report.changed if saved.version != expected_version else report.unchanged).append(ticket.number)
    logger.info(
        "bulk change of %s tickets by %s: %s changed, %s skipped",
        len(report.changed) + len(report.unchanged) + len(report.skipped) + len(report.failed),
        actor,
        len(report.changed),
        len(report.skipped),
    )
    return report
