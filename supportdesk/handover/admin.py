from django.contrib import admin

from supportdesk.handover.models import (
    AfterHoursReply,
    ChecklistText,
    ClosingCheck,
    DayPresence,
    Handover,
    ReadinessCheck,
    RoutingDelivery,
    RoutingState,
    RoutingWebhook,
)


@admin.register(ChecklistText)
class ChecklistTextAdmin(admin.ModelAdmin):
    list_display = ["language", "text"]


@admin.register(RoutingWebhook)
class RoutingWebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "active"]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["date", "from_user", "to_user", "performed_at", "automatic", "acknowledged_at"]


@admin.register(ReadinessCheck)
class ReadinessCheckAdmin(admin.ModelAdmin):
    list_display = ["date", "user", "checked_in_at", "reachable", "computer", "vpn", "alerted_at"]


@admin.register(ClosingCheck)
class ClosingCheckAdmin(admin.ModelAdmin):
    list_display = ["date", "user", "confirmed_at", "coordinator_notified_at"]


@admin.register(DayPresence)
class DayPresenceAdmin(admin.ModelAdmin):
    list_display = ["date", "user", "state", "leaving_at"]


@admin.register(RoutingState)
class RoutingStateAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "target", "name", "number", "until"]


@admin.register(RoutingDelivery)
class RoutingDeliveryAdmin(admin.ModelAdmin):
    list_display = ["state", "webhook", "attempts", "sent_at", "last_error"]


@admin.register(AfterHoursReply)
class AfterHoursReplyAdmin(admin.ModelAdmin):
    list_display = ["date", "sender", "language", "sent_at", "message_id"]
    list_filter = ["date", "language"]
    search_fields = ["sender"]
    readonly_fields = ["sender", "date", "sent_at", "message_id", "language"]
