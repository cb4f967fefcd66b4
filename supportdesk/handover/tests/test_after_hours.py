"""The automatic acknowledgement of mails after hours (R15) and its loop guards, against a real SMTP sink."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from supportdesk.handover import services
from supportdesk.handover.afterhours import mail_language
from supportdesk.handover.models import AfterHoursReply
from supportdesk.handover.tests.factories import MONDAY, SATURDAY, at
from supportdesk.mailbox import services as mailbox_services
from supportdesk.mailbox.models import Mailbox, OutboundMail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

GERMAN = ("Drucker geht nicht", "Hallo,\nder Drucker im Lager funktioniert seit heute nicht.\nViele Grüße")
ENGLISH = ("Printer broken", "Hello,\nthe printer in the warehouse does not work since today.\nKind regards")
_counter = iter(range(10_000))


@pytest.fixture
def mailbox(db):
    return Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")


def incoming(mailbox, now, *, sender="erika@kunde.example", text=GERMAN, headers=None, content_type=None):
    message = EmailMessage()
    message["From"] = f"Erika Mustermann <{sender}>"
    message["To"] = "support@example.test"
    message["Subject"] = text[0]
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<ah-{next(_counter)}@kunde.example>"
    message.set_content(text[1])
    for name, value in (headers or {}).items():
        message[name] = value  # after set_content, which drops Content-* headers
    raw = message.as_bytes()
    if content_type:
        raw = raw.replace(b"Content-Type: text/plain", f"Content-Type: {content_type}".encode(), 1)
    [mail] = mailbox_services.mails_ingest(mailbox=mailbox, items=[(None, raw)], now=now)
    return mail


def answer(mailbox, now, **kwargs):
    """Deliver a mail through the real intake, which answers it after hours; the answer or None."""
    before = set(OutboundMail.objects.values_list("pk", flat=True))
    incoming(mailbox, now, **kwargs)
    return OutboundMail.objects.exclude(pk__in=before).filter(is_automatic=True).first()


def test_a_german_mail_in_the_evening_gets_one_german_answer(mailbox, smtp_sink):
    now = at(MONDAY, 19, 30)
    outbound = answer(mailbox, now)
    assert outbound is not None and outbound.is_automatic
    [sent] = smtp_sink.wait_for(1)
    assert sent["To"] == "erika@kunde.example"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"].startswith("<ah-")
    assert sent["Subject"].startswith("Eingangsbestätigung: Drucker geht nicht")
    body = sent.get_content()
    assert "Dienstag, 8. Dezember 2026, 09:00 Uhr" in body
    row = AfterHoursReply.objects.get()
    assert (row.sender, row.date, row.language, row.message_id) == (
        "erika@kunde.example",
        MONDAY,
        "de",
        outbound.message_id,
    )


def test_an_english_mail_is_answered_in_english(mailbox, smtp_sink):
    answer(mailbox, at(MONDAY, 21), text=ENGLISH)
    [sent] = smtp_sink.wait_for(1)
    assert sent["Subject"].startswith("Received: Printer broken")
    assert "Tuesday, 8 December 2026, 09:00" in sent.get_content()


def test_content_language_decides(mailbox, smtp_sink):
    answer(mailbox, at(MONDAY, 21), text=ENGLISH, headers={"Content-Language": "de-DE"})
    assert "Dienstag" in smtp_sink.wait_for(1)[0].get_content()


def test_on_the_weekend_support_resumes_on_monday(mailbox, smtp_sink):
    answer(mailbox, at(SATURDAY, 11), text=ENGLISH)
    assert "Monday, 14 December 2026, 09:00" in smtp_sink.wait_for(1)[0].get_content()


def test_at_most_once_per_sender_and_day(mailbox, smtp_sink):
    assert answer(mailbox, at(MONDAY, 19)) is not None
    assert answer(mailbox, at(MONDAY, 22)) is None
    assert answer(mailbox, at(MONDAY, 23), sender="ERIKA@kunde.example") is None
    assert answer(mailbox, at(MONDAY, 23), sender="max@kunde.example") is not None
    assert answer(mailbox, at(MONDAY + timedelta(days=1), 6)) is not None
    assert len(smtp_sink.wait_for(3)) == 3
    assert OutboundMail.objects.filter(is_automatic=True).count() == 3


@pytest.mark.parametrize("hour, minute", [(9, 0), (12, 0), (15, 59), (16, 0), (17, 59)])
def test_no_answer_in_core_hours_or_the_window(mailbox, smtp_sink, hour, minute):
    assert answer(mailbox, at(MONDAY, hour, minute)) is None
    assert not AfterHoursReply.objects.exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"headers": {"Auto-Submitted": "auto-replied"}},
        {"headers": {"Precedence": "bulk"}},
        {"headers": {"List-Id": "<kunden.lists.example>"}},
        {"headers": {"X-Autoreply": "yes"}},
        {"sender": "mailer-daemon@kunde.example"},
        {"sender": "no-reply@kunde.example"},
        {"sender": "support@example.test"},
    ],
    ids=["auto-submitted", "precedence-bulk", "list", "x-autoreply", "mailer-daemon", "no-reply", "ourselves"],
)
def test_never_to_automatic_mails(mailbox, smtp_sink, settings, kwargs):
    settings.SUPPORTDESK_MAIL_FROM = "support@example.test"
    assert answer(mailbox, at(MONDAY, 20), **kwargs) is None
    assert not AfterHoursReply.objects.exists()
    assert not OutboundMail.objects.exists()


def test_never_to_a_bounce(mailbox, smtp_sink):
    mail = incoming(mailbox, at(MONDAY, 20))
    answered = OutboundMail.objects.count()  # the intake answered this person already
    mail.from_address = "not-yet-answered@kunde.example"
    mail.is_bounce = True
    assert services.after_hours_acknowledge(inbound_mail=mail, now=at(MONDAY, 20)) is None
    mail.is_bounce, mail.is_automatic = False, True
    assert services.after_hours_acknowledge(inbound_mail=mail, now=at(MONDAY, 20)) is None
    assert OutboundMail.objects.count() == answered


def test_two_answers_to_each_other_stop_after_one(mailbox, smtp_sink):
    """Their auto-responder answers ours: it says Auto-Submitted, and the sender had today's answer anyway."""
    assert answer(mailbox, at(MONDAY, 20)) is not None
    assert answer(mailbox, at(MONDAY, 20, 1), headers={"Auto-Submitted": "auto-replied"}) is None
    assert AfterHoursReply.objects.count() == 1


def test_a_refusing_mail_server_leaves_no_trace(mailbox, smtp_sink):
    smtp_sink.refuse = True
    assert answer(mailbox, at(MONDAY, 20)) is None
    assert not AfterHoursReply.objects.exists()
    smtp_sink.refuse = False
    assert answer(mailbox, at(MONDAY, 20, 30)) is not None


@pytest.mark.parametrize(
    "subject, body, declared, expected",
    [
        ("Frage zur Rechnung", "Sehr geehrte Damen und Herren, bitte", "", "de"),
        ("Question", "Dear team, please help", "", "en"),
        ("Hi", "Grüße", "", "de"),
        ("Hallo", "x", "en-GB", "en"),
        ("Invoice", "please", "de", "de"),
        ("", "", "", "en"),
    ],
)
def test_mail_language(subject, body, declared, expected):
    assert mail_language(subject=subject, body=body, content_language=declared) == expected
