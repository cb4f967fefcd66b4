"""Taking back a ticket, article or contact that nothing uses yet, and holding a new ticket's notice."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import translation

from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.tickets import selectors, services
from supportdesk.tickets.exceptions import StillInUse
from supportdesk.tickets.models import (
    Article,
    ArticleKind,
    Contact,
    ContactEmail,
    ContactPhone,
    DigestItem,
    Tag,
    Ticket,
    TicketChange,
    TicketSearchDocument,
)
from supportdesk.tickets.tests.factories import ContactEmailFactory, ContactFactory, ContactPhoneFactory

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_MORNING = datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN)
WEDNESDAY_EVENING = datetime(2026, 6, 10, 19, 0, tzinfo=BERLIN)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def make(actor, **kwargs) -> Ticket:
    fields = {"subject": "Drucker defekt", "body": "Der Drucker im Lager druckt nicht.", "now": WEDNESDAY_MORNING}
    return services.ticket_create(actor=actor, **{**fields, **kwargs})


def found(user, query: str) -> list[str]:
    return [t.number for t in selectors.ticket_search(user=user, query=query)]


def search_rows(ticket_id: int) -> int:
    """The ticket's rows in the full-text index (SQLite's FTS5 table, PostgreSQL's documents)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tickets_ticket_fts WHERE rowid = %s", [ticket_id])
            return cursor.fetchone()[0]
    return TicketSearchDocument.objects.filter(ticket_id=ticket_id).count()


def inbound_mail(**refs) -> InboundMail:
    """A received mail of the mailbox app that refers to a ticket or article (as triage leaves it)."""
    mailbox = Mailbox.objects.get_or_create(name="support", defaults={"host": "127.0.0.1", "port": 143})[0]
    raw = b"Subject: Drucker\r\n\r\nGeht nicht.\r\n"
    return InboundMail.objects.create(
        mailbox=mailbox,
        dedupe_key=f"mail-{InboundMail.objects.count()}@kunde.example",
        body_sha256=hashlib.sha256(raw).hexdigest(),
        raw=raw,
        received_at=WEDNESDAY_MORNING,
        state=InboundState.ARTICLE,
        **refs,
    )


# --- holding the assignee's notice ---------------------------------------------------


def test_ticket_create_can_leave_the_assignee_notice_to_the_caller(agent, coordinator):
    held = services.ticket_create(
        actor=coordinator, subject="Drucker", assignee=agent, now=WEDNESDAY_MORNING, notify_assignee=False
    )
    assert not NotificationDelivery.objects.filter(recipient=agent).exists()
    assert not DigestItem.objects.exists()

    services.ticket_assignee_notify(ticket=held, actor=coordinator, now=WEDNESDAY_MORNING)
    [notice] = NotificationDelivery.objects.filter(recipient=agent)
    assert held.number in notice.subject

    told = services.ticket_create(actor=coordinator, subject="Scanner", assignee=agent, now=WEDNESDAY_MORNING)
    assert NotificationDelivery.objects.filter(recipient=agent, subject__contains=told.number).count() == 1


def test_a_held_evening_notice_goes_to_no_digest_either(agent, coordinator):
    services.ticket_create(
        actor=coordinator, subject="Drucker", assignee=agent, now=WEDNESDAY_EVENING, notify_assignee=False
    )
    services.ticket_create(actor=coordinator, subject="Scanner", assignee=agent, now=WEDNESDAY_EVENING)
    assert [item.ticket.subject for item in DigestItem.objects.filter(user=agent)] == ["Scanner"]


# --- tickets --------------------------------------------------------------------------


def test_an_unused_ticket_goes_with_its_article_history_tags_and_search_text(agent, coordinator):
    contact = ContactFactory()
    ticket = make(coordinator, contact=contact, tags=["drucker"])
    assert found(agent, "Lager") == [ticket.number]
    assert search_rows(ticket.pk) == 1

    services.ticket_delete_unused(ticket=ticket, actor=coordinator)

    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert not Article.objects.filter(ticket_id=ticket.pk).exists()
    assert not TicketChange.objects.filter(ticket_id=ticket.pk).exists()
    assert search_rows(ticket.pk) == 0
    assert found(agent, "Lager") == []
    # what the ticket only pointed at stays
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert Tag.objects.filter(name="drucker").exists()


def test_a_pending_digest_item_goes_with_the_ticket(agent, coordinator):
    ticket = make(coordinator, assignee=agent, now=WEDNESDAY_EVENING)
    assert DigestItem.objects.filter(ticket=ticket, digested_at=None).exists()
    services.ticket_delete_unused(ticket=ticket, actor=coordinator)
    assert not DigestItem.objects.exists()


@pytest.mark.parametrize("change", ["update", "note", "digest"])
def test_a_ticket_that_changed_since_its_creation_stays(agent, coordinator, change):
    ticket = make(coordinator, assignee=agent, now=WEDNESDAY_EVENING)
    if change == "update":
        services.ticket_update(agent, ticket, ticket.version, priority=2)
    elif change == "note":
        services.article_add(actor=agent, ticket=ticket, kind=ArticleKind.INTERNAL_NOTE, body="Schon angerufen.")
    else:
        services.digests_send(now=WEDNESDAY_EVENING)  # the assignee has been told of it

    with pytest.raises(StillInUse, match=f"{ticket.number} was changed since it was created and is not deleted"):
        services.ticket_delete_unused(ticket=ticket, actor=coordinator)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert Article.objects.filter(ticket=ticket).count() == (2 if change == "note" else 1)


def test_a_prio1_ticket_stays_its_case_refers_to_it(coordinator):
    ticket = make(coordinator, priority=1)
    with pytest.raises(StillInUse, match="other records refer to it") as refused:
        services.ticket_delete_unused(ticket=ticket, actor=coordinator)
    assert refused.value.referrers == ["tickets.Prio1Case"]
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_rows_of_other_apps_keep_the_ticket_unless_the_caller_lets_them_go(coordinator):
    ticket = make(coordinator)
    first = Article.objects.get(ticket=ticket)
    own = inbound_mail(ticket=ticket, article=first)
    other = inbound_mail(article=first)  # a row that refers only to the ticket's article

    with pytest.raises(StillInUse) as refused:
        services.ticket_delete_unused(ticket=ticket, actor=coordinator, referrers=[own])
    assert refused.value.referrers == ["mailbox.InboundMail"]
    assert Ticket.objects.filter(pk=ticket.pk).exists()

    services.ticket_delete_unused(ticket=ticket, actor=coordinator, referrers=[own, other])
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.ticket, own.article, other.article) == (None, None, None)


def test_refusals_are_german_for_german_users(coordinator):
    ticket = make(coordinator)
    services.ticket_update(coordinator, ticket, ticket.version, priority=2)
    with translation.override("de"), pytest.raises(StillInUse, match="wurde seit dem Anlegen geändert"):
        services.ticket_delete_unused(ticket=ticket, actor=coordinator)
    contact = ContactFactory(name="Erika Mustermann")
    make(coordinator, contact=contact)
    with (
        translation.override("de"),
        pytest.raises(StillInUse, match="Der Ansprechpartner Erika Mustermann wird nicht gelöscht: Tickets"),
    ):
        services.contact_delete_unused(contact=contact, actor=coordinator)


def test_what_is_gone_already_is_no_error(coordinator):
    ticket = make(coordinator)
    services.ticket_delete_unused(ticket=ticket, actor=coordinator)
    services.ticket_delete_unused(ticket=ticket, actor=coordinator)
    contact = ContactFactory()
    services.contact_delete_unused(contact=contact, actor=None)
    services.contact_delete_unused(contact=contact, actor=None)
    assert not Ticket.objects.exists()
    assert not Contact.objects.exists()


# --- articles -------------------------------------------------------------------------


def test_an_unused_article_goes_and_its_text_is_no_longer_found(agent):
    ticket = make(agent)
    note = services.article_add(actor=agent, ticket=ticket, kind=ArticleKind.INTERNAL_NOTE, body="Toner Magenta leer.")
    assert found(agent, "Magenta") == [ticket.number]

    services.article_delete_unused(article=note, actor=agent)

    assert not Article.objects.filter(pk=note.pk).exists()
    assert found(agent, "Magenta") == []
    assert found(agent, "Lager") == [ticket.number]  # the ticket and its first article stay
    ticket.refresh_from_db()
    assert ticket.version == 1


def test_an_article_another_row_refers_to_stays(agent):
    ticket = make(agent)
    note = services.article_add(actor=agent, ticket=ticket, kind=ArticleKind.MAIL_IN, body="Weitergeleitet.")
    mail = inbound_mail(ticket=ticket, article=note)
    with pytest.raises(StillInUse, match="The article is not deleted") as refused:
        services.article_delete_unused(article=note, actor=agent)
    assert refused.value.referrers == ["mailbox.InboundMail"]
    assert Article.objects.filter(pk=note.pk).exists()

    services.article_delete_unused(article=note, actor=agent, referrers=[mail])
    mail.refresh_from_db()
    assert mail.article is None
    assert mail.ticket == ticket


# --- contacts -------------------------------------------------------------------------


def test_an_unused_contact_goes_with_its_numbers_and_addresses(coordinator):
    contact = ContactFactory()
    ContactPhoneFactory(contact=contact)
    ContactEmailFactory(contact=contact)
    services.contact_delete_unused(contact=contact, actor=coordinator)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not ContactPhone.objects.exists()
    assert not ContactEmail.objects.exists()


def test_a_contact_of_a_ticket_stays(coordinator):
    contact = ContactFactory(name="Erika Mustermann")
    make(coordinator, contact=contact)
    with pytest.raises(StillInUse, match="The contact Erika Mustermann is not deleted") as refused:
        services.contact_delete_unused(contact=contact, actor=coordinator)
    assert refused.value.referrers == ["tickets.Ticket"]
    assert Contact.objects.filter(pk=contact.pk).exists()
