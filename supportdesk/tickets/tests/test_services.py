from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.core.exceptions import Conflict
from supportdesk.tickets import selectors, services
from supportdesk.tickets.exceptions import InvalidPhoneNumber, InvalidTicket
from supportdesk.tickets.models import (
    Article,
    ArticleKind,
    Contact,
    ContactPhone,
    Prio1Case,
    Prio1Status,
    Status,
    Team,
    Ticket,
    TicketChange,
)
from supportdesk.tickets.tests.factories import ContactFactory, ContactPhoneFactory, CustomerFactory, ProjectFactory

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_MORNING = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- numbers ---------------------------------------------------------------------


def test_numbers_count_up_per_year_and_restart_in_a_new_year():
    assert services.ticket_number_allocate(year=2026) == "SD-2026-00001"
    assert services.ticket_number_allocate(year=2026) == "SD-2026-00002"
    assert services.ticket_number_allocate(year=2027) == "SD-2027-00001"
    assert services.ticket_number_allocate(year=2026) == "SD-2026-00003"


def test_year_of_the_number_is_the_local_year_of_creation(agent):
    """23:30 UTC on New Year's Eve is already 2027 in Berlin."""
    late = services.ticket_create(actor=agent, subject="a", now=datetime(2026, 12, 31, 22, 59, tzinfo=ZoneInfo("UTC")))
    new = services.ticket_create(actor=agent, subject="b", now=datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC")))

    assert late.number == "SD-2026-00001"
    assert new.number == "SD-2027-00001"


def test_number_never_changes_on_update(agent):
    ticket = services.ticket_create(actor=agent, subject="Drucker", now=WEDNESDAY_MORNING)
    services.ticket_update(agent, ticket, 1, subject="Drucker druckt nicht")
    ticket.refresh_from_db()
    assert ticket.number == "SD-2026-00001"


def test_failed_creation_does_not_use_up_a_number(agent):
    with pytest.raises(InvalidTicket):
        services.ticket_create(actor=agent, subject="x" * 10_000)
    assert services.ticket_create(actor=agent, subject="ok", now=WEDNESDAY_MORNING).number == "SD-2026-00001"


# --- creation and validation -------------------------------------------------------


def test_a_10000_character_subject_gets_a_clear_message(agent):
    with pytest.raises(InvalidTicket, match=r"at most 300 characters.*10000"):
        services.ticket_create(actor=agent, subject="x" * 10_000)
    assert not Ticket.objects.exists()


def test_create_sets_due_time_first_article_and_history(agent):
    ticket = services.ticket_create(
        actor=agent, subject="VPN", body="geht nicht", priority=3, channel="mail", now=WEDNESDAY_MORNING, tags=["vpn"]
    )

    assert ticket.due_at == datetime(2026, 6, 11, 9, 0, tzinfo=BERLIN)
    assert ticket.status == Status.NEW and ticket.version == 1
    article = Article.objects.get(ticket=ticket)
    assert (article.kind, article.body, article.author) == (ArticleKind.MAIL_IN, "geht nicht", agent)
    assert [t.name for t in ticket.tags.all()] == ["vpn"]
    assert TicketChange.objects.get(ticket=ticket).field == "created"


def test_prio_1_opens_a_prio1_case_and_is_due_now(agent):
    ticket = services.ticket_create(actor=agent, subject="Alles steht", priority=1, now=WEDNESDAY_MORNING)

    case = Prio1Case.objects.get(ticket=ticket)
    assert (case.status, case.opened_by, case.opened_at) == (Prio1Status.OPEN, agent, WEDNESDAY_MORNING)
    assert ticket.due_at == WEDNESDAY_MORNING


# --- assignment suggestion (R12) ------------------------------------------------


def test_suggestion_prefers_the_projects_manager(agent):
    pm, cpm = UserFactory(username="pm"), UserFactory(username="cpm")
    customer = CustomerFactory(project_manager=cpm)
    project = ProjectFactory(customer=customer, manager=pm)

    assert selectors.assignment_suggest(customer=customer, project=project).assignee == pm
    assert selectors.assignment_suggest(customer=customer, project=ProjectFactory(customer=customer)).assignee == cpm
    assert selectors.assignment_suggest(customer=customer).assignee == cpm


def test_suggestion_falls_back_to_support_management(agent):
    suggestion = selectors.assignment_suggest(customer=CustomerFactory())

    assert suggestion.assignee is None
    assert suggestion.group == Team.objects.get(slug="support-management")
    assert selectors.assignment_suggest(customer=None).group.slug == "support-management"


def test_create_uses_the_suggestion_unless_assigned_by_hand(agent):
    cpm = UserFactory(username="cpm")
    customer = CustomerFactory(project_manager=cpm)
    service_mgmt = Team.objects.get(slug="service-management")

    suggested = services.ticket_create(actor=agent, subject="a", customer=customer)
    by_hand = services.ticket_create(actor=agent, subject="b", customer=customer, assignee_group=service_mgmt)

    assert (suggested.assignee, suggested.assignee_group) == (cpm, None)
    assert (by_hand.assignee, by_hand.assignee_group) == (None, service_mgmt)


def test_both_groups_exist_after_migrations():
    assert set(Team.objects.values_list("name", flat=True)) >= {"Support management", "Service management"}


# --- caller lookup ------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0941 123456", "+49 941 123456", "0049941123456", "0941/123456"])
def test_caller_is_found_by_any_spelling_of_the_number(typed):
    contact = ContactFactory(name="Maria Huber")
    ContactPhoneFactory(contact=contact, number="+49941123456")
    ContactFactory(name="Someone Else")

    assert selectors.contact_search(query=typed) == [contact]


def test_caller_is_found_while_the_number_is_still_being_typed_and_by_name():
    contact = ContactFactory(name="Maria Huber")
    ContactPhoneFactory(contact=contact, number="+49941123456")

    assert selectors.contact_search(query="0941 12") == [contact]
    assert selectors.contact_search(query="huber") == [contact]
    assert selectors.contact_search(query="0941 99") == []


def test_contact_numbers_are_stored_in_e164():
    contact = services.contact_create(name="Max", phones=["0941 123456", "0049941123456"], emails=["Max@Kunde.Example"])

    assert list(contact.phones.values_list("number", flat=True)) == ["+49941123456"]
    assert list(contact.emails.values_list("address", flat=True)) == ["max@kunde.example"]


def test_an_invalid_number_is_refused_clearly():
    with pytest.raises(InvalidPhoneNumber, match="not a"):
        services.contact_create(name="Max", phones=["12"])


# --- phone intake ---------------------------------------------------------------------


def test_phone_intake_creates_contact_and_ticket_in_one_step(agent):
    customer = CustomerFactory()

    ticket = services.ticket_create_from_phone(
        actor=agent,
        phone="0941 123456",
        caller_name="Neue Anruferin",
        customer=customer,
        subject="Login klappt nicht",
        note="Ruft aus der Buchhaltung an",
        priority=3,
        now=WEDNESDAY_MORNING,
    )

    contact = Contact.objects.get(name="Neue Anruferin")
    assert ticket.contact == contact and ticket.customer == customer and ticket.channel == "phone"
    assert list(contact.phones.values_list("number", flat=True)) == ["+49941123456"]
    assert ticket.articles.get().kind == ArticleKind.PHONE_NOTE


def test_phone_intake_reuses_a_known_caller(agent):
    contact = ContactFactory()
    ContactPhoneFactory(contact=contact, number="+49941123456")

    ticket = services.ticket_create_from_phone(
        actor=agent, phone="0049941123456", subject="Wieder da", note="", priority=2
    )

    assert ticket.contact == contact and ticket.customer == contact.customer
    assert Contact.objects.count() == 1


def test_phone_intake_keeps_nothing_when_the_ticket_fails(agent):
    with pytest.raises(InvalidTicket):
        services.ticket_create_from_phone(
            actor=agent, phone="0941 123456", caller_name="Neu", subject="x" * 10_000, note="", priority=3
        )
    assert not Contact.objects.exists() and not ContactPhone.objects.exists()


def test_phone_intake_prio_1_records_a_prio1_case(agent):
    ticket = services.ticket_create_from_phone(
        actor=agent, phone="0941 123456", caller_name="Neu", subject="Produktion steht", note="", priority=1
    )
    assert Prio1Case.objects.get().ticket == ticket


# --- optimistic locking ---------------------------------------------------------------


def test_stale_version_is_refused_and_names_what_changed(agent, coordinator):
    ticket = services.ticket_create(actor=agent, subject="Drucker", now=WEDNESDAY_MORNING)
    services.ticket_update(
        coordinator, ticket, 1, status=Status.OPEN, assignee=agent, now=datetime(2026, 6, 10, 11, 5, tzinfo=BERLIN)
    )

    with pytest.raises(Conflict) as exc_info:
        services.ticket_update(agent, ticket, 1, status=Status.RESOLVED)

    message = exc_info.value.message
    assert "Horst Schreiber" in message and "10.06.2026 11:05" in message
    assert "(Status, Assignee)" in message
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == (Status.OPEN, 2)


def test_update_records_each_changed_field_and_a_status_article(agent, coordinator):
    ticket = services.ticket_create(actor=agent, subject="Drucker", now=WEDNESDAY_MORNING)

    updated = services.ticket_update(coordinator, ticket, 1, status=Status.WAITING, priority=2, subject="Drucker")

    assert updated.version == 2
    changes = {c.field: (c.old_value, c.new_value, c.changed_by) for c in TicketChange.objects.filter(version=2)}
    assert changes == {
        "status": ("New", "Waiting for customer", coordinator),
        "priority": ("3", "2", coordinator),
        "due_at": (changes["due_at"][0], changes["due_at"][1], coordinator),
    }
    assert ticket.articles.filter(kind=ArticleKind.STATUS_UPDATE).get().body == "New → Waiting for customer"


def test_update_without_a_real_change_keeps_the_version(agent):
    ticket = services.ticket_create(actor=agent, subject="Drucker")
    assert services.ticket_update(agent, ticket, 1, subject="Drucker").version == 1


def test_raising_to_prio_1_opens_one_case(agent):
    ticket = services.ticket_create(actor=agent, subject="Langsam", priority=3)
    services.ticket_update(agent, ticket, 1, priority=1)
    assert Prio1Case.objects.filter(ticket=ticket).count() == 1


def test_notes_do_not_bump_the_version(agent):
    ticket = services.ticket_create(actor=agent, subject="Drucker")
    services.article_add(actor=agent, ticket=ticket, kind=ArticleKind.INTERNAL_NOTE, body="<b>x</b>")
    ticket.refresh_from_db()
    assert ticket.version == 1
    assert ticket.articles.get().body == "<b>x</b>"  # stored as typed; templates escape it
