"""Five invented customers with project managers, projects and contacts, and the mails waiting for triage."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from supportdesk.accounts.models import User
from supportdesk.core.demo.people import office_phone
from supportdesk.mailbox import services as mail_services
from supportdesk.mailbox.models import Mailbox
from supportdesk.tickets import services as ticket_services
from supportdesk.tickets.models import Customer


@dataclass(frozen=True)
class DemoCustomer:
    code: str
    name: str
    project_manager: str
    project: str
    contact: str
    extension: int
    language: str = "de"
    """The language the contact writes in."""


CUSTOMERS = [
    DemoCustomer("stadtwerke-moosach", "Stadtwerke Moosach", "mbrandt", "Kundenportal", "Petra Lindner", 301),
    DemoCustomer("brauerei-hofmeier", "Brauerei Hofmeier KG", "lzimmermann", "Warenwirtschaft", "Uwe Hofmeier", 302),
    DemoCustomer("klinikum-isartal", "Klinikum Isartal", "pschaefer", "Terminbuchung", "Dr. Sandra Keller", 303),
    DemoCustomer("spedition-roth", "Spedition Roth GmbH", "jkrueger", "Tourenplanung", "Karl Roth", 304),
    DemoCustomer(
        "verlag-sonnenhang", "Verlag am Sonnenhang", "thartmann", "Abo-Verwaltung", "Ines Wagner", 305, language="en"
    ),
]


def customers_create(users: dict[str, User]) -> dict[str, Customer]:
    """Each customer with its project manager, a project and a contact (R12), by code."""
    customers = {}
    for demo in CUSTOMERS:
        customer = ticket_services.customer_create(
            code=demo.code, name=demo.name, project_manager=users[demo.project_manager]
        )
        ticket_services.project_create(customer=customer, name=demo.project, manager=users[demo.project_manager])
        last = demo.contact.rpartition(" ")[2]
        ticket_services.contact_create(
            name=demo.contact,
            customer=customer,
            phones=[office_phone(demo.extension - 100)],
            emails=[f"{last.lower()}@{demo.code}.example"],
        )
        customers[demo.code] = customer
    return customers


DEMO_MAILS = [
    (
        "Petra Lindner <lindner@stadtwerke-moosach.example>",
        "Rechnungsexport bricht ab",
        "Hallo Herr Brandt,\n\nder Export der Rechnungen bricht seit gestern bei 80 % ab.\n"
        "Können Sie sich das ansehen?\n\nViele Grüße\nPetra Lindner",
    ),
    (
        "Karl Roth <roth@spedition-roth.example>",
        "Frage zur Tourenplanung",
        "Guten Tag,\n\nwie können wir in der Tourenplanung Feiertage hinterlegen?\n\n"
        "Mit freundlichen Grüßen\nKarl Roth",
    ),
    (
        "Ines Wagner <wagner@verlag-sonnenhang.example>",
        "Subscription export",
        "Hi Tobias,\n\ncould you send me last month's subscription export again?\n\nThanks, Ines",
    ),
]


def mails_load(*, now: datetime) -> int:
    """A few mails in the triage inbox, received in the last hour, as if the support mailbox had them.

    Filed under an inactive mailbox without a server, so the IMAP listener leaves it alone.
    The intake commits in transactions of its own: call it outside any transaction.
    """
    mailbox, _created = Mailbox.objects.get_or_create(name="Demo", defaults={"active": False})
    items = []
    for number, (sender, subject, body) in enumerate(DEMO_MAILS, start=1):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "support@demo.example"
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(idstring=f"demo{number}", domain="demo.example")
        message["Date"] = format_datetime(now - timedelta(minutes=50 - 15 * number))
        message.set_content(body)
        items.append((None, message.as_bytes()))
    return len(mail_services.mails_ingest(mailbox=mailbox, items=items))
