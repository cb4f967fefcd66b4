"""The Prio 1 escalation chain (OnCall's escalate_alert_group): one row per case, its timeline, its policy."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return uuid.uuid4().hex


class EscalationPolicy(models.Model):
    """Singleton (pk=1): the timing of the chain."""

    renotify_seconds = models.PositiveIntegerField(_("seconds until the next notice"), default=300)
    renotify_count = models.PositiveSmallIntegerField(_("repeated notices to the standby"), default=3)
    """Notices to the recipient after the first one, before the chain escalates."""
    escalate_to_coordinators = models.BooleanField(_("then tell the coordinators"), default=True)
    escalate_to_pool = models.BooleanField(_("then tell the other available pool members"), default=True)
    ack_link_hours = models.PositiveSmallIntegerField(_("acknowledgement links are valid for (hours)"), default=12)
    nudge_after_minutes = models.PositiveSmallIntegerField(
        _("nudge the phone duty after minutes without a status update"), default=20
    )
    """R19: once per silent period on an acknowledged case; 0 switches the nudge off."""

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policy")

    def __str__(self) -> str:
        return f"every {self.renotify_seconds} s, {self.renotify_count} repeats"


class OutsideWindowMode(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PERSON = "person", _("A named person")
    NOBODY = "nobody", _("Nobody (automatic answer to the customer)")


class CustomerEscalationPolicy(models.Model):
    """Who hears of a customer's Prio 1 outside the support windows; coordinator when no row exists."""

    customer = models.OneToOneField("tickets.Customer", on_delete=models.CASCADE, related_name="escalation_policy")
    mode = models.CharField(_("outside the windows"), max_length=20, choices=OutsideWindowMode.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    """Set (and active) when ``mode`` is ``person``; a missing person falls back to the coordinator."""

    class Meta:
        verbose_name = _("customer escalation policy")
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="person") | Q(person__isnull=False), name="customerescalationpolicy_person_set"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.mode}"


class EscalationStatus(models.TextChoices):
    ACTIVE = "active", _("Waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Escalation(models.Model):
    case = models.OneToOneField("tickets.Prio1Case", on_delete=models.CASCADE, related_name="escalation")
    status = models.CharField(max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.ACTIVE)
    step = models.PositiveSmallIntegerField(default=0)
    """The next step to run: 0 is the first notice, 1..renotify_count the repeats, then the escalation."""
    step_token = models.CharField(max_length=32, default=new_token)
    """Changes whenever a step ran or the chain stopped: a step task carrying another token exits."""
    next_step_at = models.DateTimeField(null=True, blank=True)
    """UTC; when step ``step`` is due; null when the chain has nothing more to do."""
    started_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "next_step_at"])]

    def __str__(self) -> str:
        return f"escalation {self.pk} ({self.status}, step {self.step})"

    def get_absolute_url(self) -> str:
        return reverse("escalation:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == EscalationStatus.ACTIVE


class EventKind(models.TextChoices):
    STARTED = "started", _("Case opened")
    NOTIFIED = "notified", _("Notified")
    RENOTIFIED = "renotified", _("Notified again")
    ESCALATED = "escalated", _("Escalated")
    NO_RECIPIENT = "no_recipient", _("Nobody to notify")
    UNREACHABLE = "unreachable", _("Recipient unreachable")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACK_IGNORED = "ack_ignored", _("Later acknowledgement")
    PHONE_DUTY_TOLD = "phone_duty_told", _("Phone duty told")
    PHONE_DUTY_NUDGED = "phone_duty_nudged", _("Phone duty nudged (no status update)")
    STATUS_UPDATE = "status_update", _("Status update")
    PHONE_CALL = "phone_call", _("Phone call")
    RESOLVED = "resolved", _("Resolved")
    STATUS_MAIL = "status_mail", _("Status mail to the customer")
    AUTO_ANSWER = "auto_answer", _("Automatic answer to the customer")


class EscalationEvent(models.Model):
    """One entry on the case's timeline."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    """UTC."""
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    deliveries = models.ManyToManyField("notifications.NotificationDelivery", blank=True, related_name="+")
    """The notices this event sent: the sweep tells the coordinator when all of them failed."""

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["escalation", "at"])]

    def __str__(self) -> str:
        return f"{self.escalation_id} {self.kind} {self.at.isoformat()}"


class StatusMailTemplate(models.Model):
    """A status mail the phone duty sends to the customer (R14); one row per ``name`` and language.

    ``subject`` and ``body`` may use $number, $subject, $customer and $sender.
    """

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=100)
    """Shared by the translations of one mail: the form picks ``name`` and the language separately."""
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["name", "language"]
        verbose_name = _("status mail template")
        constraints = [models.UniqueConstraint(fields=["language", "name"], name="statusmailtemplate_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class CustomerContract(models.Model):
    """What a customer's contract promises; a customer without a row has no 24/7 support."""

    customer = models.OneToOneField("tickets.Customer", on_delete=models.CASCADE, related_name="contract")
    support_24x7 = models.BooleanField(_("24/7 support"), default=False)

    class Meta:
        verbose_name = _("customer contract")

    def __str__(self) -> str:
        return f"{self.customer_id}: {'24/7' if self.support_24x7 else 'business hours'}"


class Prio1Rule(models.Model):
    """Makes an incoming mail a Prio 1 when one of its phrases occurs (see ``escalation.rules``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    customers = models.ManyToManyField(
        "tickets.Customer", blank=True, related_name="prio1_rules", verbose_name=_("customers")
    )
    """Empty: the rule applies to every customer (a mail without a known customer included)."""
    only_24x7 = models.BooleanField(_("only customers with 24/7 support"), default=False)
    phrases = models.TextField(_("phrases"))
    """One per line, case-insensitive, whole words; ``*`` stands for any letters within a word."""
    match_subject = models.BooleanField(_("look in the subject"), default=True)
    match_body = models.BooleanField(_("look in the body"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Prio 1 rule")
        constraints = [
            models.CheckConstraint(condition=Q(match_subject=True) | Q(match_body=True), name="prio1rule_some_field")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("escalation:rule_edit", args=[self.pk])
