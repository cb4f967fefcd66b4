"""What the ticket writes share: local time, validation messages, subject and priority checks."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from supportdesk.tickets.exceptions import InvalidTicket
from supportdesk.tickets.models import SUBJECT_MAX_LENGTH, Priority

logger = logging.getLogger(__name__)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(
            f"{field}: {' '.join(m for e in errors for m in e.messages)}" for field, errors in exc.error_dict.items()
        )
    return " ".join(exc.messages)


def _check_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise InvalidTicket(_("The subject must not be empty."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise InvalidTicket(
            _(
                "The subject may have at most %(max)s characters (this one has %(length)s); "
                "put the details into the note."
            )
            % {"max": SUBJECT_MAX_LENGTH, "length": len(subject)}
        )
    return subject


def _check_priority(priority: int) -> int:
    if priority not in Priority.values:
        raise InvalidTicket(_("The priority must be 1, 2, 3 or 4 (1 = production outage)."))
    return int(priority)
