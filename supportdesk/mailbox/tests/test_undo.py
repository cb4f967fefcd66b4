"""Undo of triage actions: within the window everything is reverted, after it nothing is; mail and
notices wait for the window's end."""

import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.core.exceptions import PermissionDenied
from supportdesk.escalation.models import Escalation
from supportdesk.mailbox import selectors, services
from supportdesk.mailbox.exceptions import UndoRefused
from supportdesk.mailbox.models import (
    InboundMail,
    InboundState,
    Mailbox,
    OutboundMail,
    OutboundStatus,
    TriageAction,
    TriageRecord,
)
from supportdesk.mailbox.tests.helpers import Gate, enqueued, run_enqueued
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.tickets.models import Article, ArticleKind, Contact, DigestItem, Status, Ticket, TicketChange
from supportdesk.tickets.services import article_add, ticket_create, ticket_update


@pytest.fixture
def mailbox(db) -> Mailbox:
    return Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")


def ingest(mailbox, raw: bytes) -> InboundMail:
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)])
    return mail


def record_of(mail: InboundMail) -> TriageRecord:
    return TriageRecord.objects.filter(mail=mail).latest("id")


def test_undo_of_create_ticket_deletes_ticket_and_contact_and_holds_the_notice(mailbox, coordinator, agent):
    mail = ingest(mailbox, make_mail(1))
    mail = services.triage_create_ticket(actor=coordinator, mail_id=mail.pk, assignee=agent, priority=2)
    number = mail.ticket.number
    record = record_of(mail)
    assert record.undo_until == record.done_at + timedelta(seconds=10)
    assert record.notice_held
    # Prio 2 tells the assignee at once, but not before the window has passed
    assert not NotificationDelivery.objects.filter(recipient=agent).exists()
    [finalize] = enqueued("triage_record_finalize")
    assert finalize.task.run_after == record.undo_until

    back = services.triage_undo(actor=coordinator, record_id=record.pk)

    assert back.state == InboundState.TRIAGE
    assert back.ticket is None and back.handled_action == ""
    assert not Ticket.objects.filter(number=number).exists()
    assert not Contact.objects.filter(emails__address="erika@kunde.example").exists()
    record.refresh_from_db()
    assert record.undone_by == coordinator
    assert record.ticket_number == number  # the timeline still names it
    run_enqueued()
    assert not NotificationDelivery.objects.filter(recipient=agent).exists()
    assert selectors.inbound_mail_triage_list().get() == back


def test_after_the_window_the_action_stands_and_the_notice_goes_out(mailbox, coordinator, agent):
    mail = ingest(mailbox, make_mail(1))
    mail = services.triage_create_ticket(actor=coordinator, mail_id=mail.pk, assignee=agent, priority=2)
    record = record_of(mail)
    assert run_enqueued("triage_record_finalize") == 1
    [notice] = NotificationDelivery.objects.filter(recipient=agent)
    assert mail.ticket.number in notice.subject
    with pytest.raises(UndoRefused, match="Zu spät"):
        services.triage_undo(actor=coordinator, record_id=record.pk)
    assert Ticket.objects.filter(pk=mail.ticket.pk).exists()
    run_enqueued("triage_record_finalize")  # a duplicate finalize sends nothing twice
    assert NotificationDelivery.objects.filter(recipient=agent).count() == 1


def test_undo_is_refused_by_the_clock(mailbox, coordinator, settings):
    settings.SUPPORTDESK_TRIAGE_UNDO_SECONDS = 5
    mail = ingest(mailbox, make_mail(1))
    now = timezone.now()
    mail = services.triage_create_ticket(actor=coordinator, mail_id=mail.pk, now=now)
    record = record_of(mail)
    assert record.undo_until == now + timedelta(seconds=5)
    with pytest.raises(UndoRefused, match="5 Sekunden"):
        services.triage_undo(actor=coordinator, record_id=record.pk, now=now + timedelta(seconds=6))
    assert InboundMail.objects.get().state == InboundState.ARTICLE
    services.triage_undo(actor=coordinator, record_id=record.pk, now=now + timedelta(seconds=4))
    with pytest.raises(UndoRefused, match="bereits rückgängig"):
        services.triage_undo(actor=coordinator, record_id=record.pk, now=now + timedelta(seconds=4))


def test_undo_refused_when_the_new_ticket_was_worked_on(mailbox, coordinator, agent):
    mail = services.triage_create_ticket(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk)
    article_add(actor=agent, ticket=mail.ticket, kind=ArticleKind.INTERNAL_NOTE, body="Schon angerufen.")
    with pytest.raises(UndoRefused, match=mail.ticket.number):
        services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)
    assert Ticket.objects.filter(pk=mail.ticket.pk).exists()
    assert InboundMail.objects.get().state == InboundState.ARTICLE
    assert TriageRecord.objects.get().undone_at is None


def test_undo_refused_when_another_mail_joined_the_new_ticket(mailbox, coordinator):
    mail = services.triage_create_ticket(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk)
    follow_up = ingest(mailbox, make_mail(2, in_reply_to="<mail-1@kunde.example>"))
    assert follow_up.ticket == mail.ticket  # threaded: it belongs to the ticket now
    with pytest.raises(UndoRefused, match=mail.ticket.number):
        services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)
    assert Ticket.objects.filter(pk=mail.ticket.pk).exists()
    follow_up.refresh_from_db()
    assert follow_up.ticket == mail.ticket


def test_held_notice_of_an_evening_ticket_goes_to_the_digest_only_when_the_window_passed(mailbox, coordinator, agent):
    evening = datetime(2026, 6, 10, 19, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday, after core hours
    mail = services.triage_create_ticket(
        actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, assignee=agent, now=evening
    )
    record = record_of(mail)
    assert record.notice_held
    assert not DigestItem.objects.exists()  # an undo within the window leaves no trace in the digest
    assert run_enqueued("triage_record_finalize") == 1
    [item] = DigestItem.objects.all()
    assert (item.user, item.ticket, item.created_at) == (agent, mail.ticket, evening)
    assert not NotificationDelivery.objects.filter(recipient=agent).exists()


def test_undo_of_add_to_ticket_removes_the_article_and_sets_the_ticket_back(mailbox, coordinator, agent):
    ticket = ticket_create(actor=None, subject="Alt", body="x")
    ticket = ticket_update(None, ticket, ticket.version, status=Status.CLOSED)
    mail = ingest(mailbox, make_mail(1))
    mail = services.triage_add_to_ticket(actor=coordinator, mail_id=mail.pk, ticket=ticket, assignee=agent)
    article = mail.article
    services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.assignee is None
    assert not Article.objects.filter(pk=article.pk).exists()
    assert InboundMail.objects.get().state == InboundState.TRIAGE
    # the history shows the action and its undo, by whom
    reverted = TicketChange.objects.filter(ticket=ticket, field="status").order_by("version").last()
    assert reverted.changed_by == coordinator
    assert reverted.new_value == "Closed"


def test_undo_of_add_to_ticket_without_changes_only_removes_the_article(mailbox, coordinator, agent):
    ticket = ticket_create(actor=None, subject="Alt", body="x")
    mail = services.triage_add_to_ticket(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, ticket=ticket)
    # someone else works on the ticket meanwhile: the undo touches only what the action did
    ticket_update(agent, ticket, ticket.version, priority=2)
    services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)
    ticket.refresh_from_db()
    assert ticket.priority == 2
    assert not Article.objects.filter(ticket=ticket, kind=ArticleKind.MAIL_IN, body__contains="Drucker").exists()


def test_reply_waits_for_the_window_and_undo_cancels_it(mailbox, coordinator):
    mail = ingest(mailbox, make_mail(1))
    mail = services.triage_reply(actor=coordinator, mail_id=mail.pk, body="Wir kümmern uns.")
    outbound = OutboundMail.objects.get()
    assert outbound.status == OutboundStatus.QUEUED
    [send] = enqueued("outbound_mail_send")
    assert send.task.run_after == outbound.send_after == record_of(mail).undo_until
    assert django_mail.outbox == []
    services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)
    assert run_enqueued("outbound_mail_send") == 1
    assert django_mail.outbox == []
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.CANCELLED
    assert InboundMail.objects.get().state == InboundState.TRIAGE


def test_a_sent_reply_cannot_be_undone_and_goes_out_exactly_once(mailbox, coordinator):
    mail = services.triage_reply(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, body="Erledigt.")
    outbound = OutboundMail.objects.get()
    services.outbound_mail_deliver(outbound_id=outbound.pk)
    services.outbound_mail_deliver(outbound_id=outbound.pk)  # a duplicate task
    assert len(django_mail.outbox) == 1
    assert django_mail.outbox[0].message()["Message-ID"] == f"<{outbound.message_id}>"
    with pytest.raises(UndoRefused, match=r"erika@kunde\.example"):
        services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)
    assert InboundMail.objects.get().state == InboundState.HANDLED


def test_a_refused_reply_is_retried_and_then_returns_to_triage(mailbox, coordinator, smtp_sink):
    smtp_sink.refuse = True
    services.triage_reply(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, body="Erledigt.")
    outbound = OutboundMail.objects.get()
    for attempt in range(1, 4):
        assert run_enqueued("outbound_mail_send") == 1
        outbound.refresh_from_db()
        assert outbound.status == OutboundStatus.QUEUED
        assert outbound.attempts == attempt
        [retry] = enqueued("outbound_mail_send")
        assert retry.task.run_after == outbound.send_after
    run_enqueued("outbound_mail_send")
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.FAILED
    back = InboundMail.objects.get()
    assert back.state == InboundState.TRIAGE
    assert "erika@kunde.example" in back.hint
    smtp_sink.refuse = False
    assert not enqueued("outbound_mail_send")


def test_the_sweep_requeues_a_lost_send(mailbox, coordinator):
    services.triage_reply(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, body="x")
    outbound = OutboundMail.objects.get()
    run_enqueued()  # nothing lost yet: the finalize runs, the send goes out
    assert services.outbound_mail_sweep(now=timezone.now() + timedelta(hours=1)) == 0
    OutboundMail.objects.filter(pk=outbound.pk).update(status=OutboundStatus.QUEUED)  # as if the worker died
    assert services.outbound_mail_sweep(now=timezone.now() + timedelta(hours=1)) == 1
    assert enqueued("outbound_mail_send")


def test_forward_undo_cancels_the_forward(mailbox, coordinator, agent):
    mail = services.triage_forward(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, colleague=agent)
    assert record_of(mail).summary == agent.name
    services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)
    run_enqueued()
    assert django_mail.outbox == []
    assert OutboundMail.objects.get().status == OutboundStatus.CANCELLED


def test_prio1_ticket_is_not_undoable(mailbox, coordinator):
    mail = services.triage_create_ticket(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, priority=1)
    record = record_of(mail)
    assert record.undo_until is None
    assert Escalation.objects.filter(case__ticket=mail.ticket).exists()
    with pytest.raises(UndoRefused, match="Prio-1-Ticket"):
        services.triage_undo(actor=coordinator, record_id=record.pk)


def test_only_the_actor_or_a_coordinator_may_undo(mailbox, coordinator, agent):
    other = UserFactory(username="lena", display_name="Lena Vogel")
    mail = services.triage_create_ticket(actor=agent, mail_id=ingest(mailbox, make_mail(1)).pk)
    with pytest.raises(PermissionDenied):
        services.triage_undo(actor=other, record_id=record_of(mail).pk)
    services.triage_undo(actor=coordinator, record_id=record_of(mail).pk)


def test_timeline_and_undo_offer(mailbox, coordinator):
    mail = ingest(mailbox, make_mail(1))
    first = services.triage_create_ticket(actor=coordinator, mail_id=mail.pk)
    now = timezone.now()
    offer = selectors.triage_undo_offer(user=coordinator, now=now)
    assert offer.text == f"Ticket {first.ticket.number} erstellt."
    services.triage_undo(actor=coordinator, record_id=offer.records[0].pk)
    assert selectors.triage_undo_offer(user=coordinator, now=now) is None
    services.triage_reply(actor=coordinator, mail_id=mail.pk, body="Danke")
    timeline = list(selectors.triage_record_list(mail=mail))
    assert [(r.action, r.undone) for r in timeline] == [(TriageAction.CREATE_TICKET, True), (TriageAction.REPLY, False)]
    assert selectors.triage_undo_offer(user=coordinator, now=now + timedelta(seconds=11)) is None


# --- the page -------------------------------------------------------------------------


def test_page_shows_the_toast_and_bulk_undo_reverts_all(client, coordinator, mailbox):
    one, two, _three = (ingest(mailbox, make_mail(n)) for n in (1, 2, 3))
    client.force_login(coordinator)
    response = client.post("/mailbox/triage/bulk/", {"mails": [one.pk, two.pk], "action": "create_ticket"}, follow=True)
    html = response.content.decode()
    assert "2 Mails bearbeitet." in html
    assert re.search(r"Rückgängig <span class=\"triage-toast-count\">\(<span data-countdown>\d+</span> s\)", html)
    records = re.findall(r'name="records" value="(\d+)"', html)
    assert len(records) == 2
    response = client.post("/mailbox/triage/undo/", {"records": records}, follow=True)
    assert "2 Mails warten wieder" in response.content.decode()
    assert InboundMail.objects.filter(state=InboundState.TRIAGE).count() == 3
    assert not Ticket.objects.exists()
    assert 'id="triage-toast"' not in response.content.decode()


def test_page_undo_too_late_says_so(client, coordinator, mailbox):
    mail = ingest(mailbox, make_mail(1))
    client.force_login(coordinator)
    client.post(f"/mailbox/triage/{mail.pk}/create-ticket/", {f"m{mail.pk}-priority": "3"})
    record = TriageRecord.objects.get()
    TriageRecord.objects.filter(pk=record.pk).update(undo_until=timezone.now() - timedelta(seconds=1))
    response = client.post("/mailbox/triage/undo/", {"records": [record.pk]}, follow=True)
    assert "Zu spät" in response.content.decode()
    assert InboundMail.objects.get().state == InboundState.ARTICLE


def test_page_is_german(client, coordinator, agent, mailbox):
    ingest(mailbox, make_mail(1))
    client.force_login(coordinator)
    html = client.get("/mailbox/triage/").content.decode()
    assert "Select an option" not in html
    assert "— keine —" in html
    assert "Tastenkürzel" in html
    assert 'src="/static/mailbox/triage-keys.js"' in html
    assert "nonce=" in html


# --- the API --------------------------------------------------------------------------


@pytest.fixture
def api(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


def test_api_undo(api, mailbox):
    mail = ingest(mailbox, make_mail(1))
    response = api.post(f"/api/v1/triage/{mail.pk}/reply", {"body": "Danke"}, format="json")
    body = response.json()
    assert body["undo_until"]
    undo = api.post(f"/api/v1/triage/actions/{body['action_id']}/undo")
    assert undo.status_code == 200, undo.json()
    assert undo.json()["state"] == InboundState.TRIAGE
    again = api.post(f"/api/v1/triage/actions/{body['action_id']}/undo")
    assert again.status_code == 409
    assert "rückgängig" in again.json()["detail"]
    assert api.post("/api/v1/triage/actions/9999/undo").status_code == 404


def test_api_undo_is_in_the_schema(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/triage/actions/{id}/undo"]["post"]
    assert operation["operationId"] == "triage_action_undo"
    assert set(operation["responses"]) >= {"200", "403", "404", "409"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_undo_racing_the_send_waits_and_is_refused(mailbox, coordinator, settings):
    """The send holds the mail's row through the SMTP conversation: an undo arriving then waits
    for it and finds the mail sent. Never both sent and undone, never lost."""
    settings.MAILERS = {"default": {"BACKEND": "supportdesk.mailbox.tests.helpers.GateBackend"}}
    Gate.reset()
    mail = services.triage_reply(actor=coordinator, mail_id=ingest(mailbox, make_mail(1)).pk, body="Erledigt.")
    outbound = OutboundMail.objects.get()
    outcome: dict[str, object] = {}

    def in_thread(name, work):
        def run():
            try:
                outcome[name] = work()
            except UndoRefused as exc:
                outcome[name] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    sender = in_thread("send", lambda: services.outbound_mail_deliver(outbound_id=outbound.pk))
    assert Gate.entered.wait(timeout=10)
    undoer = in_thread("undo", lambda: services.triage_undo(actor=coordinator, record_id=record_of(mail).pk))
    undoer.join(timeout=0.5)
    assert undoer.is_alive()  # waiting for the send's row lock
    Gate.release.set()
    sender.join(timeout=10)
    undoer.join(timeout=10)
    assert isinstance(outcome["undo"], UndoRefused)
    assert len(Gate.sent) == 1
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT
    assert InboundMail.objects.get().state == InboundState.HANDLED
