"""Reads of the mailbox app."""

from django.db.models import QuerySet

from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox


def mailbox_get(*, pk: int) -> Mailbox:
    return Mailbox.objects.get(pk=pk)


def mailbox_list_active() -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(active=True).exclude(host="").order_by("id")


def inbound_mail_list(*, state: str | None = None, mailbox: Mailbox | None = None) -> QuerySet[InboundMail]:
    """Received mails, newest first, without their raw bytes (the triage and quarantine lists)."""
    qs = InboundMail.objects.defer("raw").select_related("mailbox", "ticket")
    if state is not None:
        qs = qs.filter(state=state)
    if mailbox is not None:
        qs = qs.filter(mailbox=mailbox)
    return qs.order_by("-received_at", "-id")


def inbound_mail_triage_list() -> QuerySet[InboundMail]:
    return inbound_mail_list(state=InboundState.TRIAGE)


def inbound_mail_by_message_id(*, message_id: str) -> list[InboundMail]:
    return list(inbound_mail_list().filter(message_id=message_id))
