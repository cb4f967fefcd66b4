from django.contrib import admin

from supportdesk.tickets.models import Contact, Customer, Prio1Case, Project, Team, Ticket


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    filter_horizontal = ["members"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "project_manager"]
    search_fields = ["name", "code"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "manager"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "customer"]
    search_fields = ["name"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "priority", "status", "assignee", "due_at"]
    list_filter = ["status", "priority"]
    readonly_fields = ["number", "version"]


@admin.register(Prio1Case)
class Prio1CaseAdmin(admin.ModelAdmin):
    list_display = ["ticket", "status", "opened_at", "opened_by"]
