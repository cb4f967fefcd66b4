"""Template helpers available in every template (registered as a builtin)."""

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()

_WEEKDAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
_WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@register.filter
def weekday_short(value: date | int) -> str:
    from django.utils.translation import get_language

    index = value if isinstance(value, int) else value.weekday()
    return (_WEEKDAYS_EN if get_language() == "en" else _WEEKDAYS)[index]


@register.filter
def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return formats.time_format(timezone.localtime(value), "H:i")


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag
def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")
