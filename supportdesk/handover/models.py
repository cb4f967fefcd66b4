"""The mailbox head's day, the hand-over to the afternoon support, readiness and closing (R15–R17, R20, R22)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class PresenceState(models.TextChoices):
    PRESENT = "present", _("Present")
    AWAY = "away", _("Away")
    LEAVING = "leaving", _("Leaving at")


class DayPresence(models.Model):
    """The mailbox head's own word on her day; without a row she counts as present unless absent in the roster."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="day_presences")
    date = models.DateField(_("date"))
    """Local date (Europe/Berlin)."""
    state = models.CharField(_("presence"), max_length=10, choices=PresenceState.choices, default=PresenceState.PRESENT)
    leaving_at = models.TimeField(_("leaving at"), null=True, blank=True)
    """Wall-clock time; set only when ``state`` is "leaving"."""
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("day presence")
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="handover_presence_unique_per_day"),
            models.CheckConstraint(
                condition=models.Q(state="leaving", leaving_at__isnull=False) | ~models.Q(state="leaving"),
                name="handover_presence_leaving_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.date}: {self.state}"


class HandoverReason(models.TextChoices):
    END_OF_DAY = "end_of_day", _("End of the mailbox head's day")
    AWAY = "away", _("Mailbox head away today")
    LEAVING = "leaving", _("Mailbox head leaving")
    WINDOW_START = "window_start", _("Automatic at the window start")


class Handover(models.Model):
    """The day's hand-over of triage inbox, intake watch and support line (R22); at most one per day."""

    date = models.DateField(_("date"), unique=True)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="handovers_received"
    )
    """Who holds the line from the hand-over: the phone duty of the day, else (nobody published) the
    coordinator the routing falls back to; empty: after-hours mode (no window) or nobody at all."""
    to_target = models.CharField(
        max_length=20,
        default="phone_duty",
        choices=[("phone_duty", _("Phone duty")), ("coordinator", _("Coordinator"))],
    )
    """The role ``to_user`` holds the line in (the routing answer's ``target``)."""
    reason = models.CharField(
        _("reason"), max_length=20, choices=HandoverReason.choices, default=HandoverReason.END_OF_DAY
    )
    performed_at = models.DateTimeField(_("performed at"))
    """UTC."""
    automatic = models.BooleanField(_("automatic"), default=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    """When the notice was last repeated."""
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    """How often the notice was repeated (at most the day's flow setting's repeat count)."""
    coordinator_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hand-over")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.from_user} → {self.to_user or 'after hours'}"

    @property
    def after_hours(self) -> bool:
        return self.to_user_id is None


class ReadinessCheck(models.Model):
    """The technical standby's check-in at the start of the window (R16, R17)."""

    date = models.DateField(_("date"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readiness_checks")
    requested_at = models.DateTimeField(_("requested at"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    reachable = models.BooleanField(_("reachable at the known number"), default=False)
    computer = models.BooleanField(_("computer at hand"), default=False)
    vpn = models.BooleanField(_("VPN connection tested"), default=False)
    alerted_at = models.DateTimeField(null=True, blank=True)
    """When the phone duty and coordinator were alerted (at most once)."""

    class Meta:
        verbose_name = _("readiness check")

    def __str__(self) -> str:
        return f"{self.date}: {self.user}"

    @property
    def ready(self) -> bool:
        return self.checked_in_at is not None and self.reachable and self.computer and self.vpn


class ClosingCheck(models.Model):
    """The phone duty's closing checklist at the end of the window (R15)."""

    date = models.DateField(_("date"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="closing_checks"
    )
    requested_at = models.DateTimeField(_("requested at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    coordinator_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("closing check")

    def __str__(self) -> str:
        return f"{self.date}: {self.user}"


class ChecklistText(models.Model):
    """The closing checklist as the admin words it, one per language; without a row the built-in text is used."""

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, unique=True)
    text = models.TextField(_("checklist"), help_text=_("One item per line."))

    class Meta:
        verbose_name = _("closing checklist text")

    def __str__(self) -> str:
        return self.language


class RoutingTarget(models.TextChoices):
    MAILBOX_HEAD = "mailbox_head", _("Mailbox head")
    PHONE_DUTY = "phone_duty", _("Phone duty")
    COORDINATOR = "coordinator", _("Coordinator")
    VOICEMAIL = "voicemail", _("Voicemail")


class RoutingWebhook(models.Model):
    """A PBX or bridge told about every change of where the support line rings (R10)."""

    url = models.URLField(_("URL"))
    secret = models.CharField(_("secret"), max_length=200)
    """Key of the HMAC-SHA256 in ``X-Supportdesk-Signature``."""
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing webhook")

    def __str__(self) -> str:
        return self.url


class RoutingState(models.Model):
    """Append-only: where the line rang from ``changed_at`` on; the latest row is the one last announced."""

    target = models.CharField(max_length=20, choices=RoutingTarget.choices)
    name = models.CharField(max_length=150, blank=True)
    number = models.CharField(max_length=40, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField()
    """UTC."""

    class Meta:
        get_latest_by = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.target} {self.number}"


class RoutingDelivery(models.Model):
    """One POST of one change to one webhook; retried every minute until sent or given up."""

    webhook = models.ForeignKey(RoutingWebhook, on_delete=models.CASCADE, related_name="deliveries")
    state = models.ForeignKey(RoutingState, on_delete=models.CASCADE, related_name="deliveries")
    body = models.TextField()
    """The exact JSON signed and sent, so that every retry carries the same signature."""
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "state"], name="handover_delivery_once_per_change"),
        ]

    def __str__(self) -> str:
        return f"{self.state} → {self.webhook}"


class AfterHoursReply(models.Model):
    """One automatic "we are back on …" answer per sender and local day, outside window and core hours (R15)."""

    sender = models.CharField(_("sender"), max_length=320)
    """Lower case."""
    date = models.DateField(_("date"))
    """Local date (Europe/Berlin) the answer went out."""
    sent_at = models.DateTimeField(_("sent at"))
    """UTC."""
    message_id = models.CharField(max_length=300, blank=True)
    """Of our answer (an ``OutboundMail``), without angle brackets."""
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name = _("after-hours reply")
        constraints = [
            models.UniqueConstraint(fields=["sender", "date"], name="handover_after_hours_reply_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.sender}"


class DayFlowSettings(models.Model):
    """The coordinators' settings of the day's flow; a single row (pk=1), created with the defaults from
    the ``SUPPORTDESK_*`` settings (``conf.defaults()``). Minutes are relative to the support window."""

    readiness_lead_minutes = models.PositiveSmallIntegerField(
        _("ask the standby to check in (minutes before the window start)"),
        default=5,
        validators=[MaxValueValidator(120)],
    )
    readiness_grace_minutes = models.PositiveSmallIntegerField(
        _("alert when not checked in (minutes after the window start)"),
        default=5,
        validators=[MaxValueValidator(120)],
    )
    auto_handover = models.BooleanField(_("hand over automatically at the window start"), default=True)
    handover_repeat_minutes = models.PositiveSmallIntegerField(
        _("repeat an unacknowledged hand-over notice after (minutes)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    handover_repeat_count = models.PositiveSmallIntegerField(
        _("repeat the notice this many times before telling the coordinator"),
        default=1,
        validators=[MaxValueValidator(5)],
    )
    closing_grace_minutes = models.PositiveSmallIntegerField(
        _("tell the coordinator when the closing checklist is unconfirmed (minutes after the window end)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    triage_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("triage owner during core hours"),
        help_text=_("Empty: the mailbox head."),
    )
    """Owns the triage inbox before the hand-over instead of the mailbox head (R20)."""
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("day's flow settings")
        verbose_name_plural = _("day's flow settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="handover_day_flow_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(readiness_lead_minutes__gt=0) | models.Q(readiness_grace_minutes__gt=0),
                name="handover_day_flow_alert_after_ask",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Day's flow settings"))

    def clean(self) -> None:
        if self.readiness_lead_minutes == 0 and self.readiness_grace_minutes == 0:
            raise ValidationError(
                {
                    "readiness_grace_minutes": _(
                        "The alert must come after the check-in request: with the request at the window "
                        "start, alert at least one minute after it."
                    )
                }
            )
        if self.triage_owner is not None and not self.triage_owner.is_active:
            raise ValidationError({"triage_owner": _("The triage owner must be an active user.")})

    @property
    def readiness_lead(self) -> timedelta:
        return timedelta(minutes=self.readiness_lead_minutes)

    @property
    def readiness_grace(self) -> timedelta:
        return timedelta(minutes=self.readiness_grace_minutes)

    @property
    def handover_repeat(self) -> timedelta:
        return timedelta(minutes=self.handover_repeat_minutes)

    @property
    def closing_grace(self) -> timedelta:
        return timedelta(minutes=self.closing_grace_minutes)
