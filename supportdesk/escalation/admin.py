from django.contrib import admin

from supportdesk.escalation.models import (
    CustomerContract,
    CustomerEscalationPolicy,
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    Prio1Rule,
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
    fields = ["at", "kind", "step", "actor", "recipient", "detail_code", "detail_params", "text"]
    readonly_fields = ["at", "kind", "step", "actor", "recipient", "detail_code", "detail_params", "text"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["pk", "case", "status", "step", "next_step_at", "acknowledged_by"]
    list_filter = ["status"]
    inlines = [EventInline]


@admin.register(StatusMailTemplate)
class StatusMailTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "subject"]
    list_filter = ["language"]


@admin.register(CustomerContract)
class CustomerContractAdmin(admin.ModelAdmin):
    list_display = ["customer", "support_24x7"]
    list_filter = ["support_24x7"]
    autocomplete_fields = ["customer"]


@admin.register(Prio1Rule)
class Prio1RuleAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "only_24x7", "match_subject", "match_body"]
    filter_horizontal = ["customers"]
