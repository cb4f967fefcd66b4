"""Phone numbers as people type them, normalised to E.164 (default region DE)."""

import re

import phonenumbers
from django.utils.translation import gettext as _

from supportdesk.tickets.exceptions import InvalidPhoneNumber

DEFAULT_REGION = "DE"
_NOT_DIGIT = re.compile(r"[^\d+]")


def normalize_phone(raw: str) -> str:
    """``0941 123456``, ``+49 941 123456`` and ``0049941123456`` all become ``+49941123456``."""
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(_("%(number)r is not a phone number.") % {"number": raw}) from exc
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(_("%(number)r is not a valid phone number.") % {"number": raw})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_search_prefix(raw: str) -> str | None:
    """The E.164 prefix a partly typed number stands for, or None if it is not a number.

    ``0941 12`` → ``+4994112``; ``0049 941`` → ``+49941``; ``+49 9`` → ``+499``.
    Used while the phone duty types, before the number is complete.
    """
    text = _NOT_DIGIT.sub("", raw or "")
    digits = text.lstrip("+")
    if len(digits) < 3 or not digits.isdigit() or "+" in text[1:]:
        return None
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+49" + digits[1:]
    return None


def format_phone(e164: str) -> str:
    """``+49941123456`` → ``+49 941 123456`` for display."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, DEFAULT_REGION), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
