from django.urls import path

from supportdesk.tickets import customer_views, views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("bulk/", views.ticket_bulk_update, name="bulk_update"),
    path("preferences/", views.preferences, name="preferences"),
    path("phone/", views.phone_intake, name="phone_intake"),
    path("phone/callers/", views.caller_search, name="caller_search"),
    path("intake/", views.intake_check, name="intake_check"),
    path("intake/<int:pk>/checked/", views.intake_check_done, name="intake_check_done"),
    path("customers/", customer_views.customer_list, name="customer_list"),
    path("customers/new/", customer_views.customer_create, name="customer_create"),
    path("customers/import/", customer_views.customer_import, name="customer_import"),
    path("customers/<slug:code>/", customer_views.customer_detail, name="customer_detail"),
    path("customers/<slug:code>/edit/", customer_views.customer_edit, name="customer_edit"),
    path("customers/<slug:code>/contacts/new/", customer_views.contact_add, name="contact_add"),
    path("customers/<slug:code>/contacts/<int:pk>/edit/", customer_views.contact_edit, name="contact_edit"),
    path("customers/<slug:code>/projects/new/", customer_views.project_add, name="project_add"),
    path("<str:number>/", views.ticket_detail, name="detail"),
    path("<str:number>/notes/", views.ticket_note, name="note"),
    path("<str:number>/reply/", views.ticket_reply, name="reply"),
    path("<str:number>/change/", views.ticket_change, name="change"),
    path("<str:number>/mail-images/<int:pk>/", views.mail_image, name="mail_image"),
]
