"""``{{ change|change_reason }}``: why a cell of a published week changed, in the reader's language."""

from django import template

from supportdesk.roster.models import AssignmentChange
from supportdesk.roster.selectors import change_reason_text

register = template.Library()


@register.filter
def change_reason(change: AssignmentChange) -> str:
    return change_reason_text(change)
