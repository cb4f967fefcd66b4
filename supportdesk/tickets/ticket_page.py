"""Reads of the ticket page beyond the ticket's own rows: the mails behind its mail articles and
its Prio 1 cases.

The mailbox keeps every mail as it came (raw bytes, attachments) and every mail we sent. The
page shows what the mail had: its text with the quoted history and signature apart
(``mailbox.quoting``), its HTML sanitised by the mailbox (``mailbox.parsing.sanitize_html``)
with ``cid:`` images pointing at :func:`mail_image_get`'s page, its inline images, and its
attachments (downloaded through the mailbox's attachment page, for signed-in staff only).
The Prio 1 panel reads the escalation of each case and its timeline as the case page words it
(``escalation.selectors.escalation_timeline_entries``).
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from supportdesk.escalation.models import Escalation
from supportdesk.escalation.selectors import TimelineEntry as CaseTimelineEntry
from supportdesk.escalation.selectors import escalation_timeline_entries
from supportdesk.mailbox import parsing
from supportdesk.mailbox.attachments import (
    MailImage,
    is_inline_image,
    is_listed_attachment,
)
from supportdesk.mailbox.models import InboundAttachment, InboundMail, OutboundMail, OutboundStatus
from supportdesk.mailbox.quoting import split_quoted
from supportdesk.tickets.exceptions import AttachmentNotFound
from supportdesk.tickets.models import Article, Prio1Case, Ticket

logger = logging.getLogger(__name__)

_PARSE_ERRORS = (parsing.Unreadable, ValueError, LookupError, UnicodeError)
"""What reading a stored mail may raise; the page then shows the article's stored text."""


@dataclass(frozen=True)
class SentFile:
    """A part of a mail we sent (the forwarded original): named, not stored apart, so not downloadable."""

    filename: str
    size: int


@dataclass(frozen=True)
class ArticleMail:
    """The mail an article came from (``inbound``) or went out as (``outbound``), as the page shows it."""

    inbound: InboundMail | None
    outbound: OutboundMail | None
    sender: str
    to: list[str]
    cc: list[str]
    subject: str
    sent_at: datetime | None
    visible: str
    """The new part of the text."""
    quoted: str
    """The quoted history and signature below it (collapsed on the page); or ""."""
    html: SafeString
    """Sanitised by the mailbox; "" when the mail had no HTML."""
    attachments: list[InboundAttachment] = field(default_factory=list)
    """Downloadable (without their data)."""
    images: list[MailImage] = field(default_factory=list)
    sent_files: list[SentFile] = field(default_factory=list)

    @property
    def is_outbound(self) -> bool:
        return self.outbound is not None

    @property
    def not_sent(self) -> bool:
        """A mail of ours that has not left (yet): queued, cancelled by an undo, or failed."""
        return self.outbound is not None and self.outbound.status != OutboundStatus.SENT


def _address(name: str, address: str) -> str:
    return f"{name} <{address}>" if name and address else name or address


def _parse(raw: bytes, what: str) -> parsing.ParsedMail | None:
    try:
        return parsing.parse(raw)
    except _PARSE_ERRORS:
        logger.warning("%s cannot be read for the ticket page", what, exc_info=True)
        return None


def _inbound_view(mail: InboundMail, article: Article, attachments: Sequence[InboundAttachment]) -> ArticleMail:
    parsed = _parse(bytes(mail.raw), f"inbound mail {mail.pk}")
    number = article.ticket.number
    images = [
        MailImage(attachment=a, url=reverse("tickets:mail_image", args=[number, a.pk]))
        for a in attachments
        if is_inline_image(a)
    ]
    html = SafeString()
    if parsed is not None and parsed.html:
        cid_map = {i.attachment.content_id: i.url for i in images if i.attachment.content_id}
        # sanitize_html returns markup that is safe to embed (an allow-list; no scripts, no remote content)
        html = mark_safe(parsing.sanitize_html(parsed.html, cid_map))  # noqa: S308
    visible, quoted = split_quoted(article.body)
    return ArticleMail(
        inbound=mail,
        outbound=None,
        sender=_address(mail.from_name, mail.from_address),
        to=[_address(n, a) for n, a in parsed.to] if parsed else [],
        cc=[_address(n, a) for n, a in parsed.cc] if parsed else [],
        subject=mail.subject,
        sent_at=mail.sent_at or mail.received_at,
        visible=visible,
        quoted=quoted,
        html=html,
        attachments=[a for a in attachments if is_listed_attachment(a)],
        images=images,
    )


def _outbound_view(mail: OutboundMail, article: Article) -> ArticleMail:
    parsed = _parse(bytes(mail.raw), f"outbound mail {mail.pk}")
    # the article keeps the recipients and subject as lines above the text; the mail itself has the text alone
    visible, quoted = split_quoted(parsed.text if parsed is not None else article.body)
    return ArticleMail(
        inbound=None,
        outbound=mail,
        sender=mail.sent_by.name if mail.sent_by is not None else "",
        to=mail.to.split(),
        cc=mail.cc.split(),
        subject=mail.subject,
        sent_at=mail.sent_at,
        visible=visible,
        quoted=quoted,
        html=SafeString(),  # we send plain text
        sent_files=[SentFile(filename=a.filename, size=len(a.data)) for a in parsed.attachments] if parsed else [],
    )


def article_mails(*, articles: Iterable[Article]) -> dict[int, ArticleMail]:
    """The mail behind each of ``articles`` that has one, by article id; three queries however many."""
    by_id = {a.pk: a for a in articles}
    if not by_id:
        return {}
    inbound: dict[int, InboundMail] = {}
    for mail in InboundMail.objects.filter(article_id__in=list(by_id)).order_by("id"):
        inbound.setdefault(mail.article_id, mail)  # type: ignore[arg-type]
    attachments: dict[int, list[InboundAttachment]] = {}
    if inbound:
        mail_ids = [m.pk for m in inbound.values()]
        for attachment in InboundAttachment.objects.filter(mail_id__in=mail_ids).defer("data").order_by("id"):
            attachments.setdefault(attachment.mail_id, []).append(attachment)
    outbound: dict[int, OutboundMail] = {}
    for sent in OutboundMail.objects.filter(article_id__in=list(by_id)).select_related("sent_by").order_by("id"):
        outbound.setdefault(sent.article_id, sent)  # type: ignore[arg-type]
    result: dict[int, ArticleMail] = {}
    for article_id, article in by_id.items():
        if article_id in inbound:
            mail = inbound[article_id]
            result[article_id] = _inbound_view(mail, article, attachments.get(mail.pk, []))
        elif article_id in outbound:
            result[article_id] = _outbound_view(outbound[article_id], article)
    return result


def mail_image_get(*, ticket: Ticket, attachment_id: int) -> InboundAttachment:
    """An inline image of a mail filed in ``ticket`` (with its data); never a part of another ticket's mail."""
    found = InboundAttachment.objects.filter(pk=attachment_id, mail__article__ticket=ticket).first()
    if found is None or not is_inline_image(found):
        raise AttachmentNotFound(_("No image %(id)s in this ticket's mails.") % {"id": attachment_id})
    return found


# --- Prio 1 cases ---------------------------------------------------------------------------------------


def duration_text(delta: timedelta) -> str:
    """``4 minutes``, ``1 h 05 min``; "less than a minute" below one."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return _("less than a minute")
    if minutes < 60:
        return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}
    return _("%(hours)s h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


@dataclass(frozen=True)
class Prio1Panel:
    """A Prio 1 case of the ticket: from the start to the acknowledgement to the resolution."""

    case: Prio1Case
    escalation: Escalation | None
    """None for a case without an escalation row (made before the chain existed)."""
    status: str
    """A code for the style: ``active``, ``acknowledged`` or ``resolved``."""
    status_label: str
    opened_at: datetime
    time_to_acknowledge: str
    """"4 minutes" from the start to the acknowledgement; "" while unacknowledged."""
    time_to_resolve: str
    entries: list[CaseTimelineEntry]


def _panel(case: Prio1Case) -> Prio1Panel:
    try:
        escalation: Escalation | None = case.escalation  # type: ignore[attr-defined]
    except Escalation.DoesNotExist:
        escalation = None
    if escalation is None:
        status = "active" if case.status == "open" else case.status
        return Prio1Panel(
            case=case,
            escalation=None,
            status=status,
            status_label=case.get_status_display(),
            opened_at=case.opened_at,
            time_to_acknowledge="",
            time_to_resolve="",
            entries=[],
        )
    start = escalation.started_at
    return Prio1Panel(
        case=case,
        escalation=escalation,
        status=escalation.status,
        status_label=escalation.get_status_display(),
        opened_at=start,
        time_to_acknowledge=duration_text(escalation.acknowledged_at - start) if escalation.acknowledged_at else "",
        time_to_resolve=duration_text(escalation.resolved_at - start) if escalation.resolved_at else "",
        entries=escalation_timeline_entries(escalation=escalation),
    )


def ticket_prio1_panels(*, ticket: Ticket) -> list[Prio1Panel]:
    """The ticket's Prio 1 cases, newest first, each with its escalation and worded timeline."""
    cases = (
        Prio1Case.objects.filter(ticket=ticket)
        .select_related("opened_by", "escalation__acknowledged_by", "escalation__resolved_by")
        .order_by("-opened_at", "-id")
    )
    return [_panel(case) for case in cases]
