from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="roster:today", permanent=False)),
    path("accounts/", include("supportdesk.accounts.urls")),
    path("roster/", include("supportdesk.roster.urls")),
    path("notices/", include("supportdesk.notifications.urls")),
    path("tickets/", include("supportdesk.tickets.urls")),
    path("mailbox/", include("supportdesk.mailbox.urls")),
    path("escalation/", include("supportdesk.escalation.urls")),
    path("handover/", include("supportdesk.handover.urls")),
    path("api/v1/", include("supportdesk.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
