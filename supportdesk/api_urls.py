"""The REST API under /api/v1/: each app contributes its ``api.py`` views."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from supportdesk.roster import api as roster_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("oncall", roster_api.OnCallApi.as_view(), name="api-oncall"),
    path("roster", roster_api.RosterListApi.as_view(), name="api-roster"),
]
