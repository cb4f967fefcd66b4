"""Header values and header blocks as they are in the wild.

Header *values* are read from the raw source (``raw_items``) and decoded the
compat32 way (``email.header.decode_header`` + ``email.utils.getaddresses``):
that is several times faster than the policy's header objects, never raises
on broken headers, joins adjacent encoded words as RFC 2047 says
(``=?a?Q?B=C4KO?= =?b?q?Sch=F6n?=`` → ``BÄKOSchön``; the policy inserts a
space) and keeps comment-form names (``addr (Name)``). A header block with
junk before it or unindented continuation lines is repaired before parsing.
"""

from __future__ import annotations

import email.errors
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from supportdesk.mailbox.parsing.charset import decode_bytes

_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ANGLE_ID = re.compile(r"<([^<>]*)>")
_WS = re.compile(r"\s+")


def raw_to_str(value: str) -> str:
    """A raw header value; 8-bit bytes (kept as surrogates by the parser) decoded as UTF-8 or cp1252."""
    value = _FOLD.sub("", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    return value.replace("\x00", "")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; unknown charsets and broken words degrade, never raise."""
    if "=?" not in value:
        return value
    try:
        chunks = decode_header(value)
    except (email.errors.HeaderParseError, ValueError):
        return value
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset))
    return "".join(out)


def clean(value: str) -> str:
    """Runs of whitespace (folds, tabs, line breaks) become one space; trimmed."""
    return _WS.sub(" ", value).strip()


def addresses(values: Iterable[str]) -> list[tuple[str, str]]:
    """(name, lower-case address) pairs from raw address header values; unparseable ones are left out."""
    result = []
    for value in values:
        try:
            pairs = getaddresses([value], strict=False)
        except (ValueError, IndexError, TypeError):
            pairs = []
        for name, address in pairs:
            name, address = clean(decode_words(name)), clean(address)
            if "@" not in address and "@" in name:  # "Name (addr@x)" read the other way round
                name, address = address, name
            if not address:
                continue
            result.append((name.strip("\"'") if name[:1] == name[-1:] == '"' else name, address.lower()))
    return result


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID/In-Reply-To/References value, without angle brackets."""
    ids = [_WS.sub("", m) for m in _ANGLE_ID.findall(value)]
    if not ids:
        ids = [token.strip("<>") for token in value.split() if "@" in token]
    return [i for i in ids if i]


class Headers:
    """The raw header values of one message, unfolded and 8-bit-safe, by lower-case name."""

    def __init__(self, msg: Message) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.values.setdefault(name.strip().lower(), []).append(raw_to_str(str(value)))

    def first(self, name: str) -> str:
        values = self.values.get(name)
        return values[0].strip() if values else ""

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])


def part_header(part: Message, name: str) -> str:
    """One decoded header of a MIME part (``name`` in lower case); empty when missing."""
    for key, raw in part.raw_items():
        if key.lower() == name:
            return clean(decode_words(raw_to_str(str(raw))))
    return ""


def parse_date(value: str, defects: list[str]) -> datetime | None:
    """An aware datetime from a Date value (UTC when it names no zone); None when missing or unparseable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        defects.append(f"unparseable Date {value[:60]!r}")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def skip_leading_junk(raw: bytes, defects: list[str]) -> bytes:
    """Drop lines before the header block (``---- Original email message ----``, blank lines)."""
    stripped = raw.lstrip(b"\r\n\t ")
    if stripped is not raw and len(stripped) != len(raw):
        defects.append("leading blank lines removed")
    first = stripped.split(b"\n", 1)[0]
    if _HEADER_LINE.match(first) or first.startswith(b"From "):
        return stripped
    lines = stripped.split(b"\n")
    for index in range(1, min(len(lines) - 1, 20)):
        if _HEADER_LINE.match(lines[index]) and _HEADER_LINE.match(lines[index + 1]):
            defects.append(f"{index} line(s) before the header block skipped")
            return b"\n".join(lines[index:])
    return stripped


def repair_header_block(raw: bytes) -> bytes | None:
    """Treat stray lines inside the header block as continuations (unindented folding)."""
    match = re.search(rb"\r?\n\r?\n", raw)
    if match is None:
        return None
    lines = raw[: match.start()].split(b"\n")
    fixed = [
        line if index == 0 or line[:1] in (b" ", b"\t") or _HEADER_LINE.match(line) else b" " + line
        for index, line in enumerate(lines)
    ]
    return b"\n".join(fixed) + raw[match.start() :]
