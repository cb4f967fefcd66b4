"""The Prio 1 escalation chain (OnCall's escalate_alert_group): one row per case, its timeline, its policy."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    STATUS_UPDATE = "status_update", pgettext_lazy("Prio 1 timeline", "Status update")
    PHONE_CALL = "phone_call", _("Phone call")
    RESOLVED = "resolved", _("Resolved")
    STATUS_MAIL = "status_mail", _("Status mail to the customer")
    AUTO_ANSWER = "auto_answer", _("Automatic answer to the customer")


class EventDetail(models.TextChoices):
    """What the services wrote on an entry, as a code: worded in the reader's language when read.

    ``escalation.event_texts.detail_text`` words a code with ``EscalationEvent.detail_params``.
    An entry without a code shows its ``text`` as written (the people's own words).
    """

    STANDBY = "standby", _("The technical standby on duty")
    NO_STANDBY = "no_standby", _("No technical standby published: the coordinators")
    POLICY_PERSON = "policy_person", _("Outside the support windows: the person the customer's policy names")
    POLICY_COORDINATOR = "policy_coordinator", _("Outside the support windows: the coordinators")
    TOLD_BEFORE = "told_before", _("Notified before")
    ESCALATION = "escalation", _("First notice in the escalation")
    POLICY_NOBODY = "policy_nobody", _("The customer's policy names nobody")
    NOBODY_TO_NOTIFY = "nobody_to_notify", _("Nobody to notify")
    NOBODY_TO_ESCALATE = "nobody_to_escalate", _("Nobody to escalate to")
    NO_CHANNEL = "no_channel", _("No working notice channel")
    ALL_CHANNELS_FAILED = "all_channels_failed", _("Every notice channel failed")
    ACK_VIA = "ack_via", _("Acknowledged through")
    ACK_AFTER_RESOLVED = "ack_after_resolved", _("Acknowledged after the resolution")
    ACK_AFTER_ACK = "ack_after_ack", _("Acknowledged after someone else")
    SILENT_MINUTES = "silent_minutes", _("No status update for some minutes")
    STATUS_MAIL_SENT = "status_mail_sent", _("Status mail sent")
    AUTO_ANSWER_SENT = "auto_answer_sent", _("Automatic answer sent")
    AUTO_ANSWER_NO_ADDRESS = "auto_answer_no_address", _("Automatic answer not sent: no address")
    AUTO_ANSWER_REFUSED = "auto_answer_refused", _("Automatic answer not sent: answer to an automatic mail")
    AUTO_ANSWER_NOT_SENT = "auto_answer_not_sent", _("Automatic answer not sent")


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
    """The people's own words (status update, call, summary), shown as written; empty with a ``detail_code``."""
    detail_code = models.CharField(max_length=30, choices=EventDetail.choices, blank=True)
    """What a service wrote, as a code; empty when ``text`` says it (or nothing is said)."""
    detail_params = models.JSONField(default=dict, blank=True)
    """The values the code's sentence names (see ``escalation.event_texts``): names, numbers,
    addresses, ISO times in UTC, and nested codes (``reason`` of ``nobody_to_notify``)."""
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
