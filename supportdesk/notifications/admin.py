from django.contrib import admin

from supportdesk.notifications.models import DeliveryAttempt, NotificationDelivery, QuietHours, UserChannel


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "started_at", "finished_at", "outcome", "error", "error_code"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "recipient", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event"]
    readonly_fields = [f.name for f in NotificationDelivery._meta.fields]
    inlines = [DeliveryAttemptInline]


@admin.register(UserChannel)
class UserChannelAdmin(admin.ModelAdmin):
    list_display = ["user", "position", "kind", "label", "active"]
    list_filter = ["kind", "active"]
    exclude = ["secret"]


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    list_display = ["user", "start", "end"]
