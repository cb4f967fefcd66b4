"""The coordinator's rule page with its test box, and the JSON poll behind prio1-notify.js."""

from datetime import timedelta

import pytest
from django.urls import reverse

from supportdesk.escalation import services
from supportdesk.escalation.models import CustomerContract, EventKind, Prio1Rule
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets.models import Customer

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Ausfall",
    "active": "on",
    "phrases": "down\n*ausfall\ngeht nicht mehr",
    "match_subject": "on",
    "match_body": "on",
}


def test_rules_page_is_for_coordinators_and_keeps_the_csp(client, coordinator, agent):
    client.force_login(agent)
    assert client.get(reverse("escalation:rules")).status_code == 404
    client.force_login(coordinator)
    page = client.get(reverse("escalation:rules"))
    html = page.content.decode()
    assert page.status_code == 200 and 'name="phrases"' in html
    assert "<script>" not in html and "hx-on" not in html and "style=" not in html
    assert 'src="/static/js/prio1-notify.js"' in html and 'nonce="' in html


def test_create_and_edit_a_rule(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("escalation:rules"), FORM)
    assert response.status_code == 302
    rule = Prio1Rule.objects.get()
    assert rule.phrases == "down\n*ausfall\ngeht nicht mehr" and list(rule.customers.all()) == []
    customer = Customer.objects.create(code="acme", name="ACME GmbH")
    edit = reverse("escalation:rule_edit", args=[rule.pk])
    assert "ACME GmbH" in client.get(edit).content.decode()
    client.post(edit, {**FORM, "phrases": "Totalausfall", "customers": [customer.pk], "only_24x7": "on"})
    rule.refresh_from_db()
    assert rule.phrases == "Totalausfall" and rule.only_24x7 and list(rule.customers.all()) == [customer]


def test_saving_invalid_phrases_is_refused_with_the_reason(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("escalation:rules"), {**FORM, "phrases": "down\n**"})
    assert response.status_code == 400
    assert "Zeile 2" in response.content.decode()
    response = client.post(reverse("escalation:rules"), {**FORM, "phrases": ""})
    assert response.status_code == 400
    assert not Prio1Rule.objects.exists()


def test_test_box_shows_matches_and_hits_before_saving(client, coordinator):
    client.force_login(coordinator)
    acme = Customer.objects.create(code="acme", name="ACME GmbH")
    CustomerContract.objects.create(customer=acme, support_24x7=True)
    services.prio1_rule_save(
        actor=coordinator,
        name="Englisch",
        active=True,
        customers=[],
        only_24x7=False,
        phrases="the server is down",
        match_subject=True,
        match_body=True,
    )
    data = {
        **FORM,
        "name": "Neu",
        "only_24x7": "on",
        "sample_customer": acme.pk,
        "sample_subject": "Totalausfall der Produktion",
        "sample_body": "Download der Rechnung geht nicht mehr",
    }
    part = client.post(reverse("escalation:rule_test"), data, headers={"HX-Request": "true"})
    html = part.content.decode()
    assert html.lstrip().startswith('<section id="rule-test"')
    assert "Neu" in html and "*ausfall" in html and "Totalausfall" in html and "geht nicht mehr" in html
    assert "Englisch" in html
    assert ">down<" not in html  # "Download" does not hit "down"
    assert not Prio1Rule.objects.filter(name="Neu").exists()
    # Invalid phrases: the test still runs on the valid lines and says why saving would fail.
    html = client.post(
        reverse("escalation:rule_test"), {**data, "phrases": "*ausfall\n*"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Totalausfall" in html and "Zeile 2" in html
    # Without JavaScript the button posts the whole page.
    page = client.post(reverse("escalation:rule_test"), data)
    assert page.status_code == 200 and 'name="phrases"' in page.content.decode()


# --- GET /escalation/poll/ ----------------------------------------------------------------


@pytest.fixture
def escalation(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    return escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))


def poll(client, since=None):
    url = reverse("escalation:poll") + (f"?since={since}" if since is not None else "")
    return client.get(url)


def test_poll_needs_a_signed_in_user_and_a_number(client, pool):
    assert poll(client, 0).status_code == 401
    client.force_login(pool[2])
    response = poll(client, "x")
    assert response.status_code == 400 and "detail" in response.json()


def test_poll_without_since_gives_only_the_cursor(client, escalation, pool):
    client.force_login(pool[2])
    data = poll(client).json()
    assert data == {"cursor": escalation.events.order_by("-id").first().pk, "events": []}


def test_poll_shape_since_filter_and_own_acks_left_out(client, escalation, pool, time_machine):
    time_machine.move_to(TUESDAY_1630 + timedelta(minutes=1))
    anna, clara = pool[0], pool[2]
    started = escalation.events.get(kind=EventKind.STARTED)
    client.force_login(clara)
    data = poll(client, started.pk - 1).json()
    [event] = data["events"]
    ticket = escalation.case.ticket
    assert event == {
        "id": started.pk,
        "kind": "started",
        "at": started.at.isoformat(),
        "escalation": escalation.pk,
        "ticket": ticket.number,
        "subject": ticket.subject,
        "customer": "",
        "actor": started.actor.name,
        "title": event["title"],
        "body": ticket.subject,
        "url": escalation.get_absolute_url(),
    }
    assert ticket.number in event["title"] and data["cursor"] == started.pk
    assert poll(client, data["cursor"]).json() == {"cursor": started.pk, "events": []}
    services.escalation_acknowledge(escalation=escalation, actor=anna, now=TUESDAY_1630 + timedelta(seconds=30))
    [ack] = poll(client, data["cursor"]).json()["events"]
    assert ack["kind"] == "acknowledged" and ack["actor"] == anna.name and anna.name in ack["title"]
    client.force_login(anna)  # her own acknowledgement does not pop up on her screen
    assert poll(client, data["cursor"]).json()["events"] == []


def test_poll_leaves_out_old_events(client, escalation, pool, time_machine):
    time_machine.move_to(TUESDAY_1630 + timedelta(hours=2))
    client.force_login(pool[2])
    assert poll(client, 0).json()["events"] == []
