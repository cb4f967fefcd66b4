"""``{% today_live as live %}``: the Today page (a roster view) gets its live part from the hand-over app.

The same context feeds ``handover:today_live``, which the page polls, so that the first render
and every refresh show the same thing.

The page may put ``today_holders`` into its context: ``(day, holders_on(day=day, published_only=True))``
as its duty cards read them. The live part then uses them instead of reading them again, when ``day``
is still today (a render across midnight reads afresh).
"""

from datetime import date

from django import template
from django.utils import timezone

from supportdesk.handover.selectors import DayReads
from supportdesk.handover.views import today_live_context
from supportdesk.roster.models import Assignment

register = template.Library()


@register.simple_tag(takes_context=True)
def today_live(context: template.Context) -> dict[str, object]:
    shared: tuple[date, dict[str, Assignment]] | None = context.get("today_holders")
    reads = DayReads(now=timezone.now())
    if shared is not None and shared[0] == reads.day:
        reads = DayReads(now=reads.now, cal=reads.cal, holders=shared[1])
    return today_live_context(reads=reads)
