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


# --- old mail and imports page nobody -------------------------------------------------


@pytest.fixture
def outage_rule_for_a_24x7_customer(db):
    """Erika's customer has 24/7 support, and an active rule makes “Ausfall” a Prio 1 for such customers."""
    from supportdesk.escalation.models import CustomerContract

    contact = ContactEmailFactory(address="erika@kunde.example").contact
    CustomerContract.objects.create(customer=contact.customer, support_24x7=True)
    return Prio1Rule.objects.create(name="Ausfall", phrases="*ausfall", only_24x7=True)


def dated_mail(
    n: int, *, date: str, subject: str = "Ausfall Produktion", body: str = "Totalausfall seit heute früh.\n"
):
    raw = make_mail(n, subject=subject, body=body)
    return raw.replace(b"Date: Mon, 02 Mar 2026 16:05:00 +0100", f"Date: {date}".encode())


def test_importing_an_archive_of_outage_mails_starts_no_prio1(tmp_path, mailbox, outage_rule_for_a_24x7_customer):
    import mailbox as stdlib_mailbox
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "archiv.mbox"
    box = stdlib_mailbox.mbox(str(path))
    # 25 mails of one sender (more than the flood limit), the last one written just now, after hours
    for n in range(25):
        box.add(dated_mail(n, date=f"Mon, 02 Mar 2026 18:{30 + n:02}:00 +0100"))
    box.flush()
    box.close()

    with time_machine_at(MONDAY_EVENING):
        call_command("mailbox", "import", str(path), "--mailbox", "support", stdout=StringIO())

    assert InboundMail.objects.count() == 25
    assert set(InboundMail.objects.values_list("state", flat=True)) == {InboundState.TRIAGE}
    assert not InboundMail.objects.filter(flood=True).exists()
    assert not Prio1Case.objects.exists()
    assert not Escalation.objects.exists()
    assert not enqueued()  # no after-hours answer, no escalation step
    assert not AfterHoursReply.objects.exists()


def test_the_same_mail_live_and_fresh_is_a_prio1(mailbox, outage_rule_for_a_24x7_customer):
    mail = ingest(mailbox, dated_mail(30, date="Mon, 02 Mar 2026 18:50:00 +0100"), MONDAY_EVENING)
    assert mail.state == InboundState.ARTICLE
    assert mail.ticket.priority == 1
    assert Escalation.objects.filter(case__ticket=mail.ticket).exists()


def test_a_live_old_outage_mail_waits_in_triage_with_a_hint(mailbox, outage_rule_for_a_24x7_customer):
    # written at 14:00, taken in at 19:00 (the listener was down): older than the two hours
    mail = ingest(mailbox, dated_mail(31, date="Mon, 02 Mar 2026 14:00:00 +0100"), MONDAY_EVENING)
    assert mail.state == InboundState.TRIAGE
    assert "Ausfall" in mail.hint
    assert "02.03.2026 14:00" in mail.hint
    assert not Prio1Case.objects.exists()
    assert not enqueued("after_hours_reply_send")  # nor answered: it is old


def test_the_freshness_limit_is_a_setting(mailbox, outage_rule_for_a_24x7_customer, settings):
    settings.SUPPORTDESK_MAIL_AUTOMATION_MAX_AGE_MINUTES = 6 * 60
    mail = ingest(mailbox, dated_mail(32, date="Mon, 02 Mar 2026 14:00:00 +0100"), MONDAY_EVENING)
    assert mail.ticket is not None and mail.ticket.priority == 1


@pytest.mark.parametrize(
    "date_header",
    [None, "Fri, 02 Mar 2029 14:00:00 +0100"],
    ids=["no Date", "Date in the future"],
)
def test_without_a_trustworthy_date_the_arrival_counts(mailbox, outage_rule_for_a_24x7_customer, date_header):
    raw = dated_mail(33, date=date_header or "")
    if date_header is None:
        raw = raw.replace(b"Date: \r\n", b"")
        assert b"Date:" not in raw
    mail = ingest(mailbox, raw, MONDAY_EVENING)
    assert mail.ticket is not None and mail.ticket.priority == 1


def test_a_fresh_mail_in_an_import_is_not_answered_after_hours(mailbox, smtp_sink):
    [mail] = services.mails_ingest(
        mailbox=mailbox,
        items=[(None, fresh_mail(40, subject="Frage"))],
        now=MONDAY_EVENING,
        mode=services.IntakeMode.IMPORT,
    )
    assert mail.state == InboundState.TRIAGE
    assert not enqueued("after_hours_reply_send")


def time_machine_at(moment: datetime):
    import time_machine

    return time_machine.travel(moment, tick=False)
