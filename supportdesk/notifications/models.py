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


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed, will be retried")
    FAILED = "failed", _("Failed for good")
    LOST = "lost", _("Lost with its worker, queued again")


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: written with the claim (``sending``) and finished in the
    transaction that records the delivery's outcome, or marked ``lost`` by the sweep that
    re-queues a delivery whose worker died while sending (its lease ran out).

    Pruned after :data:`services.deliveries.ATTEMPT_RETENTION`; the delivery's ``attempts``
    counter keeps counting them.
    """

    delivery = models.ForeignKey(NotificationDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    """The delivery's ``attempts`` counter after the claim: 1 for the first try, unique per delivery."""
    started_at = models.DateTimeField()
    """UTC; when the row was claimed."""
    finished_at = models.DateTimeField(null=True, blank=True)
    """UTC; when the outcome was recorded (for ``lost``: when the sweep found it); empty while ``sending``."""
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING)
    error = models.TextField(blank=True)
    """The channel's error as it came (a mail server's reply, ``HTTP 503``, or one of our own errors in English)."""
    error_code = models.CharField(max_length=40, blank=True)
    """Set when the error is one the app words itself (``channels.OWN_ERROR_CODES``): shown in the reader's language."""

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="delivery_attempt_number_unique"),
            models.CheckConstraint(
                condition=models.Q(outcome="sending", finished_at__isnull=True)
                | (~models.Q(outcome="sending") & models.Q(finished_at__isnull=False)),
                name="delivery_attempt_finished_iff_not_sending",
            ),
        ]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.outcome}"


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
