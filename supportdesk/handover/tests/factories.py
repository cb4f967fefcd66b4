"""Test helpers for the hand-over: the mailbox head, a published week, pinned moments."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from supportdesk.accounts.tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
"""ISO week 50 of 2026; no public holiday in it. Anna has phone duty on Monday, Bernd the standby."""
HOLIDAY = date(2026, 12, 25)
SATURDAY = date(2026, 12, 12)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=BERLIN)


def mailbox_head():
    return UserFactory(
        username="sabine", display_name="Sabine Neumann", email="sabine@example.test", is_mailbox_head=True
    )


def triage_mail(subject: str, *, now: datetime, sender: str = "Erika Mustermann <erika@kunde.example>"):
    """A customer's mail that lands in the triage inbox, through the real ingest."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from supportdesk.mailbox import services as mailbox_services
    from supportdesk.mailbox.models import Mailbox

    mailbox, _created = Mailbox.objects.get_or_create(
        name="support", defaults={"host": "127.0.0.1", "port": 143, "security": "plain"}
    )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="kunde.example")
    message.set_content("Hallo,\nbitte um Rückruf.\n")
    [mail] = mailbox_services.mails_ingest(mailbox=mailbox, items=[(None, message.as_bytes())], now=now)
    return mail
