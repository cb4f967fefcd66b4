from django.urls import path

from supportdesk.roster import feeds, views

app_name = "roster"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("week/", views.week, name="week"),
    path("week/<int:year>-W<int:week>/", views.week, name="week_of"),
    path("week/<int:year>-W<int:week>/generate/", views.week_generate, name="week_generate"),
    path("week/<int:year>-W<int:week>/publish/", views.week_publish, name="week_publish"),
    path("week/<int:year>-W<int:week>/cell/<str:day>/<slug:duty>/", views.cell_edit, name="cell_edit"),
    path("month/", views.month, name="month"),
    path("month/<int:year>-<int:month>/", views.month, name="month_of"),
    path("my-duties/", views.my_duties, name="my_duties"),
    path("team/", views.team, name="team"),
    path("settings/", views.calendar_settings, name="calendar_settings"),
    path("settings/closing-days/", views.closing_day_add, name="closing_day_add"),
    path("settings/closing-days/<int:pk>/delete/", views.closing_day_delete, name="closing_day_delete"),
    path("settings/pool/<int:user_id>/", views.pool_member_edit, name="pool_member_edit"),
    path("absences/", views.absences, name="absences"),
    path("absences/sick/", views.report_sick, name="report_sick"),
    path("absences/import/", views.absences_import, name="absences_import"),
    path("absences/<int:pk>/", views.absence_detail, name="absence_detail"),
    path("requests/", views.requests_page, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/<slug:action>/", views.request_act, name="request_act"),
    path("requests/<str:token>/", views.request_token, name="request_token"),
    path("report/", views.working_time_report, name="working_time_report"),
    path("report/<slug:fmt>/", views.working_time_report_download, name="working_time_report_download"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/renew/", views.feed_renew, name="feed_renew"),
    path("feeds/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
]
