"""The REST contract of absences and swaps."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.accounts.services import api_token_create
from supportdesk.roster import selectors
from supportdesk.roster.business_hours import week_start
from supportdesk.roster.models import Duty
from supportdesk.roster.tests.plans import alternating, make_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday():
    """Next week's Monday: the API reads the real clock."""
    return week_start(selectors.today()) + timedelta(weeks=1)


@pytest.fixture
def week(pool, monday):
    return make_week(monday, alternating(pool[0], pool[1]), published=True)


def as_user(client, user, language="en"):
    """A client with ``user``'s bearer token; the API answers in the user's language."""
    user.language = language
    user.save(update_fields=["language"])
    _token, raw = api_token_create(user=user, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(client, name, data, **kwargs):
    return client.post(reverse(name, kwargs=kwargs), data, content_type="application/json")


def test_vacation_hitting_duties_is_cover_missing(client, pool, week, monday):
    api = as_user(client, pool[0])
    response = post(
        api,
        "api-absences",
        {
            "username": "anna",
            "kind": "vacation",
            "start": monday.isoformat(),
            "end": (monday + timedelta(1)).isoformat(),
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status", "uncovered"}
    assert body["status"] == "cover_missing"
    assert body["uncovered"] == [
        {"date": monday.isoformat(), "duty": "phone_duty"},
        {"date": (monday + timedelta(1)).isoformat(), "duty": "technical_standby"},
    ]


def test_vacation_hitting_nothing_is_confirmed_and_listed(client, pool, week, monday, coordinator):
    api = as_user(client, pool[2])
    body = post(
        api, "api-absences", {"username": "clara", "kind": "vacation", "start": str(monday), "end": str(monday)}
    ).json()
    assert (body["status"], body["uncovered"]) == ("confirmed", [])
    listed = api.get(reverse("api-absences")).json()
    assert listed == [
        {
            "id": body["id"],
            "username": "clara",
            "kind": "vacation",
            "start": str(monday),
            "end": str(monday),
            "status": "confirmed",
            "uncovered": [],
        }
    ]
    # Why someone is away is private: colleagues see only the dates.
    other = as_user(client, pool[3]).get(reverse("api-absences")).json()
    assert other[0]["kind"] is None


def test_sick_report_opens_duties_visible_in_the_roster(client, pool, week, monday):
    api = as_user(client, pool[0])
    body = post(api, "api-absences", {"username": "anna", "kind": "sick", "start": str(monday), "end": str(monday)})
    assert body.status_code == 201
    assert body.json()["status"] == "cover_missing"
    roster = api.get(reverse("api-roster"), {"start": str(monday), "end": str(monday)}).json()
    phone = next(e for e in roster if e["duty"] == "phone_duty")
    assert (phone["username"], phone["open"]) == (None, True)
    offers = as_user(client, pool[4]).get(reverse("api-swaps"), {"status": "open"}).json()
    assert [(o["requester"], o["date"], o["duty"], o["candidate"]) for o in offers] == [
        (None, str(monday), "phone_duty", None)
    ]


@pytest.mark.parametrize(
    ("payload", "status", "text"),
    [
        ({"username": "anna", "kind": "vacation", "start": "2030-01-02", "end": "2030-01-01"}, 400, "before"),
        ({"username": "anna", "kind": "holiday", "start": "2030-01-01", "end": "2030-01-01"}, 400, "kind"),
        ({"username": "nobody", "kind": "vacation", "start": "2030-01-01", "end": "2030-01-01"}, 404, "nobody"),
        ({"username": "bernd", "kind": "vacation", "start": "2030-01-01", "end": "2030-01-01"}, 403, "coordinator"),
    ],
)
def test_absence_errors_are_detail(client, pool, payload, status, text):
    response = post(as_user(client, pool[0]), "api-absences", payload)
    assert response.status_code == status
    assert set(response.json()) == {"detail"}
    assert text in response.json()["detail"]


def test_overlap_is_409(client, pool):
    api = as_user(client, pool[0])
    payload = {"username": "anna", "kind": "vacation", "start": "2030-01-01", "end": "2030-01-05"}
    assert post(api, "api-absences", payload).status_code == 201
    response = post(api, "api-absences", {**payload, "kind": "sick", "start": "2030-01-05"})
    assert response.status_code == 409
    assert "overlap" in response.json()["detail"]


def test_swap_round_trip(client, pool, week, monday):
    anna_api = as_user(client, pool[0])
    created = post(anna_api, "api-swaps", {"date": str(monday), "duty": "phone_duty", "candidate": "clara"})
    assert created.status_code == 201, created.json()
    swap = created.json()
    assert (swap["kind"], swap["status"], swap["requester"], swap["candidate"], swap["target"]) == (
        "takeover",
        "open",
        "anna",
        "clara",
        None,
    )
    assert post(anna_api, "api-swap-accept", {}, pk=swap["id"]).status_code == 400  # own request

    clara_api = as_user(Client(), pool[2])
    accepted = post(clara_api, "api-swap-accept", {}, pk=swap["id"])
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["decided_by"]) == ("accepted", "clara")
    assert selectors.holders_on(day=monday)[Duty.PHONE_DUTY].user == pool[2]

    again = post(clara_api, "api-swap-accept", {}, pk=swap["id"])
    assert again.status_code == 409
    assert "no longer open" in again.json()["detail"]
    assert post(clara_api, "api-swap-accept", {}, pk=999999).status_code == 404


def test_swap_decline_and_withdraw(client, pool, week, monday):
    anna_api = as_user(client, pool[0])
    clara_api = as_user(Client(), pool[2])
    first = post(anna_api, "api-swaps", {"date": str(monday), "duty": "phone_duty", "candidate": "clara"}).json()
    declined = post(clara_api, "api-swap-decline", {}, pk=first["id"])
    assert declined.json()["status"] == "declined"
    second = post(anna_api, "api-swaps", {"date": str(monday), "duty": "phone_duty"}).json()
    assert post(clara_api, "api-swap-withdraw", {}, pk=second["id"]).status_code == 403
    assert post(anna_api, "api-swap-withdraw", {}, pk=second["id"]).json()["status"] == "withdrawn"
    listed = anna_api.get(reverse("api-swaps")).json()
    assert {s["status"] for s in listed} == {"declined", "withdrawn"}


def test_swap_into_an_absence_is_400_and_plan_unchanged(client, pool, week, monday):
    anna_api = as_user(client, pool[0])
    post(
        as_user(Client(), pool[2]),
        "api-absences",
        {"username": "clara", "kind": "vacation", "start": str(monday), "end": str(monday)},
    )
    response = post(anna_api, "api-swaps", {"date": str(monday), "duty": "phone_duty", "candidate": "clara"})
    assert response.status_code == 400
    assert "absent" in response.json()["detail"]
    assert selectors.holders_on(day=monday)[Duty.PHONE_DUTY].user == pool[0]


def test_endpoints_need_a_token(client):
    for name in ("api-absences", "api-swaps"):
        assert client.get(reverse(name)).status_code == 401


def test_schema_documents_the_new_endpoints(client, agent):
    body = as_user(client, agent).get(reverse("api-schema"), {"format": "json"}).json()
    for path in ("/api/v1/absences", "/api/v1/swaps", "/api/v1/swaps/{id}/accept"):
        assert path in body["paths"], sorted(body["paths"])
