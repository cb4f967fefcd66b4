"""``{% today_live as live %}``: the Today page (a roster view) gets its live part from the hand-over app.

The same context feeds ``handover:today_live``, which the page polls, so that the first render
and every refresh show the same thing.
"""

from django import template

from supportdesk.handover.views import today_live_context

register = template.Library()


@register.simple_tag
def today_live() -> dict[str, object]:
    return today_live_context()
