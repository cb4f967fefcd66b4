"""Outside the windows with the policy "nobody": the customer's contact gets the automatic answer."""

import pytest
from django.tasks import default_task_backend

from supportdesk.escalation import services
from supportdesk.escalation.models import CustomerEscalationPolicy, EventDetail, EventKind, OutsideWindowMode
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1900, escalation_of
from supportdesk.mailbox.models import OutboundMail
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets.models import Contact, ContactEmail, Customer, Priority
from supportdesk.tickets.services import ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    customer = Customer.objects.create(code="swr", name="Stadtwerke")
    CustomerEscalationPolicy.objects.create(customer=customer, mode=OutsideWindowMode.NOBODY)
    return customer


def prio1(coordinator, customer, *, addresses=("eva@swr.example", "eva.privat@swr.example")):
    contact = Contact.objects.create(customer=customer, name="Eva Kunde")
    for address in addresses:
        ContactEmail.objects.create(contact=contact, address=address)
    ticket = ticket_create(
        actor=coordinator,
        subject="Leitsystem steht",
        priority=Priority.P1,
        customer=customer,
        contact=contact,
        now=TUESDAY_1900,
    )
    return escalation_of(ticket)


def run_first_step(escalation):
    escalation.refresh_from_db()
    services.escalation_step_run(escalation_id=escalation.pk, step_token=escalation.step_token, now=TUESDAY_1900)


def test_nobody_policy_enqueues_and_sends_the_automatic_answer_once(customer, coordinator, smtp_sink):
    escalation = prio1(coordinator, customer)
    run_first_step(escalation)
    [queued] = [r for r in default_task_backend.results if r.task.name == "escalation_auto_answer"]
    assert queued.kwargs == {"escalation_id": escalation.pk}
    event = services.escalation_auto_answer_send(escalation_id=escalation.pk, now=TUESDAY_1900)
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == "eva@swr.example"  # the contact's first address only
    assert message["Auto-Submitted"] == "auto-replied"
    content = message.get_content()
    ticket = escalation.case.ticket
    assert ticket.number in content and "Leitsystem steht" in content
    assert "2. Dezember 2026 09:00" in content  # Wednesday's core hours, in the site's language
    outbound = OutboundMail.objects.get(ticket=ticket)
    assert outbound.is_automatic and outbound.sent_by is None
    assert (event.kind, event.detail_code) == (EventKind.AUTO_ANSWER, EventDetail.AUTO_ANSWER_SENT)
    assert event.detail_params["to"] == ["eva@swr.example"]
    assert event.detail_params["resumes"] == "2026-12-02T09:00:00+01:00"
    # A repeated task (the sweep, a retry) sends nothing more.
    assert services.escalation_auto_answer_send(escalation_id=escalation.pk, now=TUESDAY_1900) is None
    assert OutboundMail.objects.count() == 1


def test_contact_without_address_is_recorded(customer, coordinator, smtp_sink):
    escalation = prio1(coordinator, customer, addresses=())
    event = services.escalation_auto_answer_send(escalation_id=escalation.pk, now=TUESDAY_1900)
    assert (event.detail_code, event.text) == (EventDetail.AUTO_ANSWER_NO_ADDRESS, "")
    assert not OutboundMail.objects.exists()


def test_coordinator_policy_sends_no_automatic_answer(customer, coordinator):
    CustomerEscalationPolicy.objects.filter(customer=customer).update(mode=OutsideWindowMode.COORDINATOR)
    escalation = prio1(coordinator, customer)
    run_first_step(escalation)
    assert not [r for r in default_task_backend.results if r.task.name == "escalation_auto_answer"]
