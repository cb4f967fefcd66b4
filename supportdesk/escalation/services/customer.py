"""Mail to the customer in a Prio 1 case: the phone duty's status mails (R14) and the automatic answer."""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from supportdesk.accounts.models import User
from supportdesk.escalation.exceptions import InvalidEntry
from supportdesk.escalation.models import Escalation, EscalationEvent, EscalationStatus, EventDetail, EventKind
from supportdesk.escalation.services.case import open_escalation_lock
from supportdesk.escalation.services.timeline import event_add
from supportdesk.tickets.models import Ticket

logger = logging.getLogger(__name__)


# --- R14: status mails to the customer ---------------------------------------------------------


def status_mail_recipients(*, escalation: Escalation) -> list[str]:
    """Mail addresses of the ticket's contact and of every contact of its customer, deduplicated."""
    from supportdesk.tickets.models import ContactEmail

    ticket = escalation.case.ticket
    rows = ContactEmail.objects.none()
    if ticket.customer_id:
        rows = ContactEmail.objects.filter(contact__customer_id=ticket.customer_id)
    if ticket.contact_id:
        rows = rows | ContactEmail.objects.filter(contact_id=ticket.contact_id)
    return list(dict.fromkeys(a.lower() for a in rows.order_by("contact_id", "id").values_list("address", flat=True)))


@transaction.atomic
def escalation_status_mail_send(
    *, escalation: Escalation, actor: User, name: str, language: str, now: datetime | None = None
) -> EscalationEvent:
    """Send a templated status mail to the customer's contacts (R14), threaded into the ticket."""
    from string import Template

    from supportdesk.escalation.models import StatusMailTemplate
    from supportdesk.mailbox.models import InboundMail
    from supportdesk.mailbox.services.outbound import mail_send

    now = now or timezone.now()
    locked = open_escalation_lock(escalation)
    template = StatusMailTemplate.objects.filter(name=name, language=language).first()
    if template is None:
        raise InvalidEntry(
            gettext("There is no status mail “%(name)s” in language “%(language)s”.")
            % {"name": name, "language": language}
        )
    to = status_mail_recipients(escalation=locked)
    if not to:
        raise InvalidEntry(gettext("The customer has no contact with a mail address."))
    ticket = locked.case.ticket
    values = {
        "number": ticket.number,
        "subject": ticket.subject,
        "customer": ticket.customer.name if ticket.customer is not None else "",
        "sender": actor.name,
    }
    references = list(
        InboundMail.objects.filter(ticket=ticket)
        .exclude(message_id="")
        .order_by("received_at", "id")
        .values_list("message_id", flat=True)
    )
    outbound = mail_send(
        actor=actor,
        to=to,
        subject=Template(template.subject).safe_substitute(values),
        body=Template(template.body).safe_substitute(values),
        ticket=ticket,
        references=references,
        now=now,
    )
    return event_add(
        locked,
        EventKind.STATUS_MAIL,
        now,
        actor=actor,
        detail=EventDetail.STATUS_MAIL_SENT,
        params={"subject": outbound.subject, "to": to, "name": name, "language": language},
    )


# --- outside the windows, policy "nobody": the automatic answer --------------------------------

AUTO_ANSWER_SUBJECT = gettext_noop("Your Prio 1 report: {subject}")
AUTO_ANSWER_BODY = gettext_noop("""Hello,

we received your report "{subject}" ({number}) outside our support hours.
Nobody is on call for it right now: support resumes on {resumes}, and we will work on it first.

This is an automatic answer.
""")


def auto_answer_address(*, ticket: Ticket) -> str | None:
    """The first mail address of the ticket's contact."""
    if ticket.contact is None:
        return None
    return ticket.contact.emails.order_by("id").values_list("address", flat=True).first()


@transaction.atomic
def escalation_auto_answer_send(*, escalation_id: int, now: datetime | None = None) -> EscalationEvent | None:
    """Tell the customer when support resumes (policy "nobody"), once per case; recorded on the timeline."""
    from django.utils import translation
    from django.utils.formats import date_format

    from supportdesk.mailbox.exceptions import AutoAnswerRefused, MailCannotBeSent
    from supportdesk.mailbox.models import InboundMail
    from supportdesk.mailbox.services import mail_send
    from supportdesk.roster import business_hours
    from supportdesk.roster.selectors import support_calendar

    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket__contact")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or escalation.status != EscalationStatus.ACTIVE:
        return None
    if escalation.events.filter(kind=EventKind.AUTO_ANSWER).exists():
        return None
    ticket = escalation.case.ticket
    address = auto_answer_address(ticket=ticket)
    if address is None:
        return event_add(escalation, EventKind.AUTO_ANSWER, now, detail=EventDetail.AUTO_ANSWER_NO_ADDRESS)
    cal = support_calendar()
    resumes = business_hours.next_working_day_start(cal, now)
    mails = InboundMail.objects.filter(ticket=ticket).order_by("received_at", "id")
    references = list(mails.exclude(message_id="").values_list("message_id", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "subject": ticket.subject,
            "number": ticket.number,
            "resumes": date_format(resumes.astimezone(cal.tz), "DATETIME_FORMAT"),
        }
        subject = gettext(AUTO_ANSWER_SUBJECT).format(**values)
        body = gettext(AUTO_ANSWER_BODY).format(**values)
    try:
        # A savepoint: a refused mail must not roll the timeline entry back with it.
        with transaction.atomic():
            outbound = mail_send(
                actor=None,
                to=[address],
                subject=subject,
                body=body,
                ticket=ticket,
                inbound=mails.last(),
                references=references,
                automatic=True,
                now=now,
            )
    except AutoAnswerRefused as exc:
        logger.warning("escalation %s: automatic answer not sent: %s", escalation.pk, exc.message)
        return event_add(escalation, EventKind.AUTO_ANSWER, now, detail=EventDetail.AUTO_ANSWER_REFUSED)
    except MailCannotBeSent as exc:
        # The mailbox words its message in the language active here (the team's); it is shown as it came.
        logger.warning("escalation %s: automatic answer not sent: %s", escalation.pk, exc.message)
        return event_add(
            escalation,
            EventKind.AUTO_ANSWER,
            now,
            detail=EventDetail.AUTO_ANSWER_NOT_SENT,
            params={"error": exc.message},
        )
    logger.info("escalation %s: automatic answer to %s", escalation.pk, address)
    return event_add(
        escalation,
        EventKind.AUTO_ANSWER,
        now,
        detail=EventDetail.AUTO_ANSWER_SENT,
        params={"subject": outbound.subject, "to": [address], "resumes": resumes.isoformat()},
    )
