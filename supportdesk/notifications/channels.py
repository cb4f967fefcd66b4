"""Delivery channels. Each is a small class with ``send(delivery) -> DeliveryResult``.

Channels are listed in ``settings.SUPPORTDESK_NOTIFICATION_CHANNELS``; later
capabilities (Apprise, webhooks) add their own class there.
"""

import logging
from dataclasses import dataclass
from typing import Protocol

from django.core.mail import EmailMultiAlternatives

from supportdesk.notifications.models import NotificationDelivery

logger = logging.getLogger(__name__)


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
            return DeliveryResult(ok=False, error="recipient has no mail address", permanent=True)
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
