"""A bearer token answers in its owner's language and time zone, like the pages do."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from supportdesk.accounts.authentication import BearerTokenAuthentication
from supportdesk.accounts.services import api_token_create


def bearer(client, user):
    _token, raw = api_token_create(user=user, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "detail"), [("de", "Kein Ticket SD-2026-99999."), ("en", "No ticket SD-2026-99999.")]
)
def test_api_errors_are_in_the_token_owners_language(client, agent, language, detail):
    agent.language = language
    agent.save(update_fields=["language"])
    response = bearer(client, agent).get(
        reverse("api-ticket", args=["SD-2026-99999"]), HTTP_ACCEPT_LANGUAGE="de" if language == "en" else "en"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == detail


@pytest.mark.django_db
def test_authentication_activates_the_owners_time_zone(agent):
    agent.time_zone = "America/New_York"
    agent.save(update_fields=["time_zone"])
    _token, raw = api_token_create(user=agent, name="test")
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {raw}"))
    try:
        user, _auth = BearerTokenAuthentication().authenticate(request)  # type: ignore[misc]
        assert user == agent
        assert timezone.get_current_timezone_name() == "America/New_York"
    finally:
        timezone.deactivate()
