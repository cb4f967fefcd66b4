"""Full-text search over ticket subjects, article texts and customer/contact names.

One document per ticket, rebuilt by :func:`search_documents_refresh`, which the
services that write tickets and articles call inside their own transaction.

PostgreSQL
    ``TicketSearchDocument.document`` is a ``tsvector`` made of
    ``to_tsvector('german', …) || to_tsvector('english', …)`` per part with
    weights A (subject), B (customer and contact names), D (articles), indexed
    with GIN; ``head`` holds the A and B parts alone, GIN-indexed as well. A
    query is ``websearch_to_tsquery`` in both configurations (quoted phrases,
    ``or``, ``-word`` work). Hits in ``head`` come first, ranked with
    ``ts_rank`` on ``head``; then hits in the articles alone, of which only the
    newest few thousand are ranked (``ts_rank`` on the whole document) so that
    a common word does not rank every ticket.
    German stemming finds "Drucker" for "Druckers"; a compound word is one
    lexeme ("Datenbankserver" finds "Datenbankserver", "Datenbank" or "Server"
    alone do not).

SQLite
    The FTS5 table ``tickets_ticket_fts`` (rowid = ticket id) with the
    ``unicode61 remove_diacritics 2`` tokenizer, ranked with ``bm25`` using the
    same relative weights. Every query word matches as a prefix, so a compound
    is found by its leading part ("Datenbank" finds "Datenbankserver", "Server"
    does not); there is no stemming ("Druckers" does not find "Drucker", but
    "Drucker" finds "Druckers").

Umlauts, both databases: matching is case-insensitive, and "Störung", "Stoerung"
and (on SQLite and PostgreSQL's German stemmer) "Storung" find each other; ß and
ss too. Only status-change articles ("New → Open") are left out of the document.
"""

import json
import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery
from django.db import DEFAULT_DB_ALIAS, connection, connections

ARTICLE_TEXT_LIMIT = 200_000
"""Characters of article text per ticket that are indexed (a tsvector may not exceed 1 MB)."""
FTS_TABLE = "tickets_ticket_fts"
FTS_WEIGHTS = "10.0, 4.0, 1.0"
"""bm25 column weights for subject, names, articles (bm25: lower is better)."""

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_UNFOLD = [("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("Ae", "Ä"), ("Oe", "Ö"), ("Ue", "Ü")]
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([\w]+)')


def fold(text: str) -> str:
    """Write umlauts and ß as two letters ("Störung" → "Stoerung")."""
    return text.translate(_FOLD)


def unfold(text: str) -> str:
    for plain, umlaut in _UNFOLD:
        text = text.replace(plain, umlaut)
    return text


def is_fts5() -> bool:
    return connection.vendor == "sqlite"


# --- the documents -------------------------------------------------------------

_PG_HEAD = """setweight(to_tsvector('german', t.subject), 'A') || setweight(to_tsvector('english', t.subject), 'A')
    || setweight(to_tsvector('german', n.names), 'B') || setweight(to_tsvector('english', n.names), 'B')"""
"""Subject (A) and names (B): the start of ``document`` and all of ``head``, at the same positions."""

_PG_NAMES = """LEFT JOIN tickets_customer c ON c.id = t.customer_id
LEFT JOIN tickets_contact p ON p.id = t.contact_id
CROSS JOIN LATERAL (SELECT coalesce(c.name, '') || ' ' || coalesce(p.name, '') AS names) n"""

_PG_REFRESH = f"""
INSERT INTO tickets_ticketsearchdocument (ticket_id, head, document)
SELECT t.id, h.head,
       h.head || setweight(to_tsvector('german', a.body), 'D') || setweight(to_tsvector('english', a.body), 'D')
FROM tickets_ticket t
{_PG_NAMES}
CROSS JOIN LATERAL (SELECT {_PG_HEAD} AS head) h
CROSS JOIN LATERAL (
    SELECT left(coalesce(string_agg(x.body, E'\\n' ORDER BY x.created_at, x.id), ''), {ARTICLE_TEXT_LIMIT}) AS body
    FROM tickets_article x WHERE x.ticket_id = t.id AND x.kind <> 'status_update'
) a
WHERE t.id = ANY(%s)
ON CONFLICT (ticket_id) DO UPDATE SET head = EXCLUDED.head, document = EXCLUDED.document
"""  # noqa: S608 - built from module constants; ids are a bound parameter

PG_HEAD_FILL = f"""
UPDATE tickets_ticketsearchdocument d SET head = {_PG_HEAD}
FROM tickets_ticket t
{_PG_NAMES}
WHERE t.id = d.ticket_id
"""  # noqa: S608 - built from module constants
"""Fills ``head`` of existing documents from the tickets alone (migration 0005; no article is read)."""


def _sql_fold(expr: str) -> str:
    """``expr`` with umlauts written as two letters, in SQLite's SQL (its lower() knows ASCII only)."""
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        expr = f"replace({expr}, '{umlaut}', '{plain}')"
    return expr


_FTS_REFRESH = f"""
INSERT INTO {FTS_TABLE} (rowid, subject, names, body)
SELECT t.id,
       {_sql_fold("t.subject")},
       {_sql_fold("coalesce(c.name, '') || ' ' || coalesce(p.name, '')")},
       {
    _sql_fold(
        "substr(coalesce((SELECT group_concat(x.body, char(10)) FROM tickets_article x "
        f"WHERE x.ticket_id = t.id AND x.kind <> 'status_update'), ''), 1, {ARTICLE_TEXT_LIMIT})"
    )
}
FROM tickets_ticket t
LEFT JOIN tickets_customer c ON c.id = t.customer_id
LEFT JOIN tickets_contact p ON p.id = t.contact_id
WHERE t.id IN (SELECT value FROM json_each(%s))
"""  # noqa: S608 - built from module constants; ids are a bound parameter


def search_documents_refresh(*, ticket_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Rebuild the search documents of these tickets from what the current transaction sees."""
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        return
    conn = connections[using]
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(
                "DELETE FROM tickets_ticket_fts WHERE rowid IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]
            )
            cursor.execute(_FTS_REFRESH, [json.dumps(ids)])
        elif conn.vendor == "postgresql":
            cursor.execute(_PG_REFRESH, [ids])


def search_documents_rebuild(*, using: str = DEFAULT_DB_ALIAS, batch: int = 2000) -> int:
    """Rebuild every document (after a bulk import or in the migration); returns the number of tickets."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT id FROM tickets_ticket ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(ids), batch):
        search_documents_refresh(ticket_ids=ids[start : start + batch], using=using)
    return len(ids)


# --- queries -------------------------------------------------------------------


def postgres_query(text: str) -> SearchQuery | None:
    """``websearch_to_tsquery`` in German and English, plus the other umlaut spelling in German."""
    text = text.strip()
    if not text:
        return None
    query = SearchQuery(text, search_type="websearch", config="german") | SearchQuery(
        text, search_type="websearch", config="english"
    )
    for variant in {fold(text), unfold(text)} - {text}:
        query |= SearchQuery(variant, search_type="websearch", config="german")
    return query


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression: each word a prefix, quoted phrases kept, ``-word`` excluded, all required.

    Every term is quoted, so no user input is read as FTS5 syntax.
    """
    positive: list[str] = []
    negative: list[str] = []
    for neg_phrase, phrase, neg_word, word in _TOKEN.findall(fold(text)):
        if phrase:
            words = re.findall(r"\w+", phrase)
            if words:
                (negative if neg_phrase else positive).append('"' + " ".join(words) + '"')
        elif word and word.lower() not in ("or", "and"):
            (negative if neg_word else positive).append(f'"{word}"*')
    if not positive:
        return ""
    return " AND ".join(positive) + "".join(f" NOT {term}" for term in negative)
