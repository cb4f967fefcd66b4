"""Bulk status and assignment changes from the ticket list (service and page)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.tickets import services
from supportdesk.tickets.exceptions import InvalidTicket
from supportdesk.tickets.models import Team, Ticket, TicketChange

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_MORNING = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        yield


def login(client, user, language="de"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def make(agent, n, **kwargs):
    return [services.ticket_create(actor=agent, subject=f"Fall {i}", **kwargs) for i in range(n)]


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- service ------------------------------------------------------------------------------------


def test_bulk_update_changes_each_ticket_and_skips_the_ones_changed_meanwhile(agent, coordinator):
    first, second, third = make(agent, 3)
    services.ticket_update(coordinator, second, 1, status="waiting")  # someone else, meanwhile

    report = services.tickets_bulk_update(
        actor=agent, items=[(first, 1), (second, 1), (third, 1)], changes={"status": "open", "assignee": coordinator}
    )

    assert report.changed == [first.number, third.number]
    assert report.skipped == [second.number]
    assert report.failed == [] and report.unchanged == []
    statuses = dict(Ticket.objects.values_list("number", "status"))
    assert statuses == {first.number: "open", second.number: "waiting", third.number: "open"}
    assert Ticket.objects.get(pk=first.pk).assignee == coordinator
    assert Ticket.objects.get(pk=second.pk).assignee is None  # nothing of the bulk change on the skipped one
    assert TicketChange.objects.filter(ticket=first, version=2, changed_by=agent).count() == 2


def test_bulk_update_reports_tickets_that_already_had_the_values(agent):
    (ticket,) = make(agent, 1)
    report = services.tickets_bulk_update(actor=agent, items=[(ticket, 1)], changes={"status": "new"})
    assert report.unchanged == [ticket.number] and report.changed == []
    ticket.refresh_from_db()
    assert ticket.version == 1


def test_bulk_update_sets_and_clears_the_group(agent):
    (ticket,) = make(agent, 1)
    group = Team.objects.get(slug=Team.SERVICE_MANAGEMENT)

    services.tickets_bulk_update(actor=agent, items=[(ticket, 1)], changes={"assignee_group": group})
    services.tickets_bulk_update(actor=agent, items=[(ticket, 2)], changes={"assignee_group": None})

    ticket.refresh_from_db()
    assert (ticket.assignee_group, ticket.version) == (None, 3)


@pytest.mark.parametrize("changes", [{}, {"subject": "x"}, {"priority": 1}])
def test_bulk_update_refuses_other_fields_and_no_change(agent, changes):
    (ticket,) = make(agent, 1)
    with pytest.raises(InvalidTicket):
        services.tickets_bulk_update(actor=agent, items=[(ticket, 1)], changes=changes)


def test_bulk_update_reports_a_refused_ticket_and_saves_the_others(agent):
    first, second = make(agent, 2)
    bad = "bogus"
    report = services.tickets_bulk_update(actor=agent, items=[(first, 1), (second, 1)], changes={"status": bad})
    assert [n for n, _m in report.failed] == [first.number, second.number]
    assert "bogus" in report.failed[0][1]


# --- page -------------------------------------------------------------------------------------


def post_bulk(client, tickets, back="", **data):
    items = [f"{t.number}:{v}" for t, v in tickets]
    return client.post(reverse("tickets:bulk_update"), {"item": items, "back": back, **data}, follow=True)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1 changed, 1 skipped (changed by someone else: {number})."),
        ("de", "{number}"),
    ],
)
def test_bulk_page_reports_changed_and_skipped_and_keeps_the_filters(client, agent, coordinator, language, expected):
    login(client, agent, language)
    first, second = make(agent, 2)
    services.ticket_update(coordinator, second, 1, priority=2)

    response = post_bulk(
        client,
        [(first, 1), (second, 1)],
        back="view=unassigned&sort=number&evil=https://example.org",
        status="open",
        assignee="horst",
    )

    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("tickets:list") + "?view=unassigned&sort=number", 302)]
    text = " ".join(messages_of(response))
    assert expected.format(number=second.number) in text
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.assignee, second.status) == ("open", coordinator, "new")


def test_bulk_page_german_message(client, agent):
    login(client, agent, "de")
    first, second = make(agent, 2)
    response = post_bulk(client, [(first, 1), (second, 1)], assignee_group="service-management")
    assert response.status_code == 200
    assert Ticket.objects.filter(assignee_group__slug="service-management").count() == 2


@pytest.mark.parametrize(
    ("items", "data", "message"),
    [
        ([], {"status": "open"}, "Select at least one ticket."),
        (["SD-2026-00001:1"], {}, "Choose a status, a person or a group to set."),
        (["nonsense"], {"status": "open"}, "could not be read"),
        (["SD-2026-00001:1"], {"status": "exploded"}, "Select a valid choice"),
        (["SD-2026-00001:1"], {"assignee": "nobody-of-that-name"}, "Select a valid choice"),
        (["SD-1999-12345:1"], {"status": "open"}, "Not found: SD-1999-12345."),
    ],
)
def test_bulk_page_bad_input_is_a_message_not_a_500(client, agent, items, data, message):
    login(client, agent, "en")
    make(agent, 1)

    response = client.post(reverse("tickets:bulk_update"), {"item": items, **data}, follow=True)

    assert response.status_code == 200
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert Ticket.objects.get().version == 1


def test_bulk_post_needs_login_and_post(client, agent):
    assert client.post(reverse("tickets:bulk_update"), {}).status_code == 302
    login(client, agent)
    assert client.get(reverse("tickets:bulk_update")).status_code == 405


def test_list_rows_carry_their_version_for_the_bulk_form(client, agent, coordinator):
    login(client, agent)
    (ticket,) = make(agent, 1)
    services.ticket_update(coordinator, ticket, 1, status="open")

    html = client.get(reverse("tickets:list"), {"sort": "number"}).content.decode()

    assert f'name="item" value="{ticket.number}:2" form="bulk-form"' in html
    assert 'id="bulk-form"' in html and reverse("tickets:bulk_update") in html
    assert 'name="back" value="sort=number" form="bulk-form"' in html
    assert "style=" not in html and "hx-on" not in html
    assert len(re.findall(r'id="([^"]+)"', html)) == len(set(re.findall(r'id="([^"]+)"', html)))  # no id twice


def test_bulk_post_query_count_grows_only_by_the_per_ticket_update(client, agent, coordinator):
    """A fixed number of queries (session, user, choices, the tickets in one query) plus a
    fixed number per ticket, all inside ``ticket_update`` (savepoint, lock, ``full_clean``'s
    checks of the ticket's foreign keys, save, history, status article; 12 here)."""
    login(client, agent)
    tickets = make(agent, 12)

    def run(batch):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                reverse("tickets:bulk_update"),
                {"item": [f"{t.number}:{t.version}" for t in batch], "status": "open", "assignee": "horst"},
            )
        assert response.status_code == 302
        for t in batch:
            t.refresh_from_db()
        return len(ctx.captured_queries)

    two = run(tickets[:2])
    three = run(tickets[2:5])
    seven = run(tickets[5:12])
    per_ticket = three - two
    assert 0 < per_ticket <= 14
    assert seven == two + 5 * per_ticket
    assert two - 2 * per_ticket <= 12  # the fixed part
    assert Ticket.objects.filter(status="open", assignee=coordinator).count() == 12
