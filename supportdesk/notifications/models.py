from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class NotificationDelivery(models.Model):
    """One notice to one person over one channel, with its delivery outcome.

    The message is rendered when the notice is created (in the recipient's
    language), so a retry sends exactly what was decided then.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=100)
    """Template name, e.g. ``roster/week_published``."""
    channel = models.CharField(max_length=30, default="email")
    address = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    """A Prio 1 notice: a short sending lease and a sweep every minute, so that one lost with its
    worker goes out again within about a minute (see ``services.deliveries``)."""
    falls_back = models.BooleanField(default=False)
    """When it fails for good, the notice goes on on the recipient's next channel (ordinary notices only)."""
    fallback_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallback"
    )
    """The failed delivery of the same notice on the channel before; a failed one has at most one fallback."""
    about = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="unreachable_notices"
    )
    """A coordinator's "could not reach" notice: the failed delivery (the last of its notice) it tells of."""
    covered_by = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="coalesced")
    """A failed delivery whose recipient the coordinators were told of shortly before: those earlier
    "could not reach" notices, which stand for this failure too (no new notice was sent)."""

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = _("notification deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient} ({self.status})"


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Mail")
    APPRISE = "apprise", _("Apprise URL")
    WEBHOOK = "webhook", _("Webhook")


class UserChannel(models.Model):
    """One of a person's notice channels; ``notify(channel_names=None)`` uses them by ``position``.

    A person without any row is reached by mail (their account's address).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_channels")
    position = models.PositiveSmallIntegerField(default=0)
    """Order of use, lowest first."""
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    label = models.CharField(_("label"), max_length=100, blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    """Apprise URL or webhook URL; empty for mail (the account's address is used)."""
    secret = models.CharField(max_length=100, blank=True)
    """Webhook only: HMAC-SHA256 key of the ``X-Supportdesk-Signature`` header."""
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "position", "id"]

    def __str__(self) -> str:
        return f"{self.user_id} #{self.position} {self.kind}"

    @property
    def delivery_address(self) -> str:
        """What a delivery row stores: never the URL itself (Apprise URLs carry tokens)."""
        return f"user-channel:{self.pk}"


class QuietHours(models.Model):
    """A person's daily quiet time, in their own time zone: notices that are not urgent wait until it ends.

    ``start`` after ``end`` spans midnight (20:00–07:00); equal times mean no quiet hours.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours")
    start = models.TimeField(_("quiet from"))
    end = models.TimeField(_("quiet until"))

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.start:%H:%M}–{self.end:%H:%M}"
