from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from supportdesk.mailbox.models import InboundAttachment, InboundMail, Mailbox, TriageRecord


class MailboxForm(forms.ModelForm):
    """The passwords are write-only: an empty field keeps the stored one."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password."),
    )

    smtp_password = forms.CharField(
        label=_("SMTP password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "host",
            "port",
            "security",
            "username",
            "password",
            "inbox_folder",
            "processed_folder",
            "quarantine_folder",
            "active",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "smtp_password",
            "smtp_from",
        ]

    def _kept(self, field: str) -> str:
        value = self.cleaned_data.get(field) or ""
        if not value and self.instance.pk:
            return str(getattr(self.instance, field))
        return str(value)

    def clean_password(self) -> str:
        return self._kept("password")

    def clean_smtp_password(self) -> str:
        return self._kept("smtp_password")


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "host", "port", "security", "username", "password_state", "smtp_host", "active"]
    readonly_fields = ["password_state", "smtp_password_state", "uidvalidity", "last_seen_uid"]
    fieldsets = [
        (None, {"fields": ["name", "active"]}),
        (
            _("IMAP (incoming)"),
            {
                "fields": [
                    "host",
                    "port",
                    "security",
                    "username",
                    "password",
                    "password_state",
                    "inbox_folder",
                    "processed_folder",
                    "quarantine_folder",
                    "uidvalidity",
                    "last_seen_uid",
                ]
            },
        ),
        (
            _("SMTP for replies (empty host: the global mail server)"),
            {
                "fields": [
                    "smtp_host",
                    "smtp_port",
                    "smtp_security",
                    "smtp_username",
                    "smtp_password",
                    "smtp_password_state",
                    "smtp_from",
                ]
            },
        ),
    ]

    @admin.display(description=_("stored password"))
    def password_state(self, obj: Mailbox) -> str:
        return str(_("set")) if obj.password else str(_("not set"))

    @admin.display(description=_("stored SMTP password"))
    def smtp_password_state(self, obj: Mailbox) -> str:
        return str(_("set")) if obj.smtp_password else str(_("not set"))


class InboundAttachmentInline(admin.TabularInline):
    model = InboundAttachment
    fields = ["filename", "content_type", "size", "content_id", "inline"]
    readonly_fields = ["filename", "content_type", "size", "content_id", "inline"]
    extra = 0
    can_delete = False


class TriageRecordInline(admin.TabularInline):
    """The mail's timeline: who did which triage action when, and who undid it."""

    model = TriageRecord
    fk_name = "mail"
    fields = ["done_at", "action", "actor", "ticket_number", "summary", "undo_until", "undone_at", "undone_by"]
    readonly_fields = ("done_at", "action", "actor", "ticket_number", "summary", "undo_until", "undone_at", "undone_by")
    extra = 0
    can_delete = False
    ordering = ["done_at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "mailbox", "from_address", "subject", "state", "ticket"]
    list_filter = ["state", "mailbox"]
    search_fields = ["message_id", "from_address", "subject"]
    readonly_fields = [
        "mailbox",
        "dedupe_key",
        "message_id",
        "body_sha256",
        "from_address",
        "from_name",
        "subject",
        "sent_at",
        "received_at",
        "imap_uid",
        "state",
        "reason",
        "ticket",
        "article",
    ]
    exclude = ["raw"]
    inlines = [TriageRecordInline, InboundAttachmentInline]
    list_select_related = ["mailbox", "ticket"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
