"""The numbers callers need for a duty (R10, R16): the holder with the duty's contact number, as a ``tel:`` link.

Pure helpers over rows already loaded (no queries of their own beyond the assignment's user), shared by the
roster pages, the Prio 1 case page and the hand-over.
"""

from dataclasses import dataclass

import phonenumbers

from supportdesk.accounts.models import User
from supportdesk.roster.models import Assignment, Duty


def tel_uri(number: str) -> str:
    """``tel:`` URI of a number as people type it (``0941 555-0100`` → ``tel:+499415550100``)."""
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return "tel:" + "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Contact:
    """A holder with the number callers need for the duty (R10, R16)."""

    duty: Duty
    user: User | None
    number: str = ""
    tel: str = ""
    is_substitute: bool = False
    planned: bool = False
    """An assignment exists: without a holder the duty is open, without one it is not planned yet."""

    @classmethod
    def of(cls, duty: Duty, assignment: Assignment | None) -> "Contact":
        user = assignment.user if assignment else None
        number = getattr(user, duty.contact_field, "") if user else ""
        return cls(
            duty=duty,
            user=user,
            number=number,
            tel=tel_uri(number) if number else "",
            is_substitute=bool(assignment and assignment.is_substitute),
            planned=assignment is not None,
        )
