"""Support mailboxes (IMAP accounts) and every mail that came in through them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    TLS = "tls", _("TLS (IMAPS)")
    STARTTLS = "starttls", _("STARTTLS")
    PLAIN = "plain", _("Unencrypted")


class Mailbox(models.Model):
    """An IMAP account whose inbox the listener empties into the product."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=255, blank=True)
    password = models.CharField(_("password"), max_length=255, blank=True)
    """Stored as given (IMAP needs it in clear); never rendered back into a form."""
    inbox_folder = models.CharField(_("inbox folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(_("folder for processed mail"), max_length=255, default="Processed")
    quarantine_folder = models.CharField(_("quarantine folder"), max_length=255, default="Quarantine")
    active = models.BooleanField(_("active"), default=True)
    smtp_host = models.CharField(_("SMTP host for replies"), max_length=255, blank=True)
    """Empty: replies and forwards from this mailbox's mails go through the global mailer."""
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    smtp_username = models.CharField(_("SMTP user name"), max_length=255, blank=True)
    smtp_password = models.CharField(_("SMTP password"), max_length=255, blank=True)
    """Stored as given (SMTP needs it in clear); never rendered back into a form."""
    smtp_from = models.EmailField(_("sender address of replies"), blank=True)
    """Empty: the global support address (``SUPPORTDESK_MAIL_FROM``)."""
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    """UIDVALIDITY of the inbox when ``last_seen_uid`` was recorded."""
    last_seen_uid = models.BigIntegerField(default=0, editable=False)
    """Highest inbox UID ingested under ``uidvalidity``; bookkeeping only, dedupe keys decide."""

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    @property
    def has_own_smtp(self) -> bool:
        return bool(self.smtp_host)


class InboundState(models.TextChoices):
    ARTICLE = "article", _("Added to a ticket")
    TRIAGE = "triage", _("Waiting for triage")
    QUARANTINE = "quarantine", _("Quarantined")
    HANDLED = "handled", _("Handled")
    IGNORED = "ignored", _("Ignored (our own mail)")
    DISCARDED = "discarded", _("Discarded")


class TriageAction(models.TextChoices):
    CREATE_TICKET = "create_ticket", _("Turned into a ticket")
    ADD_TO_TICKET = "add_to_ticket", _("Added to a ticket")
    REPLY = "reply", _("Answered")
    FORWARD = "forward", _("Forwarded")
    RETRY = "retry", _("Read again")
    DISCARD = "discard", _("Discarded")


class InboundMail(models.Model):
    """One received mail, exactly once per mailbox (``dedupe_key``), with its raw bytes and outcome.

    A mail in state ``triage`` is the mailbox head's work item (R20, R21).
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="mails")
    dedupe_key = models.CharField(max_length=300)
    """``<Message-ID>``, or ``sha256:<hex of raw>`` when there is none or it was taken by another body;
    unique per mailbox."""
    message_id = models.CharField(max_length=300, blank=True, db_index=True)
    """Without angle brackets; empty when the mail has none (or could not be read)."""
    body_sha256 = models.CharField(max_length=64)
    """Of the raw bytes after the header block: tells a redelivery from a Message-ID collision."""
    raw = models.BinaryField()
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    """The mail's Date header (UTC); None when missing or unreadable."""
    received_at = models.DateTimeField(_("received"))
    """UTC; when it was ingested."""
    imap_uid = models.BigIntegerField(null=True, blank=True)
    """Inbox UID at ingest time (None for imports)."""
    state = models.CharField(_("state"), max_length=20, choices=InboundState.choices)
    reason = models.TextField(_("reason"), blank=True)
    """Why it was quarantined."""
    hint = models.CharField(_("hint"), max_length=500, blank=True)
    """For triage: why it was not threaded automatically (a ticket number from a stranger, a flood …)."""
    is_automatic = models.BooleanField(default=False)
    """Auto-Submitted, Precedence bulk/list, vacation notices …: never answer it automatically."""
    is_bounce = models.BooleanField(default=False)
    """A delivery status notification."""
    flood = models.BooleanField(default=False)
    """The sender exceeded ``SUPPORTDESK_MAIL_FLOOD_LIMIT`` mails per 10 minutes: held in triage."""
    handled_action = models.CharField(max_length=20, choices=TriageAction.choices, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    """UTC; when a person took it out of triage or quarantine."""
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mails"
    )
    article = models.ForeignKey(
        "tickets.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mails"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mails")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "dedupe_key"], name="inboundmail_unique_dedupe_key"),
        ]
        indexes = [
            models.Index(fields=["state", "received_at"]),
            models.Index(fields=["from_address", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.dedupe_key} ({self.state})"


class InboundAttachment(models.Model):
    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    data = models.BinaryField()
    content_id = models.CharField(max_length=255, blank=True)
    """Without angle brackets; set for inline parts referenced as ``cid:``."""
    inline = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename or self.content_id or f"attachment {self.pk}"


class OutboundStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    QUEUED = "queued", _("Waiting to be sent")
    CANCELLED = "cancelled", _("Cancelled (undone)")
    FAILED = "failed", _("Failed")


class OutboundMail(models.Model):
    """A mail we sent (a reply or a forward), as it went out; its Message-ID threads answers to it.

    A mail of a triage action is stored ``queued`` and sent by a task once its undo window has
    passed (``send_after``); undoing the action cancels it before it leaves.
    """

    message_id = models.CharField(max_length=300, unique=True)
    """Without angle brackets; made by us (``make_msgid``)."""
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_mails"
    )
    article = models.ForeignKey(
        "tickets.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_mails"
    )
    inbound = models.ForeignKey(
        InboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_mails"
    )
    """The mail this one answers or forwards."""
    to = models.TextField(blank=True)
    """Addresses, one per line, lower case."""
    cc = models.TextField(blank=True)
    """Addresses, one per line, lower case."""
    subject = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField()
    """UTC; for a queued mail the time it is due to leave, replaced by the real time on sending."""
    status = models.CharField(max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.SENT)
    send_after = models.DateTimeField(null=True, blank=True)
    """UTC; a queued mail leaves no earlier (the end of the undo window). None: sent at once."""
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_automatic = models.BooleanField(default=False)
    """Sent without a person (then marked ``Auto-Submitted: auto-replied``)."""
    raw = models.BinaryField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("outbound mail")
        verbose_name_plural = _("outbound mails")

    def __str__(self) -> str:
        return self.message_id

    @property
    def addresses(self) -> list[str]:
        return [a for a in (*self.to.splitlines(), *self.cc.splitlines()) if a]


class TriageRecord(models.Model):
    """One triage action on one mail, what it did, and whether it was undone: the mail's timeline.

    Everything the undo needs is here: the ticket it created (and the contact), the article it
    added, the ticket fields it changed, the outgoing mail it queued, a held assignee notice.
    Several records made by one bulk action share ``batch``.
    """

    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="triage_records")
    batch = models.UUIDField(db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=TriageAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done"))
    """UTC."""
    undo_until = models.DateTimeField(null=True, blank=True)
    """UTC; the end of the undo window. None: this action cannot be undone (a Prio 1 ticket)."""
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    """UTC; set once, when the action was undone."""
    finalized_at = models.DateTimeField(null=True, blank=True)
    """UTC; when the window passed without an undo and the held notices went out."""
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ticket_number = models.CharField(max_length=30, blank=True)
    """Kept for the timeline when the ticket is deleted by the undo."""
    ticket_created = models.BooleanField(default=False)
    ticket_version = models.PositiveIntegerField(null=True, blank=True)
    """The ticket's version right after the action: a later change forbids the undo."""
    ticket_previous = models.JSONField(default=dict, blank=True)
    """Fields the action changed on an existing ticket, with their old values (``status``, ``assignee``)."""
    contact_created = models.ForeignKey(
        "tickets.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    article = models.ForeignKey("tickets.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    """The article the action added to an existing ticket."""
    outbound = models.ForeignKey(OutboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notice_held = models.BooleanField(default=False)
    """The new ticket's assignee is told only when the window has passed."""
    summary = models.CharField(max_length=300, blank=True)
    """What happened, for the timeline (recipient, colleague)."""

    class Meta:
        ordering = ["-done_at", "-id"]
        verbose_name = _("triage action")
        verbose_name_plural = _("triage actions")
        indexes = [models.Index(fields=["actor", "done_at"])]

    def __str__(self) -> str:
        return f"{self.action} of mail {self.mail_id}"

    @property
    def undone(self) -> bool:
        return self.undone_at is not None
