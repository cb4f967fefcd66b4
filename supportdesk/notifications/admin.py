from django.contrib import admin

from supportdesk.notifications.models import NotificationDelivery, QuietHours, UserChannel


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "recipient", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event"]
    readonly_fields = [f.name for f in NotificationDelivery._meta.fields]


@admin.register(UserChannel)
class UserChannelAdmin(admin.ModelAdmin):
    list_display = ["user", "position", "kind", "label", "active"]
    list_filter = ["kind", "active"]
    exclude = ["secret"]


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    list_display = ["user", "start", "end"]
