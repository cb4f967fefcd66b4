from django.contrib import admin

from supportdesk.notifications.models import NotificationDelivery


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "recipient", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event"]
    readonly_fields = [f.name for f in NotificationDelivery._meta.fields]
