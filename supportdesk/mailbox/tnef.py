"""TNEF (``winmail.dat``, ``application/ms-tnef``) from Outlook: the files and the body inside it.

Pure: bytes in, :class:`TnefContent` out, with ``tnefparse`` doing the format. Whatever goes
wrong in a damaged stream raises :class:`TnefError`, and the caller keeps ``winmail.dat`` as it
is: a broken TNEF part never costs the mail.

Whether the container is still needed after decoding is :attr:`TnefContent.complete`: a stream
whose every file and body came out is replaced by its contents (a ``winmail.dat`` opens nowhere
but in Outlook, and the raw mail keeps it anyway); one with parts we cannot turn into files
(an RTF-only body, an embedded Outlook message, a file without data) keeps it next to them.
"""

from __future__ import annotations

import logging
import mimetypes
import struct
from dataclasses import dataclass, field

from tnefparse import properties as mapi
from tnefparse.tnef import TNEF, TNEFAttachment

logger = logging.getLogger(__name__)

TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
SIGNATURE = struct.pack("<I", TNEF.TNEF_SIGNATURE)
FALLBACK_CODEPAGE = "cp1252"

# What tnefparse raises on damaged input: it indexes and unpacks without bounds checks,
# asserts on structures, and decodes names and strings strictly.
_DAMAGED = (
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    AssertionError,
    AttributeError,
    UnboundLocalError,
    struct.error,
    LookupError,
    OverflowError,
    RecursionError,
)


class TnefError(Exception):
    """The TNEF stream cannot be read; the message says why."""


@dataclass(frozen=True)
class TnefFile:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""


@dataclass(frozen=True)
class TnefContent:
    files: list[TnefFile] = field(default_factory=list)
    text: str = ""
    html: str = ""
    complete: bool = True
    """Everything inside became a file or a body: the ``winmail.dat`` itself is not needed."""


def is_tnef(*, content_type: str, filename: str) -> bool:
    return content_type.lower() in TNEF_TYPES or filename.strip().lower() == "winmail.dat"


def _text(value: str | bytes | None, codepage: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        raw = value
        try:
            value = raw.decode(codepage)
        except (UnicodeDecodeError, LookupError):
            value = raw.decode(FALLBACK_CODEPAGE, "replace")
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _attribute(attachment: TNEFAttachment, name: int) -> str | bytes | None:
    for attr in attachment.mapi_attrs:
        if attr.name == name:
            data = attr.data
            if isinstance(data, list):  # multi-valued: the first
                data = data[0] if data else None
            return data if isinstance(data, str | bytes) else None
    return None


def _filename(attachment: TNEFAttachment, codepage: str, index: int) -> str:
    # The long name (MAPI) is the one the person saw; the short 8.3 title is the fallback.
    for raw in (_attribute(attachment, mapi.MAPI_ATTACH_LONG_FILENAME), attachment._name):
        name = _text(raw, codepage).strip().replace("/", "_").replace("\\", "_").lstrip(".")
        if name:
            return name[:255]
    return f"attachment-{index}.bin"


def _content_type(attachment: TNEFAttachment, filename: str, codepage: str) -> str:
    declared = _text(_attribute(attachment, mapi.MAPI_ATTACH_MIME_TAG), codepage).strip().lower()
    if "/" in declared and " " not in declared:
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _count_attributes(data: bytes) -> int:
    """Walk the attribute framing (level, id, type, length, data, checksum) to its exact end;
    a stream cut short raises :class:`TnefError` (tnefparse would read it as a shorter one)."""
    offset, count = 6, 0
    while offset < len(data):
        if offset + 9 > len(data):
            raise TnefError(f"truncated: {len(data) - offset} stray bytes at the end")
        (length,) = struct.unpack_from("<I", data, offset + 5)
        end = offset + 9 + length + 2
        if end > len(data):
            raise TnefError(f"truncated: an attribute of {length} bytes ends beyond the stream")
        offset, count = end, count + 1
    return count


def decode(data: bytes) -> TnefContent:
    """The files and the body of a TNEF stream; raises :class:`TnefError` when it is damaged."""
    if not data.startswith(SIGNATURE):
        raise TnefError("no TNEF signature")
    expected = _count_attributes(data)
    try:
        parsed = TNEF(data, do_checksum=False)
        codepage = parsed.codepage or FALLBACK_CODEPAGE
        files: list[TnefFile] = []
        complete = True
        for index, attachment in enumerate(parsed.attachments, start=1):
            if getattr(attachment, "embed", None) is not None or not attachment.data:
                complete = False  # an embedded Outlook item or a reference without data: not a file
                continue
            filename = _filename(attachment, codepage, index)
            content_id = _text(_attribute(attachment, mapi.MAPI_ATTACH_CONTENT_ID), codepage).strip().strip("<>")
            files.append(
                TnefFile(
                    filename=filename,
                    content_type=_content_type(attachment, filename, codepage),
                    data=bytes(attachment.data),
                    content_id=content_id[:255],
                )
            )
        text = _text(parsed.body, codepage).strip("\n")
        html = _text(parsed.htmlbody, codepage)
        if parsed._rtfbody and not (text.strip() or html.strip()):
            complete = False  # the body is compressed RTF only: the container carries it
        if len(parsed.objects) < expected or not (files or text.strip() or html.strip()):
            complete = False  # tnefparse skipped an attribute (it drops a tiny last one), or nothing came out
    except _DAMAGED as exc:
        raise TnefError(f"{type(exc).__name__}: {exc}") from exc
    return TnefContent(files=files, text=text, html=html, complete=complete)
