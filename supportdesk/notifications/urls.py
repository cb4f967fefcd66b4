from django.urls import path

from supportdesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.delivery_log, name="delivery_log"),
    path("channels/", views.channel_list, name="channels"),
    path("channels/quiet-hours/", views.quiet_hours_save, name="quiet_hours"),
    path("channels/<int:pk>/move/<str:direction>/", views.channel_move, name="channel_move"),
    path("channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("channels/tests/<int:delivery_pk>/", views.channel_test_outcome, name="channel_test_outcome"),
]
