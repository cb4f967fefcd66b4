from django.urls import path

from supportdesk.escalation import views

app_name = "escalation"

urlpatterns = [
    path("", views.escalation_list, name="list"),
    path("poll/", views.escalation_poll, name="poll"),
    path("rules/", views.prio1_rule_list, name="rules"),
    path("rules/test/", views.prio1_rule_test, name="rule_test"),
    path("rules/<int:pk>/", views.prio1_rule_edit, name="rule_edit"),
    path("outside-window/", views.outside_window_policies, name="outside_window"),
    path("outside-window/<int:customer_id>/", views.outside_window_policy_set, name="outside_window_set"),
    path("ack/<str:token>/", views.escalation_ack_link, name="ack_link"),
    path("<int:pk>/", views.escalation_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.escalation_acknowledge, name="acknowledge"),
    path("<int:pk>/updates/", views.escalation_status_update, name="status_update"),
    path("<int:pk>/calls/", views.escalation_phone_call, name="phone_call"),
    path("<int:pk>/status-mail/", views.escalation_status_mail, name="status_mail"),
    path("<int:pk>/resolve/", views.escalation_resolve, name="resolve"),
]
