"""``notify()`` is the one call other apps use to tell a person something."""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from supportdesk.accounts.models import User
from supportdesk.notifications import tasks as notification_tasks
from supportdesk.notifications.channels import Channel
from supportdesk.notifications.models import ChannelKind, DeliveryStatus, NotificationDelivery, QuietHours, UserChannel
from supportdesk.notifications.quiet_hours import quiet_until

logger = logging.getLogger(__name__)

RETRY_DELAYS = [timedelta(seconds=s) for s in (10, 30, 120, 600, 1800)]
"""Back-off between attempts; after the last one the delivery is marked failed."""
SENDING_LEASE = timedelta(minutes=5)
"""A delivery claimed longer ago than this was lost with its worker; the sweep retries it."""


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
    return " ".join(subject.split()), text, html


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
def quiet_hours_set(*, user: User, start: time | None, end: time | None) -> QuietHours | None:
    """Set (or, with either time missing or both equal, clear) ``user``'s quiet hours."""
    if start is None or end is None or start == end:
        QuietHours.objects.filter(user=user).delete()
        return None
    row, _created = QuietHours.objects.update_or_create(user=user, defaults={"start": start, "end": end})
    return row


@transaction.atomic
def notify(
    *,
    recipient: User,
    template: str,
    context: Mapping[str, Any],
    channel_names: Iterable[str] | None = ("email",),
    urgent: bool = False,
    now: datetime | None = None,
) -> list[NotificationDelivery]:
    """Render ``template`` for ``recipient`` and queue its delivery on each channel.

    ``channel_names=None`` means all of the recipient's own channels, in their order.
    A notice that is not ``urgent`` waits until the recipient's quiet hours end (its task
    runs then); ``urgent`` ones (Prio 1) go out at once.
    The delivery rows and their tasks are written in the caller's transaction:
    if the caller rolls back, nothing is sent.
    """
    subject, text, html = render_notice(template=template, context=context, language=recipient.language)
    available = channels()
    if channel_names is None:
        targets = recipient_channels(recipient=recipient)
    else:
        targets = [(name, "") for name in channel_names]
    hold_until = None if urgent else quiet_hours_end(recipient=recipient, now=now or timezone.now())
    deliveries = []
    for name, address in targets:
        channel = available[name]
        delivery = NotificationDelivery(
            recipient=recipient, event=template, channel=name, subject=subject, body_text=text, body_html=html
        )
        delivery.address = address or channel.address_for(delivery)
        delivery.next_attempt_at = hold_until
        delivery.save()
        task = notification_tasks.deliver_notification
        if hold_until is not None:
            task = task.using(run_after=hold_until)
        task.enqueue(delivery_id=delivery.pk)
        deliveries.append(delivery)
    return deliveries


def notify_many(*, recipients: Iterable[User], template: str, context: Mapping[str, Any]) -> list[NotificationDelivery]:
    seen: set[int] = set()
    result = []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        result.extend(notify(recipient=user, template=template, context={**context, "recipient": user}))
    return result


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> NotificationDelivery | None:
    """Send one pending delivery once; on failure schedule the next attempt.

    The row is claimed in a short transaction and the channel is called outside
    it, so a slow SMTP server never holds a database write lock.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = NotificationDelivery.objects.filter(
            pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
        ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE)
    if not claimed:
        return None  # sent, given up or being sent by another worker: a duplicate task does nothing
    delivery = NotificationDelivery.objects.select_related("recipient").get(pk=delivery_id)
    result = channels()[delivery.channel].send(delivery)
    with transaction.atomic():
        if result.ok:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.next_attempt_at = None
        elif result.permanent or delivery.attempts > len(RETRY_DELAYS):
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = result.error
            delivery.next_attempt_at = None
            logger.error("notice %s to %s failed for good: %s", delivery.pk, delivery.address, result.error)
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.last_error = result.error
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
            notification_tasks.deliver_notification.using(run_after=delivery.next_attempt_at).enqueue(
                delivery_id=delivery.pk
            )
        delivery.save(update_fields=["status", "last_error", "sent_at", "next_attempt_at"])
    return delivery


def delivery_sweep(*, now: datetime | None = None) -> int:
    """Re-queue deliveries whose task was lost (worker killed mid-send or before enqueue)."""
    now = now or timezone.now()
    stale = list(
        NotificationDelivery.objects.filter(
            status__in=[DeliveryStatus.SENDING, DeliveryStatus.RETRYING], next_attempt_at__lt=now - SENDING_LEASE
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        with transaction.atomic():
            if (
                NotificationDelivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
                    status=DeliveryStatus.RETRYING
                )
                or NotificationDelivery.objects.filter(pk=pk, status=DeliveryStatus.RETRYING).exists()
            ):
                notification_tasks.deliver_notification.enqueue(delivery_id=pk)
    return len(stale)


# --- a person's own channels ------------------------------------------------------------


class InvalidChannel(ValueError):
    """A channel that cannot be saved; the message says why."""


@transaction.atomic
def user_channel_create(
    *, user: User, kind: str, url: str = "", secret: str = "", label: str = "", position: int | None = None
) -> UserChannel:
    """Add a channel at the end of ``user``'s list (or at ``position``); refuse what cannot work."""
    from supportdesk.notifications.channels import apprise_url_problem

    url = url.strip()
    if kind not in ChannelKind.values:
        raise InvalidChannel(f"Unknown channel kind {kind!r}.")
    if kind == ChannelKind.APPRISE and (problem := apprise_url_problem(url)):
        raise InvalidChannel(problem)
    if kind == ChannelKind.WEBHOOK:
        if not url.startswith(("http://", "https://")):
            raise InvalidChannel("A webhook URL must start with http:// or https://.")
        if len(secret) < 16:
            raise InvalidChannel("A webhook needs a secret of at least 16 characters to sign its requests.")
    if position is None:
        last = UserChannel.objects.filter(user=user).order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    return UserChannel.objects.create(user=user, kind=kind, url=url, secret=secret, label=label, position=position)


def user_channel_test(*, channel: UserChannel) -> NotificationDelivery:
    """Queue the test notice on this one channel."""
    user = channel.user
    subject, text, html = render_notice(template="test_notice", context={"recipient": user}, language=user.language)
    with transaction.atomic():
        delivery = NotificationDelivery.objects.create(
            recipient=user,
            event="test_notice",
            channel=channel.kind,
            address=user.email if channel.kind == ChannelKind.EMAIL else channel.delivery_address,
            subject=subject,
            body_text=text,
            body_html=html,
        )
        notification_tasks.deliver_notification.enqueue(delivery_id=delivery.pk)
    return delivery


def webhook_secret_new() -> str:
    """A fresh signing key for a webhook channel (shown to its owner once)."""
    import secrets

    return secrets.token_urlsafe(24)


@transaction.atomic
def user_channel_move(*, channel: UserChannel, direction: str) -> UserChannel:
    """Swap ``channel`` with its neighbour above (``up``) or below (``down``) in its owner's list."""
    rows = list(UserChannel.objects.select_for_update().filter(user_id=channel.user_id).order_by("position", "id"))
    index = next(i for i, row in enumerate(rows) if row.pk == channel.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(rows):
        return rows[index]
    rows[index], rows[other] = rows[other], rows[index]
    # Renumber the whole list: older rows may share a position.
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    return rows[other]


@transaction.atomic
def user_channel_delete(*, channel: UserChannel) -> None:
    """Remove a channel; its pending deliveries fail permanently when they find it gone."""
    channel.delete()
