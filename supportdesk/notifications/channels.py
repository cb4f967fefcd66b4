"""Delivery channels. Each is a small class with ``send(delivery) -> DeliveryResult``.

Channels are listed in ``settings.SUPPORTDESK_NOTIFICATION_CHANNELS``; later
capabilities (Apprise, webhooks) add their own class there.
"""

import logging
from dataclasses import dataclass
from typing import Protocol

from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext, gettext_noop

from supportdesk.notifications.models import NotificationDelivery

logger = logging.getLogger(__name__)


NO_MAIL_ADDRESS = gettext_noop("recipient has no mail address")
CHANNEL_REMOVED = gettext_noop("the channel was removed")
APPRISE_URL_NOT_UNDERSTOOD = gettext_noop("Apprise does not understand the URL")
APPRISE_FAILED = gettext_noop("Apprise could not deliver the notice")
WEBHOOK_URL_SCHEME = gettext_noop("a webhook URL must start with http:// or https://")
OWN_ERROR_CODES: dict[str, str] = {
    "no_mail_address": NO_MAIL_ADDRESS,
    "channel_removed": CHANNEL_REMOVED,
    "apprise_url_not_understood": APPRISE_URL_NOT_UNDERSTOOD,
    "apprise_failed": APPRISE_FAILED,
    "webhook_url_scheme": WEBHOOK_URL_SCHEME,
}
"""The errors the channels word themselves, by code (``DeliveryAttempt.error_code``)."""
OWN_ERRORS = frozenset(OWN_ERROR_CODES.values())
"""The errors the channels word themselves: stored in English (``last_error`` is data), worded
for the reader by :func:`error_text`. Errors of mail servers and services are kept as they came."""
_CODE_OF_ERROR = {error: code for code, error in OWN_ERROR_CODES.items()}


def error_text(error: str) -> str:
    """A delivery's ``last_error`` for the reader: our own errors in the active language, others as they came."""
    return gettext(error) if error in OWN_ERRORS else error


def error_code(error: str) -> str:
    """The code of one of our own errors ("" for a mail server's or service's error)."""
    return _CODE_OF_ERROR.get(error, "")


def attempt_error_text(*, error: str, code: str) -> str:
    """An attempt's error for the reader: worded by its code when the app words it, else as it came."""
    if code in OWN_ERROR_CODES:
        return gettext(OWN_ERROR_CODES[code])
    return error


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    error: str = ""
    permanent: bool = False
    """True when retrying cannot help (no address)."""


class Channel(Protocol):
    name: str

    def address_for(self, delivery: NotificationDelivery) -> str: ...

    def send(self, delivery: NotificationDelivery) -> DeliveryResult: ...


class EmailChannel:
    name = "email"

    def address_for(self, delivery: NotificationDelivery) -> str:
        return delivery.recipient.email

    def send(self, delivery: NotificationDelivery) -> DeliveryResult:
        if not delivery.address:
            return DeliveryResult(ok=False, error=NO_MAIL_ADDRESS, permanent=True)
        message = EmailMultiAlternatives(
            subject=delivery.subject,
            body=delivery.body_text,
            to=[delivery.address],
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        )
        if delivery.body_html:
            message.attach_alternative(delivery.body_html, "text/html")
        try:
            message.send()
        except OSError as exc:  # smtplib.SMTPException is an OSError
            logger.warning("mail to %s failed: %s", delivery.address, exc)
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        return DeliveryResult(ok=True)


def _user_channel(delivery: NotificationDelivery, kind: str):  # type: ignore[no-untyped-def]
    """The ``UserChannel`` a delivery row names (``user-channel:<pk>``), or None when it is gone."""
    from supportdesk.notifications.models import UserChannel

    prefix = "user-channel:"
    if not delivery.address.startswith(prefix):
        return None
    try:
        pk = int(delivery.address.removeprefix(prefix))
    except ValueError:
        return None
    return UserChannel.objects.filter(pk=pk, user_id=delivery.recipient_id, kind=kind).first()


def apprise_url_problem(url: str) -> str:
    """Why Apprise cannot use ``url`` ("" when it can); checked when a channel is saved."""
    import apprise

    if not url.strip():
        return gettext("Enter an Apprise URL (for example ntfy://ntfy.sh/my-topic).")
    if not apprise.Apprise().add(url.strip()):
        return gettext("Apprise does not understand this URL (unknown scheme or missing parts).")
    return ""


class AppriseChannel:
    """Any service Apprise knows (ntfy, Gotify, Matrix, Telegram, …), one URL per user channel."""

    name = "apprise"

    def address_for(self, delivery: NotificationDelivery) -> str:
        return delivery.address

    def send(self, delivery: NotificationDelivery) -> DeliveryResult:
        import apprise

        channel = _user_channel(delivery, "apprise")
        if channel is None:
            return DeliveryResult(ok=False, error=CHANNEL_REMOVED, permanent=True)
        sender = apprise.Apprise()
        if not sender.add(channel.url):
            return DeliveryResult(ok=False, error=APPRISE_URL_NOT_UNDERSTOOD, permanent=True)
        with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as captured:
            ok = sender.notify(title=delivery.subject, body=delivery.body_text)
        if not ok:
            error = " ".join(captured.getvalue().split())[-500:] or APPRISE_FAILED
            logger.warning("apprise notice %s failed: %s", delivery.pk, error)
            return DeliveryResult(ok=False, error=error)
        return DeliveryResult(ok=True)


def webhook_signature(*, secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact request body with the channel's secret."""
    import hashlib
    import hmac

    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """POST a JSON body, signed with the channel's secret in ``X-Supportdesk-Signature``."""

    name = "webhook"
    timeout = 5.0

    def address_for(self, delivery: NotificationDelivery) -> str:
        return delivery.address

    def send(self, delivery: NotificationDelivery) -> DeliveryResult:
        import json
        import urllib.error
        import urllib.request

        channel = _user_channel(delivery, "webhook")
        if channel is None:
            return DeliveryResult(ok=False, error=CHANNEL_REMOVED, permanent=True)
        if not channel.url.startswith(("http://", "https://")):
            return DeliveryResult(ok=False, error=WEBHOOK_URL_SCHEME, permanent=True)
        body = json.dumps(
            {
                "id": delivery.pk,
                "event": delivery.event,
                "recipient": delivery.recipient.username,
                "subject": delivery.subject,
                "text": delivery.body_text,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            channel.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Supportdesk",
                "X-Supportdesk-Signature": webhook_signature(secret=channel.secret, body=body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code != 429
            return DeliveryResult(ok=False, error=f"HTTP {exc.code}", permanent=permanent)
        except OSError as exc:
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        if not 200 <= status < 300:
            return DeliveryResult(ok=False, error=f"HTTP {status}")
        return DeliveryResult(ok=True)
