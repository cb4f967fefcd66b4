"""A ticket's articles and history, worded for the reader (the stored rows keep codes and English labels)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from supportdesk.tickets.models import (
    Article,
    ArticleKind,
    Status,
    Ticket,
    TicketChange,
)
from supportdesk.tickets.ticket_page import ArticleMail, article_mails


def ticket_articles(*, ticket: Ticket) -> QuerySet:
    return ticket.articles.select_related("author").order_by("created_at", "id")


def ticket_history(*, ticket: Ticket) -> QuerySet[TicketChange]:
    return ticket.changes.select_related("changed_by").order_by("changed_at", "id")


HISTORY_FIELD_LABELS: dict[str, StrOrPromise] = {
    "subject": gettext_lazy("Subject"),
    "priority": gettext_lazy("Priority"),
    "status": gettext_lazy("Status"),
    "assignee_group": gettext_lazy("Group"),
    "assignee": gettext_lazy("Assignee"),
    "due_at": gettext_lazy("Due"),
    "customer": gettext_lazy("Customer"),
    "contact": gettext_lazy("Contact"),
    "project": gettext_lazy("Project"),
    "tags": gettext_lazy("Tags"),
}
"""The fields a history row names (``TicketChange.field``, a code) as people read them."""

HISTORY_TIME_FORMAT = "%Y-%m-%d %H:%M"
"""How ``ticket_update`` stores a due time in the history (local time of the team)."""


def ticket_change_field_label(field: str) -> str:
    """``priority`` → "Priorität" (in the active language); an unknown code stays as it is."""
    label = HISTORY_FIELD_LABELS.get(field)
    return str(label) if label is not None else field


def _status_label(value: str) -> str:
    """A stored status (the English label the history keeps, or the code) in the active language."""
    for status in Status:
        with translation.override(None):
            source_label = str(status.label)
        if value in (status.value, source_label):
            return str(status.label)
    return value


def _history_value(field: str, value: str) -> str:
    if not value:
        return "—"
    if field == "status":
        return _status_label(value)
    if field == "due_at":
        try:
            moment = datetime.strptime(value, HISTORY_TIME_FORMAT)  # noqa: DTZ007 - stored as the team's local time
        except ValueError:
            return value
        return date_format(moment, "SHORT_DATETIME_FORMAT")
    return value


@dataclass(frozen=True)
class HistoryEntry:
    """One history row as the ticket page shows it; the stored row keeps its codes (it is data)."""

    change: TicketChange
    text: str
    """E.g. "Ticket angelegt" or "Priorität: 3 → 1", in the active language."""


def ticket_change_text(change: TicketChange) -> str:
    """A history row as a sentence in the active language."""
    if change.field == "created":
        return _("Ticket created")
    return _("%(field)s: %(old)s → %(new)s") % {
        "field": ticket_change_field_label(change.field),
        "old": _history_value(change.field, change.old_value),
        "new": _history_value(change.field, change.new_value),
    }


@dataclass(frozen=True)
class TimelineEntry:
    """One article as the ticket page shows it."""

    article: Article
    text: str
    """The body; a status update's stored "New → Open" in the reader's language."""
    mail: ArticleMail | None = None
    """The mail the article came from or went out as, when it is one."""


def article_text(article: Article) -> str:
    """An article's body for the reader: status updates are stored with English labels (data)."""
    if article.kind != ArticleKind.STATUS_UPDATE:
        return article.body
    old, arrow, new = article.body.partition(" → ")
    if not arrow:
        return article.body
    return f"{_status_label(old)} → {_status_label(new)}"


def ticket_timeline(*, ticket: Ticket) -> list[TimelineEntry]:
    """The ticket's articles, oldest first, worded for the reader, each with its mail if it is one."""
    articles = list(ticket_articles(ticket=ticket))
    mails = article_mails(articles=articles)
    return [TimelineEntry(article=a, text=article_text(a), mail=mails.get(a.pk)) for a in articles]


def ticket_history_entries(*, ticket: Ticket) -> list[HistoryEntry]:
    """The ticket's history, oldest first, worded for the reader."""
    return [HistoryEntry(change=c, text=ticket_change_text(c)) for c in ticket_history(ticket=ticket)]


def ticket_changes_since(*, ticket: Ticket, version: int) -> list[TicketChange]:
    return list(ticket.changes.filter(version__gt=version).select_related("changed_by").order_by("version", "id"))
