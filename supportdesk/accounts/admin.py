from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from supportdesk.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "role", "is_deputy", "is_mailbox_head", "is_active"]
    list_filter = ["role", "is_deputy", "is_mailbox_head", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "Supportdesk",
            {
                "fields": (
                    "display_name",
                    "office_phone",
                    "mobile",
                    "language",
                    "time_zone",
                    "role",
                    "is_deputy",
                    "is_mailbox_head",
                )
            },
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
