"""A person's own notice channels and quiet hours."""

from datetime import time

from django.db import transaction
from django.utils.translation import gettext

from supportdesk.accounts.models import User
from supportdesk.notifications import tasks as notification_tasks
from supportdesk.notifications.models import ChannelKind, NotificationDelivery, QuietHours, UserChannel
from supportdesk.notifications.services.notices import (
    render_notice,
)


@transaction.atomic
def quiet_hours_set(*, user: User, start: time | None, end: time | None) -> QuietHours | None:
    """Set (or, with either time missing or both equal, clear) ``user``'s quiet hours."""
    if start is None or end is None or start == end:
        QuietHours.objects.filter(user=user).delete()
        return None
    row, _created = QuietHours.objects.update_or_create(user=user, defaults={"start": start, "end": end})
    return row


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
        raise InvalidChannel(gettext("Unknown channel kind “%(kind)s”.") % {"kind": kind})
    if kind == ChannelKind.APPRISE and (problem := apprise_url_problem(url)):
        raise InvalidChannel(problem)
    if kind == ChannelKind.WEBHOOK:
        if not url.startswith(("http://", "https://")):
            raise InvalidChannel(gettext("A webhook URL must start with http:// or https://."))
        if len(secret) < 16:
            raise InvalidChannel(gettext("A webhook needs a secret of at least 16 characters to sign its requests."))
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
