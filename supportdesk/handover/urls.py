from django.urls import path

from supportdesk.handover import views

app_name = "handover"

urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("presence/", views.presence, name="presence"),
    path("end/", views.end_day, name="end_day"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("ack/<str:token>/", views.ack_link, name="ack_link"),
    path("readiness/", views.readiness, name="readiness"),
    path("closing/", views.closing, name="closing"),
    path("settings/", views.flow_settings, name="settings"),
    path("today/live/", views.today_live, name="today_live"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
]
