from django.urls import path

from supportdesk.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("phone/", views.phone_intake, name="phone_intake"),
    path("phone/callers/", views.caller_search, name="caller_search"),
    path("intake/", views.intake_check, name="intake_check"),
    path("intake/<int:pk>/checked/", views.intake_check_done, name="intake_check_done"),
    path("<str:number>/", views.ticket_detail, name="detail"),
    path("<str:number>/notes/", views.ticket_note, name="note"),
    path("<str:number>/change/", views.ticket_change, name="change"),
]
