"""Taking back what was just made: a ticket, an article or a contact that nothing uses yet.

For undo (the mailbox's triage undo): each function deletes only when nothing happened to the
row since it was made and no other row refers to it, in any app, apart from the ``referrers``
the caller names: rows of its own that merely point at it and let go of it (their reference is
set to null), such as the mail a ticket was made from. Otherwise it raises
:class:`~supportdesk.tickets.exceptions.StillInUse` and deletes nothing. A row that is gone
already is not an error: there is nothing left to take back.
"""

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable

from django.db import transaction
from django.db.models import ForeignObjectRel, Model
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.tickets.exceptions import StillInUse
from supportdesk.tickets.models import (
    Article,
    Contact,
    ContactEmail,
    ContactPhone,
    DigestItem,
    Ticket,
    TicketChange,
    TicketSearchDocument,
)
from supportdesk.tickets.search import search_documents_refresh

logger = logging.getLogger(__name__)

TICKET_PARTS: tuple[type[Model], ...] = (
    Article,
    TicketChange,
    TicketSearchDocument,
    DigestItem,
    Ticket.tags.through,
)
"""Rows that belong to a ticket and go with it. Its articles are checked on their own (only the
first may exist, and nothing may refer to it); a Prio 1 case is not a part: it cannot be taken back."""
CONTACT_PARTS: tuple[type[Model], ...] = (ContactPhone, ContactEmail)


def _referring(
    model: type[Model], pks: Collection[object], *, parts: Collection[type[Model]], referrers: Iterable[Model]
) -> list[str]:
    """The models (``app_label.Model``) with rows that refer to rows ``pks`` of ``model``, apart
    from its ``parts`` and the ``referrers`` themselves. Every relation counts, those without a
    reverse accessor (``related_name="+"``) and many-to-many tables too."""
    if not pks:
        return []
    excluded: defaultdict[type[Model], set[object]] = defaultdict(set)
    for row in referrers:
        excluded[row._meta.concrete_model or type(row)].add(row.pk)
    found: list[str] = []
    for relation in model._meta.get_fields(include_hidden=True):
        # Many-to-many relations show up as the foreign keys of their tables, which are listed too.
        if not isinstance(relation, ForeignObjectRel) or relation.many_to_many:
            continue
        related = relation.related_model
        if not isinstance(related, type) or related in parts:
            continue
        rows = related._base_manager.filter(**{f"{relation.field.name}__in": list(pks)})
        if rows.exclude(pk__in=excluded[related._meta.concrete_model or related]).exists():
            found.append(related._meta.label)
    return found


def _actor(actor: User | None) -> str:
    return actor.username if actor is not None else "the system"


@transaction.atomic
def ticket_delete_unused(*, ticket: Ticket, actor: User | None, referrers: Iterable[Model] = ()) -> None:
    """Delete a ticket that is still as ``ticket_create`` made it, with its first article and history.

    Refused (:class:`StillInUse`) when it was changed since (a higher version, a later article or
    note, a digest that listed it) or when any row besides its own parts and ``referrers`` refers
    to it or to its article: another mail, an outgoing mail, a Prio 1 case.
    """
    referrers = list(referrers)
    locked = Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
    if locked is None:
        return
    articles = list(Article.objects.filter(ticket=locked).values_list("pk", flat=True))
    if (
        locked.version != 1
        or locked.updated_at != locked.created_at
        or len(articles) > 1
        or DigestItem.objects.filter(ticket=locked, digested_at__isnull=False).exists()
    ):
        raise StillInUse(
            _("%(number)s was changed since it was created and is not deleted.") % {"number": locked.number}
        )
    found = _referring(Ticket, [locked.pk], parts=TICKET_PARTS, referrers=referrers)
    found = list(dict.fromkeys(found + _referring(Article, articles, parts=(), referrers=referrers)))
    if found:
        raise StillInUse(
            _("%(number)s is not deleted: other records refer to it.") % {"number": locked.number}, referrers=found
        )
    pk, number = locked.pk, locked.number
    locked.delete()
    search_documents_refresh(ticket_ids=[pk])  # SQLite's full-text row is not a foreign key: drop it here
    logger.info("ticket %s deleted by %s (unused)", number, _actor(actor))


@transaction.atomic
def article_delete_unused(*, article: Article, actor: User | None, referrers: Iterable[Model] = ()) -> None:
    """Delete an article (a note, a mail) from its ticket's timeline when no row besides
    ``referrers`` refers to it; its ticket's search document forgets its text."""
    referrers = list(referrers)
    # The ticket's row first, as ``article_add`` locks it: a note added meanwhile waits for us.
    Ticket.objects.select_for_update().filter(pk=article.ticket_id).first()
    locked = Article.objects.filter(pk=article.pk).first()
    if locked is None:
        return
    found = _referring(Article, [locked.pk], parts=(), referrers=referrers)
    if found:
        raise StillInUse(_("The article is not deleted: other records refer to it."), referrers=found)
    locked.delete()
    search_documents_refresh(ticket_ids=[locked.ticket_id])
    logger.info("article %s of ticket %s deleted by %s (unused)", article.pk, locked.ticket_id, _actor(actor))


@transaction.atomic
def contact_delete_unused(*, contact: Contact, actor: User | None, referrers: Iterable[Model] = ()) -> None:
    """Delete a contact with its numbers and addresses when no ticket and no other row besides
    ``referrers`` refers to it."""
    referrers = list(referrers)
    locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
    if locked is None:
        return
    found = _referring(Contact, [locked.pk], parts=CONTACT_PARTS, referrers=referrers)
    if found:
        raise StillInUse(
            _("The contact %(name)s is not deleted: tickets or other records refer to it.") % {"name": locked.name},
            referrers=found,
        )
    locked.delete()
    logger.info("contact %s deleted by %s (unused)", contact.pk, _actor(actor))
