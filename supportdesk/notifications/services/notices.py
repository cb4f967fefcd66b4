"""``notify()``: render a notice in the recipient's language and queue its deliveries."""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from supportdesk.accounts.models import User
from supportdesk.notifications import tasks as notification_tasks
from supportdesk.notifications.channels import Channel
from supportdesk.notifications.models import ChannelKind, NotificationDelivery, QuietHours, UserChannel
from supportdesk.notifications.quiet_hours import quiet_until

logger = logging.getLogger(__name__)

SUBJECT_MAX = NotificationDelivery._meta.get_field("subject").max_length or 300


DEFAULT_CHANNELS = [
    "supportdesk.notifications.channels.EmailChannel",
    "supportdesk.notifications.channels.AppriseChannel",
    "supportdesk.notifications.channels.WebhookChannel",
]


def channels() -> dict[str, Channel]:
    paths = getattr(settings, "SUPPORTDESK_NOTIFICATION_CHANNELS", DEFAULT_CHANNELS)
    result: dict[str, Channel] = {}
    for path in paths:
        channel = import_string(path)()
        result[channel.name] = channel
    return result


def render_notice(*, template: str, context: Mapping[str, Any], language: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a notice in ``language``."""
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"notifications/{template}/subject.txt", ctx).strip()
        text = render_to_string(f"notifications/{template}/body.txt", ctx)
        html = render_to_string(f"notifications/{template}/body.html", ctx)
    return " ".join(subject.split())[:SUBJECT_MAX], text, html


def recipient_channels(*, recipient: User) -> list[tuple[str, str]]:
    """(channel name, delivery address) of ``recipient``'s active channels in order; mail when none is set."""
    rows = list(UserChannel.objects.filter(user=recipient, active=True).order_by("position", "id"))
    if not rows:
        return [("email", recipient.email)]
    return [(row.kind, recipient.email if row.kind == ChannelKind.EMAIL else row.delivery_address) for row in rows]


def quiet_hours_end(*, recipient: User, now: datetime) -> datetime | None:
    """When ``recipient``'s quiet hours end, if ``now`` is inside them."""
    row = QuietHours.objects.filter(user=recipient).first()
    if row is None:
        return None
    try:
        tz = ZoneInfo(recipient.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(settings.TIME_ZONE)
    return quiet_until(now=now, start=row.start, end=row.end, tz=tz)


@transaction.atomic
def notify(
    *,
    recipient: User,
    template: str,
    context: Mapping[str, Any],
    channel_names: Iterable[str] | None = None,
    urgent: bool = False,
    now: datetime | None = None,
) -> list[NotificationDelivery]:
    """Render ``template`` for ``recipient`` and queue its delivery.

    ``channel_names=None`` (the default) means the recipient's own channels in their order, mail
    when they have none: an ``urgent`` notice (Prio 1) goes out on all of them at once; any other
    goes to the first, and when that delivery fails for good the next channel takes over (see
    :func:`delivery_fall_back`). Explicit ``channel_names`` send on exactly those channels, with
    no fallback. A notice that is not ``urgent`` waits until the recipient's quiet hours end (its
    task runs then); ``urgent`` ones go out at once.
    The delivery rows and their tasks are written in the caller's transaction:
    if the caller rolls back, nothing is sent.
    """
    subject, text, html = render_notice(template=template, context=context, language=recipient.language)
    available = channels()
    falls_back = False
    if channel_names is None:
        targets = recipient_channels(recipient=recipient)
        if not urgent:
            targets, falls_back = targets[:1], True
    else:
        targets = [(name, "") for name in channel_names]
    hold_until = None if urgent else quiet_hours_end(recipient=recipient, now=now or timezone.now())
    deliveries = []
    for name, address in targets:
        delivery = NotificationDelivery(
            recipient=recipient,
            event=template,
            channel=name,
            subject=subject,
            body_text=text,
            body_html=html,
            falls_back=falls_back,
            urgent=urgent,
        )
        delivery.address = address or available[name].address_for(delivery)
        deliveries.append(delivery_queue(delivery=delivery, hold_until=hold_until))
    return deliveries


def delivery_queue(*, delivery: NotificationDelivery, hold_until: datetime | None) -> NotificationDelivery:
    """Save a new delivery and enqueue its task (at ``hold_until`` when quiet hours hold it)."""
    delivery.next_attempt_at = hold_until
    delivery.save()
    task = notification_tasks.deliver_notification
    if hold_until is not None:
        task = task.using(run_after=hold_until)
    task.enqueue(delivery_id=delivery.pk)
    return delivery


def notify_many(*, recipients: Iterable[User], template: str, context: Mapping[str, Any]) -> list[NotificationDelivery]:
    seen: set[int] = set()
    result = []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        result.extend(notify(recipient=user, template=template, context={**context, "recipient": user}))
    return result
