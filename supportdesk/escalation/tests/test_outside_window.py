"""The coordinator's page "Prio 1 outside the support windows": one policy per customer, in German and English."""

import pytest
from django.urls import reverse

from supportdesk.escalation import selectors, services
from supportdesk.escalation.exceptions import InvalidPolicy
from supportdesk.escalation.models import CustomerContract, CustomerEscalationPolicy, EventDetail, OutsideWindowMode
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1900, escalation_of, prio1_ticket
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets.models import Customer

pytestmark = pytest.mark.django_db

PAGE = reverse("escalation:outside_window")


@pytest.fixture
def customers():
    acme = Customer.objects.create(code="acme", name="ACME GmbH")
    stadtwerke = Customer.objects.create(code="sw", name="Stadtwerke Regensburg")
    CustomerContract.objects.create(customer=stadtwerke, support_24x7=True)
    return acme, stadtwerke


def set_url(customer):
    return reverse("escalation:outside_window_set", args=[customer.pk])


def row(html: str, customer) -> str:
    start = html.index(f'<tr id="customer-{customer.pk}"')
    return html[start : html.index("</tr>", start)]


def test_the_page_is_for_coordinators_and_linked_from_the_rules_page(client, coordinator, agent, customers):
    client.force_login(agent)
    assert client.get(PAGE).status_code == 404
    assert client.post(set_url(customers[0]), {f"c{customers[0].pk}-mode": "nobody"}).status_code == 404
    assert not CustomerEscalationPolicy.objects.exists()
    client.force_login(coordinator)
    assert f'href="{PAGE}"' in client.get(reverse("escalation:rules")).content.decode()
    page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Prio 1 außerhalb der Supportzeiten" in html
    # No row yet: the coordinator is told (the default), and the page says it is the default.
    assert "Koordinator" in row(html, customers[0]) and "Standard" in row(html, customers[0])
    assert "24/7" in row(html, customers[1])
    assert "<script>" not in html and "style=" not in html


def test_choose_a_named_person_then_nobody(client, coordinator, customers, pool):
    acme = customers[0]
    client.force_login(coordinator)
    response = client.post(set_url(acme), {f"c{acme.pk}-mode": "person", f"c{acme.pk}-person": pool[2].pk})
    assert response.status_code == 302 and response["Location"].endswith(f"#customer-{acme.pk}")
    policy = CustomerEscalationPolicy.objects.get(customer=acme)
    assert policy.mode == OutsideWindowMode.PERSON and policy.person == pool[2]
    html = client.get(PAGE).content.decode()
    assert "Clara Schmid" in row(html, acme) and "Standard" not in row(html, acme)
    assert "Clara Schmid" in html  # the success message names who is told now
    client.post(set_url(acme), {f"c{acme.pk}-mode": "nobody", f"c{acme.pk}-person": pool[2].pk})
    policy.refresh_from_db()
    assert policy.mode == OutsideWindowMode.NOBODY and policy.person is None  # the name is not kept


def test_named_person_without_a_person_is_refused_and_nothing_changes(client, coordinator, customers, pool):
    acme, stadtwerke = customers
    CustomerEscalationPolicy.objects.create(customer=acme, mode=OutsideWindowMode.NOBODY)
    client.force_login(coordinator)
    response = client.post(set_url(acme), {f"c{acme.pk}-mode": "person", f"c{acme.pk}-person": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Wählen Sie die Person, die benachrichtigt werden soll." in row(html, acme)
    assert "Wählen Sie" not in row(html, stadtwerke)  # the other rows are untouched
    assert CustomerEscalationPolicy.objects.get(customer=acme).mode == OutsideWindowMode.NOBODY
    # A forged choice and an unknown customer: refused, not a 500.
    assert client.post(set_url(acme), {f"c{acme.pk}-mode": "everyone"}).status_code == 400
    assert client.post(reverse("escalation:outside_window_set", args=[999999]), {}).status_code == 404
    assert client.post(set_url(acme), {f"c{acme.pk}-mode": "person", f"c{acme.pk}-person": "x"}).status_code == 400
    assert CustomerEscalationPolicy.objects.get(customer=acme).mode == OutsideWindowMode.NOBODY


def test_the_page_in_english(client, coordinator, customers):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    acme = customers[0]
    client.force_login(coordinator)
    html = client.get(PAGE, headers={"Accept-Language": "en"}).content.decode()
    assert "Prio 1 outside the support windows" in html and "(default)" in row(html, acme)
    response = client.post(
        set_url(acme), {f"c{acme.pk}-mode": "person", f"c{acme.pk}-person": ""}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "Choose the person who is to be notified." in row(response.content.decode(), acme)


def test_the_service_refuses_agents_and_inactive_people(coordinator, agent, customers, pool):
    acme = customers[0]
    with pytest.raises(InvalidPolicy):
        services.customer_escalation_policy_set(actor=agent, customer=acme, mode="coordinator")
    pool[3].is_active = False
    pool[3].save(update_fields=["is_active"])
    with pytest.raises(InvalidPolicy, match="David Wagner"):
        services.customer_escalation_policy_set(actor=coordinator, customer=acme, mode="person", person=pool[3])
    with pytest.raises(InvalidPolicy):
        services.customer_escalation_policy_set(actor=coordinator, customer=acme, mode="person")
    assert not CustomerEscalationPolicy.objects.exists()


def test_what_the_page_sets_is_what_the_chain_uses_after_hours(client, coordinator, customers, pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    acme = customers[0]
    client.force_login(coordinator)
    client.post(set_url(acme), {f"c{acme.pk}-mode": "person", f"c{acme.pk}-person": pool[4].pk})
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1900, customer=acme))
    found = selectors.recipients_at(escalation=escalation, at=TUESDAY_1900)
    assert found.users == [pool[4]] and found.reason == EventDetail.POLICY_PERSON


def test_the_page_reads_in_a_constant_number_of_queries(client, coordinator, customers, django_assert_max_num_queries):
    client.force_login(coordinator)
    client.get(PAGE)
    for i in range(10):
        Customer.objects.create(code=f"c{i}", name=f"Kunde {i}")
    with django_assert_max_num_queries(12):
        assert client.get(PAGE).status_code == 200
