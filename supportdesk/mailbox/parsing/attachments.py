"""Attachments: the files of a mail, with names made safe, uuencoded blocks taken out of text
bodies, and Outlook's ``winmail.dat`` (TNEF, via :mod:`supportdesk.mailbox.tnef`) unpacked.

Which MIME parts become attachments (and inline ``cid:`` parts) is decided by the MIME walk
in :mod:`supportdesk.mailbox.parsing.mime`.
"""

from __future__ import annotations

import binascii
import logging
import mimetypes
import re
from dataclasses import dataclass

from supportdesk.mailbox import tnef
from supportdesk.mailbox.parsing.headers import clean

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    """Without angle brackets; set for inline parts referenced as ``cid:``."""
    inline: bool = False


_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
    "text/calendar": ".ics",
    "application/ms-tnef": ".dat",
    "image/jpeg": ".jpg",
}
UU_ENCODINGS = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
"""Content-Transfer-Encoding values of uuencoded parts."""
_UU_BLOCK = re.compile(r"^begin(?:-base64)? [0-7]{3,4} ([^\r\n]+)\r?\n(.*?)^end[ \t]*$\r?\n?", re.M | re.S)


def extension(content_type: str) -> str:
    """A file name extension (with the dot) for a content type; ``.bin`` when none is known."""
    return _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"


def safe_filename(name: str) -> str:
    """A file name without path separators, leading dots or null bytes, at most 255 characters."""
    name = clean(name.replace("\x00", "")).replace("/", "_").replace("\\", "_")
    return name.lstrip(".")[:255]


def uu_decode(block: str) -> bytes:
    """The bytes of uuencoded lines (without the begin/end frame); broken lines are skipped."""
    out = bytearray()
    for line in block.splitlines():
        if not line or line == "`":
            continue
        raw = line.encode("latin-1", "replace")
        try:
            out += binascii.a2b_uu(raw)
        except binascii.Error:
            # Workaround for broken uuencoders (as in the stdlib's _decode_uu).
            nbytes = (((raw[0] - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(raw[:nbytes])
            except binascii.Error:
                continue
    return bytes(out)


def extract_uuencoded(text: str, attachments: list[Attachment]) -> str:
    """Move ``begin 644 name … end`` blocks out of a text body into attachments."""
    if "begin " not in text:
        return text

    def take(match: re.Match[str]) -> str:
        name = safe_filename(match.group(1)) or "attachment.bin"
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        attachments.append(Attachment(filename=name, content_type=content_type, data=uu_decode(match.group(2))))
        return ""

    return _UU_BLOCK.sub(take, text)


def unpack_tnef(attachments: list[Attachment], defects: list[str]) -> tuple[str, str]:
    """Replace each ``winmail.dat`` by the files inside it (keeping it too when not everything
    came out, or as it is when it is damaged); returns the first TNEF body (text, html)."""
    text = html_body = ""
    for attachment in list(attachments):
        if not tnef.is_tnef(content_type=attachment.content_type, filename=attachment.filename):
            continue
        try:
            content = tnef.decode(attachment.data)
        except tnef.TnefError as exc:
            defects.append(f"TNEF part {attachment.filename!r} not decoded, kept as it is: {exc}")
            logger.warning("TNEF part %r not decoded, kept as it is: %s", attachment.filename, exc)
            continue
        if not content.complete:
            defects.append(f"TNEF part {attachment.filename!r} kept: not everything in it could be extracted")
        files = [
            Attachment(filename=f.filename, content_type=f.content_type, data=f.data, content_id=f.content_id)
            for f in content.files
        ]
        at = attachments.index(attachment)
        attachments[at : at + 1] = ([] if content.complete else [attachment]) + files
        if not (text or html_body):
            text, html_body = content.text, content.html
    return text, html_body
