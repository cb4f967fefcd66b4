"""The intake's two automatic decisions: a keyword rule makes a Prio 1, and a person writing
after hours learns once when support resumes."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from supportdesk.escalation.models import Escalation, Prio1Rule
from supportdesk.handover.models import AfterHoursReply
from supportdesk.mailbox import services
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox, OutboundMail
from supportdesk.mailbox.tests.helpers import enqueued, run_enqueued
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.models import Prio1Case
from supportdesk.tickets.tests.factories import ContactEmailFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_EVENING = datetime(2026, 3, 2, 19, 0, tzinfo=BERLIN)
pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(db) -> Mailbox:
    return Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")


def fresh_mail(n: int, *, subject: str, body: str = "Hallo,\nbitte um Rückruf.\n", at: str = "18:55") -> bytes:
    raw = make_mail(n, subject=subject, body=body)
    return raw.replace(b"Date: Mon, 02 Mar 2026 16:05:00 +0100", f"Date: Mon, 02 Mar 2026 {at}:00 +0100".encode())


def ingest(mailbox: Mailbox, raw: bytes, now: datetime) -> InboundMail:
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)], now=now)
    mail.refresh_from_db()
    return mail


def test_a_keyword_rule_turns_the_mail_into_a_prio1_ticket_with_its_escalation(mailbox):
    ContactEmailFactory(address="erika@kunde.example")
    Prio1Rule.objects.create(name="Ausfall", phrases="down\ngeht nicht mehr\n*ausfall")
    now = datetime(2026, 3, 2, 16, 30, tzinfo=BERLIN)

    mail = ingest(mailbox, fresh_mail(1, subject="Shop ist down", at="16:29"), now)

    assert mail.state == InboundState.ARTICLE
    assert mail.ticket.priority == 1
    assert "Ausfall" in mail.hint
    case = Prio1Case.objects.get(ticket=mail.ticket)
    assert Escalation.objects.filter(case=case).exists()


def test_without_a_matching_rule_the_mail_waits_in_triage(mailbox):
    Prio1Rule.objects.create(name="Ausfall", phrases="down")
    now = datetime(2026, 3, 2, 10, 30, tzinfo=BERLIN)
    mail = ingest(mailbox, fresh_mail(2, subject="Download der Rechnung", at="10:29"), now)
    assert mail.state == InboundState.TRIAGE
    assert not Prio1Case.objects.exists()


def test_after_hours_a_person_gets_one_answer_a_day(mailbox, smtp_sink):
    ingest(mailbox, fresh_mail(3, subject="Frage zur Rechnung"), MONDAY_EVENING)
    ingest(mailbox, fresh_mail(4, subject="Noch eine Frage"), MONDAY_EVENING)
    # the intake only claimed the answer and enqueued it: no SMTP inside the intake transaction
    assert smtp_sink.messages == []
    assert not OutboundMail.objects.exists()
    assert AfterHoursReply.objects.get().message_id == ""
    assert run_enqueued("after_hours_reply_send") == 1

    [answer] = smtp_sink.wait_for(1)
    assert answer["To"] == "erika@kunde.example"
    assert answer["Auto-Submitted"] == "auto-replied"
    text = answer.get_body(("plain",)).get_content()
    assert "Dienstag, 3. März 2026, 09:00" in text  # support resumes Tuesday morning
    assert len(smtp_sink.messages) == 1
    outbound = OutboundMail.objects.get()
    assert AfterHoursReply.objects.get().message_id == outbound.message_id
    assert answer["In-Reply-To"] == "<mail-3@kunde.example>"


def test_no_after_hours_answer_to_automatic_mail_or_old_mail_or_in_core_hours(mailbox, smtp_sink):
    automatic = fresh_mail(5, subject="Abwesenheitsnotiz").replace(
        b"MIME-Version: 1.0", b"MIME-Version: 1.0\r\nAuto-Submitted: auto-replied"
    )
    ingest(mailbox, automatic, MONDAY_EVENING)
    ingest(mailbox, fresh_mail(6, subject="Alte Mail aus dem Import", at="08:00"), MONDAY_EVENING.replace(day=5))
    ingest(mailbox, fresh_mail(7, subject="Am Vormittag", at="10:00"), MONDAY_EVENING.replace(hour=10, minute=5))
    assert not enqueued("after_hours_reply_send")
    assert smtp_sink.messages == []


def test_a_refused_after_hours_answer_releases_the_day(mailbox, smtp_sink):
    smtp_sink.refuse = True
    ingest(mailbox, fresh_mail(8, subject="Frage"), MONDAY_EVENING)
    run_enqueued("after_hours_reply_send")
    assert not AfterHoursReply.objects.exists()  # so the next mail of the day is answered
    assert not OutboundMail.objects.exists()
    smtp_sink.refuse = False
    ingest(mailbox, fresh_mail(9, subject="Noch eine"), MONDAY_EVENING)
    run_enqueued("after_hours_reply_send")
    run_enqueued("after_hours_reply_send")  # nothing left: a duplicate would find the claim sent
    assert len(smtp_sink.wait_for(1)) == 1
