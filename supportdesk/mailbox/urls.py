from django.urls import path

from supportdesk.mailbox import views

app_name = "mailbox"

urlpatterns = [
    path("triage/", views.triage, name="triage"),
    path("triage/bulk/", views.triage_bulk, name="triage_bulk"),
    path("triage/undo/", views.triage_undo, name="triage_undo"),
    path("triage/<int:pk>/create-ticket/", views.triage_create_ticket, name="create_ticket"),
    path("triage/<int:pk>/add-to-ticket/", views.triage_add_to_ticket, name="add_to_ticket"),
    path("triage/<int:pk>/ticket-candidates/", views.triage_ticket_candidates, name="ticket_candidates"),
    path("triage/<int:pk>/reply/", views.triage_reply, name="reply"),
    path("triage/<int:pk>/forward/", views.triage_forward, name="forward"),
    path("triage/images/<int:pk>/", views.triage_image, name="triage_image"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/retry/", views.quarantine_retry, name="quarantine_retry"),
    path("quarantine/<int:pk>/discard/", views.quarantine_discard, name="quarantine_discard"),
]
