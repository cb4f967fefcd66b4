"""The ticket API contract: POST/GET/PATCH /api/v1/tickets and POST …/articles."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from supportdesk.accounts.services import api_token_create
from supportdesk.tickets import services
from supportdesk.tickets.models import Contact, Prio1Case, Ticket
from supportdesk.tickets.tests.factories import ContactEmailFactory, CustomerFactory

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_MORNING = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
TICKET_KEYS = {
    "number",
    "subject",
    "status",
    "priority",
    "channel",
    "customer",
    "contact",
    "assignee_group",
    "assignee",
    "due_at",
    "created_at",
    "updated_at",
    "version",
    "tags",
}
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        yield


@pytest.fixture
def api(client, agent):
    agent.language = "en"  # the API answers in the token owner's language; these tests read English
    agent.save(update_fields=["language"])
    _token, raw = api_token_create(user=agent, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_post_creates_a_ticket_with_number_and_due_time(api):
    CustomerFactory(code="stadtwerke")

    response = post(
        api,
        reverse("api-tickets"),
        {
            "subject": "Portal langsam",
            "body": "Seit heute früh",
            "priority": 2,
            "channel": "mail",
            "customer": "stadtwerke",
            "contact_email": "It@Stadtwerke.Example",
            "contact_phone": "0941 123456",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == TICKET_KEYS
    assert body["number"] == "SD-2026-00001"
    assert body["due_at"] == "2026-06-10T14:00:00+02:00"
    assert (body["customer"], body["priority"], body["channel"], body["status"]) == ("stadtwerke", 2, "mail", "new")
    assert body["assignee_group"] == "support-management"
    contact = Contact.objects.get()
    assert body["contact"] == {"id": contact.pk, "name": "it@stadtwerke.example"}
    assert list(contact.phones.values_list("number", flat=True)) == ["+49941123456"]


def test_post_finds_a_known_contact_by_mail(api):
    known = ContactEmailFactory(address="anna@kunde.example")

    body = post(api, reverse("api-tickets"), {"subject": "x", "contact_email": "ANNA@kunde.example"}).json()

    assert body["contact"]["id"] == known.contact.pk
    assert body["customer"] == known.contact.customer.code


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"subject": "x", "contact_phone": "12"}, "not a"),
        ({"subject": "x", "customer": "gibt-es-nicht"}, "Unknown customer 'gibt-es-nicht'"),
        ({"subject": "x" * 10_000}, "at most 300 characters"),
        ({"subject": "x", "priority": 7}, "priority"),
        ({"subject": "x", "assignee_group": "nope"}, "Unknown group"),
        ({}, "subject"),
    ],
)
def test_bad_input_is_400_with_a_clear_detail(api, payload, detail):
    response = post(api, reverse("api-tickets"), payload)

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert detail in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_prio_1_over_the_api_opens_a_case(api):
    body = post(api, reverse("api-tickets"), {"subject": "Produktion steht", "priority": 1}).json()
    assert Prio1Case.objects.get().ticket.number == body["number"]
    assert body["due_at"] == "2026-06-10T10:00:00+02:00"


def test_get_lists_with_filters(api, agent):
    services.ticket_create(actor=agent, subject="eins", priority=1)
    services.ticket_create(actor=agent, subject="zwei", priority=3, assignee=agent)

    everything = api.get(reverse("api-tickets")).json()
    prio1 = api.get(reverse("api-tickets"), {"view": "prio1_open"}).json()
    mine = api.get(reverse("api-tickets"), {"assignee": "me"}).json()

    assert len(everything) == 2 and set(everything[0]) == TICKET_KEYS
    assert [t["subject"] for t in prio1] == ["eins"]
    assert [t["subject"] for t in mine] == ["zwei"]
    assert api.get(reverse("api-tickets"), {"status": "bogus"}).status_code == 400


def test_get_one_ticket_with_articles(api, agent):
    ticket = services.ticket_create(actor=agent, subject="eins", body="Anruf", channel="phone")

    response = api.get(reverse("api-ticket", args=[ticket.number]))

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == ticket.number
    assert [(a["kind"], a["body"], a["author"]) for a in body["articles"]] == [("phone_note", "Anruf", "jonas")]


def test_unknown_number_is_404(api):
    response = api.get(reverse("api-ticket", args=["SD-2026-99999"]))
    assert response.status_code == 404
    assert "SD-2026-99999" in response.json()["detail"]


def test_patch_changes_fields_and_bumps_the_version(api, agent):
    ticket = services.ticket_create(actor=agent, subject="eins")

    response = patch(
        api,
        reverse("api-ticket", args=[ticket.number]),
        {"version": 1, "status": "open", "assignee": "jonas", "assignee_group": None, "tags": ["vpn"]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["assignee"], body["assignee_group"], body["version"], body["tags"]) == (
        "open",
        "jonas",
        None,
        2,
        ["vpn"],
    )


def test_patch_with_a_stale_version_is_409_and_changes_nothing(api, agent, coordinator):
    ticket = services.ticket_create(actor=agent, subject="eins")
    services.ticket_update(coordinator, ticket, 1, status="waiting")

    response = patch(api, reverse("api-ticket", args=[ticket.number]), {"version": 1, "status": "resolved"})

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "Horst Schreiber" in detail and "(Status)" in detail
    ticket.refresh_from_db()
    assert ticket.status == "waiting"


def test_patch_without_version_is_400(api, agent):
    ticket = services.ticket_create(actor=agent, subject="eins")
    response = patch(api, reverse("api-ticket", args=[ticket.number]), {"status": "open"})
    assert response.status_code == 400 and "version" in response.json()["detail"]


def test_post_article(api, agent):
    ticket = services.ticket_create(actor=agent, subject="eins")

    response = post(
        api, reverse("api-ticket-articles", args=[ticket.number]), {"kind": "mail_out", "body": "<script>x</script>"}
    )

    assert response.status_code == 201
    assert response.json()["body"] == "<script>x</script>"  # JSON carries the plain text as is
    assert response.json()["kind"] == "mail_out"
    assert post(api, reverse("api-ticket-articles", args=[ticket.number]), {"body": ""}).status_code == 400
    bad_kind = post(api, reverse("api-ticket-articles", args=[ticket.number]), {"kind": "status_update", "body": "x"})
    assert bad_kind.status_code == 400


def test_without_a_token_is_401(client):
    assert client.get(reverse("api-tickets")).status_code == 401


def test_schema_has_unique_components(api):
    response = api.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/tickets" in schema["paths"] and "/api/v1/tickets/{number}/articles" in schema["paths"]
    components = schema["components"]["schemas"]
    assert {"Ticket", "TicketDetail", "TicketCreateInput", "PatchedTicketUpdateInput"} <= set(components)


def test_schema_generates_without_warnings(tmp_path):
    """Enum names of ``status``/``kind`` must not collide with other apps' components."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/tickets/{number}" in (tmp_path / "schema.yml").read_text()
