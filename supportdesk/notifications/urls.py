from django.urls import path

from supportdesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.delivery_log, name="delivery_log"),
]
