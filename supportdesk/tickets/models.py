"""Customers, contacts, groups, tickets with their articles and history, Prio 1 cases."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorExact
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX_LENGTH = 300


class Team(models.Model):
    """A group tickets can be assigned to ("Support management", "Service management", …)."""

    SUPPORT_MANAGEMENT = "support-management"
    SERVICE_MANAGEMENT = "service-management"

    slug = models.SlugField(_("key"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="ticket_teams")

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """An organisation we support."""

    code = models.SlugField(_("customer key"), max_length=50, unique=True)
    """Short stable key used by the API and the CSV import (e.g. ``stadtwerke-regensburg``)."""
    name = models.CharField(_("name"), max_length=200)
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
        verbose_name=_("project manager"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(_("name"), max_length=200)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_projects",
        verbose_name=_("project manager"),
    )

    class Meta:
        ordering = ["customer__name", "name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="project_unique_name_per_customer")]

    def __str__(self) -> str:
        return f"{self.customer.name}: {self.name}"


class Contact(models.Model):
    """A person who calls or writes; ``customer`` is empty for a caller not yet linked to one."""

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("phone number"), max_length=20, db_index=True)
    """E.164 (``+49941123456``); normalised with phonenumbers, default region DE."""

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["contact", "number"], name="contactphone_unique")]

    def __str__(self) -> str:
        return self.number


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(_("mail address"), db_index=True)
    """Lower case."""

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["contact", "address"], name="contactemail_unique")]

    def __str__(self) -> str:
        return self.address


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketCounter(models.Model):
    """The last sequence number handed out per year; locked while a number is allocated."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    MAIL = "mail", _("Mail")
    WEB = "web", _("Web")
    API = "api", _("API")


class Priority(models.IntegerChoices):
    P1 = 1, _("Prio 1 – production outage")
    P2 = 2, _("Prio 2 – high")
    P3 = 3, _("Prio 3 – normal")
    P4 = 4, _("Prio 4 – low")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [Status.NEW, Status.OPEN, Status.WAITING]


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    """``SD-<year>-<5-digit sequence>``; allocated once, never changes."""
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("contact")
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("project")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    assignee_group = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("group")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    due_at = models.DateTimeField(_("due"))
    """UTC; computed by ``due.due_at`` at creation, changeable by hand."""
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"))
    version = models.PositiveIntegerField(default=1)
    """Optimistic lock: +1 on every change; a write naming an older version is refused."""

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "priority"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["assignee_group", "status"]),
            models.Index(fields=["due_at"]),
            # the open tickets by priority (the intake's and the list's "any open, by priority")
            models.Index(
                fields=["priority", "due_at", "id"],
                condition=Q(status__in=["new", "open", "waiting"]),
                name="ticket_open_priority_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4), name="ticket_priority_range"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ArticleKind(models.TextChoices):
    PHONE_NOTE = "phone_note", _("Phone note")
    MAIL_IN = "mail_in", _("Inbound mail")
    MAIL_OUT = "mail_out", _("Outbound mail")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    STATUS_UPDATE = "status_update", _("Status update")


class Article(models.Model):
    """One entry of a ticket's timeline; ``body`` is plain text and always rendered escaped."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="articles")
    kind = models.CharField(_("kind"), max_length=20, choices=ArticleKind.choices)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at}"


class TicketChange(models.Model):
    """One field change: who, when, field, old and new value (as shown to people)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    """The ticket version this change produced."""
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    field = models.CharField(max_length=30)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["ticket", "version"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} v{self.version} {self.field}"


class Prio1Status(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Prio1Case(models.Model):
    """A Prio 1 incident (R13, R14); the escalation app works on it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="prio1_cases")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Prio1Status.choices, default=Prio1Status.OPEN)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=~Q(status="resolved"), name="prio1case_one_unresolved_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"Prio 1 {self.ticket_id} {self.status}"


class TsVectorField(models.Field):
    """A PostgreSQL ``tsvector`` column (on SQLite an unused column of that declared type).

    Django's ``SearchVectorField`` would need ``django.contrib.postgres`` in
    INSTALLED_APPS, which the SQLite installation does not want; the ``@@``
    lookup and ``SearchRank`` work on this field all the same.
    """

    description = "tsvector"

    def db_type(self, connection) -> str:  # type: ignore[no-untyped-def]
        return "tsvector"


TsVectorField.register_lookup(SearchVectorExact)


class TicketSearchDocument(models.Model):
    """The full-text document of a ticket on PostgreSQL: subject (weight A), customer and contact
    names (B), article texts (D), each as ``german`` and ``english`` lexemes; GIN-indexed.
    ``head`` is the subject and names part alone (small, GIN-indexed too): a search ranks its
    hits there first without reading every matching document (see ``selectors.ticket_search``).

    Written by ``search.search_documents_refresh`` in the same transaction as the ticket or
    article it reflects, never by a signal. On SQLite the FTS5 table ``tickets_ticket_fts``
    (created by migration 0003) holds the document instead and this table stays empty.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    document = TsVectorField(null=True)
    head = TsVectorField(null=True)

    def __str__(self) -> str:
        return f"search document of {self.ticket_id}"


class IntakeCheck(models.Model):
    """One hourly look at the ticket intake for Prio 1 tickets by the phone duty (R11)."""

    due_at = models.DateTimeField(_("due"), unique=True)
    """UTC; a configured check time (``SUPPORTDESK_INTAKE_CHECK_TIMES``) on a support day."""
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )
    coordinator_notified_at = models.DateTimeField(null=True, blank=True)
    """Set once when the check was still open 15 minutes after ``due_at``; never notified twice."""

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("intake check")
        verbose_name_plural = _("intake checks")

    def __str__(self) -> str:
        return f"intake check {self.due_at.isoformat()}"

    @property
    def is_done(self) -> bool:
        return self.checked_at is not None


class NotificationPreference(models.Model):
    """How a person wants to hear of tickets assigned to them (kept here, not in accounts)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="ticket_notice_preference"
    )
    digest = models.BooleanField(
        _("morning digest"),
        default=True,
        help_text=_(
            "Hear of non-urgent tickets created outside core hours in one mail at the start of the next working day."
        ),
    )

    def __str__(self) -> str:
        return f"{self.user_id}: digest={self.digest}"


class DigestItem(models.Model):
    """A ticket an assignee has not been told of yet; the next morning digest lists it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    digested_at = models.DateTimeField(null=True, blank=True)
    """When the digest that listed it was queued; null while pending."""

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="digestitem_once_per_user_ticket")]
        indexes = [models.Index(fields=["digested_at", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.ticket_id}"
