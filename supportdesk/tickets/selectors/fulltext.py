"""Full-text search of tickets: PostgreSQL (tsvector, ``search_document``) and SQLite (FTS5, bm25)."""

import re
from datetime import datetime

from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from supportdesk.accounts.models import User
from supportdesk.tickets import search
from supportdesk.tickets.models import (
    Ticket,
)
from supportdesk.tickets.selectors.tickets import TicketFilters, TicketPage, _filtered, _list_rows, _page_number

SEARCH_RESULTS = 50
SEARCH_CANDIDATES = 2000
"""PostgreSQL: hits in the articles alone are ranked among the newest this many of them."""
_EXCLUSION = re.compile(r"(?:^|\s)-\S")


def _search_ids_postgres(qs: QuerySet[Ticket], text: str, stop: int) -> list[tuple[int, float]]:
    """The first ``stop`` (id, rank) of the tickets in ``qs`` matching ``text``, best first.

    Hits in the small ``head`` vector (subject, names) first, by their rank there; then
    hits in the articles alone: the newest ``SEARCH_CANDIDATES`` of them (an index scan
    that stops early), ranked on the whole document. Ranking every document of a common
    word read each of them (two seconds at 100,000 tickets).
    """
    tsquery = search.postgres_query(text)
    if tsquery is None:
        return []
    heads = qs.filter(search_document__head=tsquery)
    if _EXCLUSION.search(text):  # "-word": the head holds no article text to rule a ticket out
        heads = heads.filter(search_document__document=tsquery)
    found = list(
        heads.annotate(rank=SearchRank(F("search_document__head"), tsquery))
        .order_by("-rank", "-id")
        .values_list("id", "rank")[:stop]
    )
    if len(found) < stop:
        candidates = (
            qs.filter(search_document__document=tsquery)
            .exclude(search_document__head=tsquery)
            .order_by("-id")
            .values("id")[:SEARCH_CANDIDATES]
        )
        found += list(
            Ticket.objects.filter(id__in=candidates)
            .annotate(rank=SearchRank(F("search_document__document"), tsquery))
            .order_by("-rank", "-id")
            .values_list("id", "rank")[: stop - len(found)]
        )
    return found


def _search_ids_sqlite(qs: QuerySet[Ticket], text: str, stop: int) -> list[tuple[int, float]]:
    expression = search.fts5_query(text)
    if not expression:
        return []
    # The FTS5 table joins through extra() (the ORM has no join to a table without a model); the
    # rank is an annotation, so that the ORM (and mypy's plugin) know it as a field of the rows.
    ranked = qs.extra(  # noqa: S610 - constant SQL; the query text is a bound parameter
        tables=[search.FTS_TABLE],
        where=[f"{search.FTS_TABLE}.rowid = tickets_ticket.id", f"{search.FTS_TABLE} MATCH %s"],
        params=[expression],
    ).annotate(rank=RawSQL(f"bm25({search.FTS_TABLE}, {search.FTS_WEIGHTS})", (), output_field=FloatField()))  # noqa: S611 - constant SQL
    return list(ranked.order_by("rank", "-id").values_list("id", "rank")[:stop])


def ticket_search_page(
    *,
    user: User,
    query: str,
    page: int = 1,
    per_page: int = SEARCH_RESULTS,
    filters: TicketFilters | None = None,
    now: datetime | None = None,
    rows: bool = True,
) -> TicketPage:
    """Page ``page`` of the tickets the user may see that match ``query``, best first.

    Subject hits rank above customer/contact name hits, which rank above article hits;
    ``filters`` narrow the result (their ``sort`` is ignored). Each ticket carries ``rank``.
    ``rows`` loads just what a list row shows (else whole tickets with their relations).
    """
    number = _page_number(page)
    offset = (number - 1) * per_page
    qs = _filtered(user=user, filters=filters or TicketFilters(), now=now)
    # ids first (the join order decides the ranking), then the rows of just this page
    qs_ids = qs.select_related(None).prefetch_related(None)
    find = _search_ids_postgres if connection.vendor == "postgresql" else _search_ids_sqlite
    found = find(qs_ids, query.strip(), offset + per_page + 1)[offset:]
    ranks = dict(found[:per_page])
    tickets = qs.filter(id__in=list(ranks)).order_by()
    by_id = {t.id: t for t in (_list_rows(tickets) if rows else tickets)}
    result = [by_id[i] for i in ranks if i in by_id]
    for ticket in result:
        ticket.rank = ranks[ticket.id]  # type: ignore[attr-defined]
    return TicketPage(tickets=result, number=number, has_next=len(found) > per_page)


def ticket_search(
    *,
    user: User,
    query: str,
    limit: int = SEARCH_RESULTS,
    filters: TicketFilters | None = None,
    now: datetime | None = None,
) -> list[Ticket]:
    """The first ``limit`` tickets of :func:`ticket_search_page`, whole (with their relations)."""
    return ticket_search_page(user=user, query=query, per_page=limit, filters=filters, now=now, rows=False).tickets
