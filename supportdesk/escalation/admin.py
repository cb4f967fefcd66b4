from django.contrib import admin

from supportdesk.escalation.models import (
    CustomerEscalationPolicy,
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    StatusMailTemplate,
)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "renotify_seconds",
        "renotify_count",
        "escalate_to_coordinators",
        "escalate_to_pool",
        "nudge_after_minutes",
    ]


@admin.register(CustomerEscalationPolicy)
class CustomerEscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["customer", "mode", "person"]


class EventInline(admin.TabularInline):
    model = EscalationEvent
    extra = 0
    fields = ["at", "kind", "step", "actor", "recipient", "text"]
    readonly_fields = ["at", "kind", "step", "actor", "recipient", "text"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["pk", "case", "status", "step", "next_step_at", "acknowledged_by"]
    list_filter = ["status"]
    inlines = [EventInline]


@admin.register(StatusMailTemplate)
class StatusMailTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "subject"]
    list_filter = ["language"]
