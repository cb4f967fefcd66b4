"""The REST API contract, exactly as documented (README "API", /api/v1/schema/)."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from supportdesk.accounts.services import api_token_create, api_token_revoke
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 10, 26)  # the first week of winter time (CET, +01:00)
PERSON_KEYS = {"username", "name", "email", "phone", "mobile"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, agent):
    """A client that sends the agent's bearer token."""
    agent.language = "en"  # the API answers in the token owner's language; these tests read English
    agent.save(update_fields=["language"])
    _token, raw = api_token_create(user=agent, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


@pytest.fixture
def published_week(pool):
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


def oncall(client, **params):
    return client.get(reverse("api-oncall"), params)


def roster(client, **params):
    return client.get(reverse("api-roster"), params)


# --- authentication ------------------------------------------------------------


@pytest.mark.parametrize("name", ["api-oncall", "api-roster"])
def test_without_a_token_is_401_with_a_bearer_challenge(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "detail" in response.json()


@pytest.mark.parametrize("header", ["Bearer sd_not-a-token", "Bearer ", "Bearer"])
def test_a_bad_token_is_401(client, header, agent):
    response = client.get(reverse("api-oncall"), HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_a_revoked_token_is_401(client, agent):
    token, raw = api_token_create(user=agent)
    assert client.get(reverse("api-oncall"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    api_token_revoke(actor=agent, token=token)

    assert client.get(reverse("api-oncall"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_deactivated_users_token_is_401(client, agent):
    _token, raw = api_token_create(user=agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    assert client.get(reverse("api-oncall"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


# --- GET /api/v1/oncall -----------------------------------------------------------


def test_oncall_in_the_window_names_both_holders(api, pool, published_week):
    anna, bernd = pool[0], pool[1]

    response = oncall(api, at="2026-10-26T16:30:00+01:00")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "at": "2026-10-26T16:30:00+01:00",
        "window": {"start": "2026-10-26T16:00:00+01:00", "end": "2026-10-26T18:00:00+01:00"},
        "phone_duty": {
            "username": "anna",
            "name": "Anna Huber",
            "email": "anna@example.test",
            "phone": anna.office_phone,
            "mobile": anna.mobile,
        },
        "technical_standby": {
            "username": "bernd",
            "name": "Bernd Maier",
            "email": "bernd@example.test",
            "phone": bernd.office_phone,
            "mobile": bernd.mobile,
        },
    }


def test_oncall_next_day_the_pair_has_traded(api, pool, published_week):
    body = oncall(api, at="2026-10-27T17:59:59+01:00").json()

    assert body["phone_duty"]["username"] == "bernd"
    assert body["technical_standby"]["username"] == "anna"
    assert set(body["phone_duty"]) == PERSON_KEYS


@pytest.mark.parametrize(
    "at",
    [
        "2026-10-26T15:00:00Z",  # UTC: 16:00 in Berlin
        "2026-10-26T16:00",  # no offset: the team's wall clock
        "2026-10-26T16:00:00+01:00",
    ],
)
def test_oncall_reads_utc_offsets_and_local_wall_clock(api, pool, published_week, at):
    body = oncall(api, at=at).json()

    assert body["at"] == "2026-10-26T16:00:00+01:00"
    assert body["phone_duty"]["username"] == "anna"


def test_oncall_accepts_an_unencoded_plus_in_the_query_string(api, pool, published_week):
    # curl "…/oncall?at=2026-10-26T16:30+01:00" sends the "+" raw; it arrives as a space.
    response = api.get(reverse("api-oncall") + "?at=2026-10-26T16:30:00+01:00")

    assert response.status_code == 200
    assert response.json()["at"] == "2026-10-26T16:30:00+01:00"


@pytest.mark.parametrize(
    "at",
    [
        "2026-10-26T18:00:00+01:00",  # the window is half-open: 18:00 is after it
        "2026-10-26T12:00:00+01:00",
        "2026-10-31T16:30:00+01:00",  # Saturday
        "2026-12-25T16:30:00+01:00",  # Christmas
    ],
)
def test_oncall_outside_a_window_is_null(api, pool, published_week, at):
    body = oncall(api, at=at).json()

    assert body["window"] is None
    assert body["phone_duty"] is None and body["technical_standby"] is None


def test_oncall_ignores_draft_weeks(api, pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=False)

    body = oncall(api, at="2026-10-26T16:30:00+01:00").json()

    assert body["window"] is not None
    assert body["phone_duty"] is None and body["technical_standby"] is None


def test_oncall_with_an_open_duty_is_null_for_that_duty(api, pool):
    make_week(MONDAY, [(pool[0], None)], published=True)

    body = oncall(api, at="2026-10-26T16:30:00+01:00").json()

    assert body["phone_duty"]["username"] == "anna"
    assert body["technical_standby"] is None


def test_oncall_defaults_to_now(api, pool, published_week):
    with time_machine.travel(datetime(2026, 10, 26, 16, 45, tzinfo=BERLIN), tick=False):
        body = oncall(api).json()

    assert body["at"] == "2026-10-26T16:45:00+01:00"
    assert body["phone_duty"]["username"] == "anna"


@pytest.mark.parametrize(
    "at",
    [
        "yesterday",
        "2026-13-01T16:00",
        "2026-10-26T16:00+25:00",
        "9999-12-31T23:59:59Z",
        "1900-01-01T00:00:00Z",
    ],
)
def test_oncall_with_a_bad_at_is_400_with_a_detail(api, at):
    response = oncall(api, at=at)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail"}
    assert body["detail"].startswith("at: ")


# --- GET /api/v1/roster -------------------------------------------------------------


def test_roster_lists_every_cell_with_its_state(api, pool):
    anna, bernd = pool[0], pool[1]
    make_week(MONDAY, [(anna, bernd), (bernd, None)], published=True)
    make_week(date(2026, 11, 2), [(bernd, anna)], published=False)

    response = roster(api, start="2026-10-26", end="2026-11-02")

    assert response.status_code == 200
    assert response.json() == [
        {"date": "2026-10-26", "duty": "phone_duty", "username": "anna", "open": False, "published": True},
        {"date": "2026-10-26", "duty": "technical_standby", "username": "bernd", "open": False, "published": True},
        {"date": "2026-10-27", "duty": "phone_duty", "username": "bernd", "open": False, "published": True},
        {"date": "2026-10-27", "duty": "technical_standby", "username": None, "open": True, "published": True},
        {"date": "2026-11-02", "duty": "phone_duty", "username": "bernd", "open": False, "published": False},
        {"date": "2026-11-02", "duty": "technical_standby", "username": "anna", "open": False, "published": False},
    ]


def test_roster_start_and_end_are_inclusive(api, pool, published_week):
    body = roster(api, start="2026-10-27", end="2026-10-28").json()

    assert [(e["date"], e["duty"]) for e in body] == [
        ("2026-10-27", "phone_duty"),
        ("2026-10-27", "technical_standby"),
        ("2026-10-28", "phone_duty"),
        ("2026-10-28", "technical_standby"),
    ]


def test_roster_defaults_to_a_week_from_today(api, pool, published_week):
    with time_machine.travel(datetime(2026, 10, 28, 9, 0, tzinfo=BERLIN), tick=False):
        body = roster(api).json()

    assert {e["date"] for e in body} == {"2026-10-28", "2026-10-29", "2026-10-30"}


def test_roster_queries_do_not_grow_with_the_range(api, pool, django_assert_max_num_queries):
    for week in range(8):
        make_week(date(2026, 9, 7) + timedelta(weeks=week), alternating(pool[0], pool[1]), published=True)

    with django_assert_max_num_queries(6):
        body = roster(api, start="2026-09-01", end="2026-11-30").json()

    assert len(body) == 80


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start": "2026-10-32"}, "start: "),
        ({"start": "26.10.2026"}, "start: "),
        ({"end": "tomorrow", "start": "2026-10-26"}, "end: "),
        ({"start": "2026-10-26", "end": "2026-10-25"}, "end must not be before start"),
        ({"start": "2026-01-01", "end": "2027-12-31"}, "At most 400 days"),
        ({"start": "9999-12-31"}, "start is too late"),
    ],
)
def test_roster_with_bad_dates_is_400_with_a_detail(api, params, fragment):
    response = roster(api, **params)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail"}
    assert fragment in body["detail"]


# --- schema -----------------------------------------------------------------------


def test_schema_is_openapi_3_and_lists_both_operations(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/oncall", "/api/v1/roster"} <= set(schema["paths"])
    oncall_params = {p["name"] for p in schema["paths"]["/api/v1/oncall"]["get"]["parameters"]}
    roster_params = {p["name"] for p in schema["paths"]["/api/v1/roster"]["get"]["parameters"]}
    assert oncall_params == {"at"} and roster_params == {"start", "end"}
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    components = schema["components"]["schemas"]
    assert set(components["OnCall"]["properties"]) == {"at", "window", "phone_duty", "technical_standby"}
    assert set(components["RosterEntry"]["properties"]) == {"date", "duty", "username", "open", "published"}
    assert set(components["Person"]["properties"]) == PERSON_KEYS


def test_schema_generates_without_warnings(tmp_path):
    # Duplicate component names ("Output" of two views) or unknown auth classes only warn at runtime.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "/api/v1/oncall" in (tmp_path / "schema.yml").read_text()
