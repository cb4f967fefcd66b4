"""GET /api/v1/routing/support-line: JSON, text, token."""

import pytest
import time_machine
from django.urls import reverse

from supportdesk.accounts.services import api_token_create
from supportdesk.handover import services
from supportdesk.handover.tests.factories import HOLIDAY, MONDAY, at

pytestmark = pytest.mark.django_db
URL = "/api/v1/routing/support-line"


@pytest.fixture
def api(client, agent):
    _token, raw = api_token_create(user=agent, name="pbx")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def test_url_name():
    assert reverse("api-routing-support-line") == URL


def test_token_required(client, head, week):
    response = client.get(URL)
    assert response.status_code == 401
    assert "detail" in response.json()
    response = client.get(URL, {"format": "text"}, HTTP_AUTHORIZATION="Bearer sd_wrong")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_json_follows_the_day(api, head, week, anna):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        data = api.get(URL).json()
    assert data == {
        "target": "mailbox_head",
        "name": head.name,
        "number": head.office_phone,
        "until": at(MONDAY, 16).isoformat(),
    }
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    with time_machine.travel(at(MONDAY, 15, 31), tick=False):
        assert api.get(URL).json()["target"] == "phone_duty"
    with time_machine.travel(at(MONDAY, 18, 1), tick=False):
        data = api.get(URL).json()
    assert (data["target"], data["number"]) == ("voicemail", None)


def test_text_format(api, head, week, anna):
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    with time_machine.travel(at(MONDAY, 15, 31), tick=False):
        response = api.get(URL, {"format": "text"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == f"{anna.office_phone}\n"
    with time_machine.travel(at(HOLIDAY, 10), tick=False):
        assert api.get(URL, {"format": "text"}).content == b"voicemail\n"


def test_unknown_format_is_400(api, head):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        response = api.get(URL, {"format": "xml"})
    assert response.status_code == 400
    assert "format" in response.json()["detail"]
