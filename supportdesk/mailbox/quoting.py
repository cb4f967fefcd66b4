"""Quoted history, signatures and subject prefixes, for display and threading.

Pure text functions; the original mail stays complete elsewhere, so these may
be generous in what they collapse. Forwarded messages ("-------- Forwarded
Message --------", "Weitergeleitete Nachricht") are *not* treated as quotes:
a forward is usually the content of the ticket.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{0,300}\bwrote\s*:"  # On Tue, 3 Mar 2026 at 10:15, Anna <a@x> wrote:
    r"|Am\b.{0,300}\bschrieb\b.{0,300}:"  # Am 03.03.2026 um 10:15 schrieb Anna <a@x>:
    r"|Le\b.{0,300}\ba écrit\s*:"
    r"|Op\b.{0,300}\bschreef\b.{0,300}:"
    r")\s*$",
    re.I,
)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Originalnachricht|Original-Nachricht)\s*-{2,}\s*$",
    re.I,
)
_OUTLOOK_LINE = re.compile(r"^\s*_{10,}\s*$")  # Outlook draws a line above its header block
_HEADER_FROM = re.compile(r"^\s*\*?(?:Von|From)\s*:\*?\s*\S", re.I)
_HEADER_FIELD = re.compile(r"^\s*\*?(Gesendet|Sent|Datum|Date|An|To|Betreff|Subject|Cc)\s*:", re.I)
_SIGNATURE = re.compile(r"^-- ?$")
_QUOTE = re.compile(r"^\s*>")


def _is_outlook_header(lines: list[str], index: int) -> bool:
    """``Von: … / Gesendet: … / An: … / Betreff: …`` (or English) starting at ``index``."""
    if not _HEADER_FROM.match(lines[index]):
        return False
    fields = set()
    for line in lines[index + 1 : index + 8]:
        match = _HEADER_FIELD.match(line)
        if match:
            fields.add(match.group(1).lower())
    has_date = bool(fields & {"gesendet", "sent", "datum", "date"})
    has_other = bool(fields & {"an", "to", "betreff", "subject"})
    return has_date and has_other


def _marker_at(lines: list[str], index: int) -> int | None:
    """Where the quoted part starts if a history marker begins at ``index`` (may be earlier)."""
    line = lines[index]
    if _SEPARATOR.match(line) or _SIGNATURE.match(line):
        return index
    if _ATTRIBUTION.match(line):
        return index
    # An attribution wrapped over two lines ("On …, Anna <anna@\nexample.com> wrote:").
    if index + 1 < len(lines) and _ATTRIBUTION.match(line + " " + lines[index + 1]):
        return index
    if _is_outlook_header(lines, index):
        start = index
        while start > 0 and (not lines[start - 1].strip() or _OUTLOOK_LINE.match(lines[start - 1])):
            if _OUTLOOK_LINE.match(lines[start - 1]):
                return start - 1
            start -= 1
        return index
    return None


def split_quoted(text: str) -> tuple[str, str]:
    """``(visible, quoted)``: the new part of a reply, and the history/signature below it.

    History starts at the first attribution line ("On … wrote:", "Am … schrieb …:"),
    Outlook separator or header block, or signature line ("-- "). A trailing block of
    ``>`` lines also counts; ``>`` quotes with the author's answers between them
    (interleaved replies) stay visible.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = len(lines)
    for index in range(len(lines)):
        found = _marker_at(lines, index)
        if found is not None:
            start = found
            break
    # A trailing run of ">" lines (blank lines allowed) before the marker, if nothing new follows it.
    index = start
    while index > 0 and (not lines[index - 1].strip() or _QUOTE.match(lines[index - 1])):
        index -= 1
    if any(_QUOTE.match(line) for line in lines[index:start]):
        start = index
        # Its attribution line ("Anna wrote:") without the full "On … wrote:" form.
        if start > 0 and lines[start - 1].rstrip().endswith((" wrote:", " schrieb:", "schrieb:")):
            start -= 1
    visible = "\n".join(lines[:start]).rstrip()
    quoted = "\n".join(lines[start:]).strip("\n")
    return visible, quoted


_PREFIX = re.compile(
    r"^\s*(?:re|aw|antw|antwort|wg|fw|fwd|wtr|tr|sv|vs|rv)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.I,
)
_TAG = re.compile(r"^\s*(\[[^\[\]]*\])\s*")
_TICKET_NUMBER = re.compile(r"(?<![A-Za-z0-9])SD-(\d{4})-(\d{5,})(?!\d)", re.I)


def normalize_subject(subject: str) -> str:
    """The subject without leading reply/forward prefixes (Re:, AW:, WG:, Fwd:, SV: …),
    however often repeated and wherever they sit among leading ``[tags]``; tags are kept.

    >>> normalize_subject("AW: [SD-2026-00042] WG: Drucker")
    '[SD-2026-00042] Drucker'
    """
    rest = " ".join(subject.split())
    tags = []
    while True:
        prefix = _PREFIX.match(rest)
        if prefix:
            rest = rest[prefix.end() :]
            continue
        tag = _TAG.match(rest)
        if tag and rest[tag.end() :].strip():
            tags.append(tag.group(1))
            rest = rest[tag.end() :]
            continue
        break
    return " ".join([*tags, rest]).strip()


def extract_ticket_number(subject: str) -> str | None:
    """The first ticket number (``SD-2026-00042``) in ``subject``, upper-case; None if there is none."""
    match = _TICKET_NUMBER.search(subject or "")
    return f"SD-{match.group(1)}-{match.group(2)}" if match else None
