"""The MIME walk: which parts of a parsed message are the text body, the HTML body and the
attachments (inline ``cid:`` parts included), and what a bounce reports on.

The tree comes from ``email.message_from_bytes(..., policy=policy.default)``, whose message
factory makes every part an :class:`~email.message.EmailMessage`. Content-Type and
Content-Disposition are read once per part, through a compat32 shim (:func:`read_mime`).
"""

from __future__ import annotations

import binascii
import email.errors
import re
from dataclasses import dataclass, field
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from io import BytesIO

from supportdesk.mailbox.parsing.attachments import (
    UU_ENCODINGS,
    Attachment,
    extension,
    extract_uuencoded,
    safe_filename,
    uu_decode,
)
from supportdesk.mailbox.parsing.charset import decode_bytes
from supportdesk.mailbox.parsing.headers import Headers, clean, decode_words, message_ids, part_header, raw_to_str


@dataclass(frozen=True)
class Mime:
    """Content-Type/-Disposition of one part, read once (policy.default re-parses them on every access)."""

    ctype: str
    disposition: str | None
    filename: str
    charset: str | None
    report_type: str


def read_mime(part: Message, defects: list[str]) -> Mime:
    """The content type, disposition, safe file name, charset and report type of one part."""
    shim = Message(policy=policy.compat32)  # compat32 parameter parsing: RFC 2231 included, fast
    shim.set_default_type(part.get_default_type())
    for key, value in part.raw_items():
        if key.lower() in ("content-type", "content-disposition"):
            shim[key] = raw_to_str(str(value))
    try:
        name = shim.get_filename() or ""
        charset = shim.get_content_charset()
        report_type = str(shim.get_param("report-type") or "").lower()
    except (email.errors.MessageError, ValueError, TypeError, IndexError, LookupError, UnicodeError) as exc:
        defects.append(f"unreadable MIME parameters ({type(exc).__name__})")
        name, charset, report_type = "", None, ""
    if "=?" in name:
        name = decode_words(name)
    return Mime(shim.get_content_type(), shim.get_content_disposition(), safe_filename(name), charset, report_type)


_GENERATOR_POLICY = policy.default.clone(refold_source="none", max_line_length=0, linesep="\r\n")


def _serialize(msg: EmailMessage) -> bytes:
    out = BytesIO()
    try:
        BytesGenerator(out, mangle_from_=False, policy=_GENERATOR_POLICY).flatten(msg)
    except (email.errors.MessageError, ValueError, TypeError, LookupError, UnicodeError, AttributeError):
        return b""
    return out.getvalue()


def _subparts(part: EmailMessage) -> list[EmailMessage]:
    """The parts of a multipart or message/* part (the stubs type them as ``Message | str``)."""
    payload = part.get_payload()
    return [sub for sub in payload if isinstance(sub, EmailMessage)] if isinstance(payload, list) else []


def _part_body(part: EmailMessage) -> bytes:
    """The decoded body of a leaf part, or the serialised content of a message/* part."""
    if part.is_multipart():
        data = _serialize(part)
        _head, sep, body = data.partition(b"\r\n\r\n")
        return body if sep else b""
    try:
        decoded = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, binascii.Error):
        decoded = None
    if not isinstance(decoded, bytes):  # None: a leaf part's decoded payload is bytes or nothing
        payload = part.get_payload()
        return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    if part_header(part, "content-transfer-encoding").lower() in UU_ENCODINGS and not decoded.startswith(b"begin"):
        # uuencoded lines without the begin/end frame: the stdlib hands them back undecoded.
        payload = part.get_payload()
        if isinstance(payload, str) and not re.search(r"^begin ", payload, re.M):
            return uu_decode(payload)
    return decoded


@dataclass
class Collector:
    """Walks a message's MIME tree once, collecting text bodies, HTML bodies and attachments."""

    defects: list[str]
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    bounced_message_id: str = ""

    def walk(self, part: EmailMessage) -> None:
        mime = read_mime(part, self.defects)
        ctype = mime.ctype
        if ctype.startswith("message/"):
            # message/rfc822, delivery-status, …: the parser sees sub-messages, we keep the whole part.
            self.attachment(part, mime)
            return
        if part.is_multipart():
            subparts = _subparts(part)
            if ctype == "multipart/alternative":
                self.alternative(subparts)
            else:
                for sub in subparts:
                    self.walk(sub)
            return
        if ctype.startswith("multipart/"):
            # No (or a broken) boundary: the parser left the body as one string. Keep it as text.
            self.defects.append(f"{ctype} without usable boundary; body read as text")
            self.body_text(part, "text/plain", mime.charset)
            return
        if ctype in ("text/plain", "text/html") and mime.disposition != "attachment" and not mime.filename:
            self.body_text(part, ctype, mime.charset)
            return
        self.attachment(part, mime)

    def alternative(self, subparts: list[EmailMessage]) -> None:
        mimes = [(p, read_mime(p, self.defects)) for p in subparts]
        plain = [(p, m) for p, m in mimes if m.ctype == "text/plain" and not m.filename and not p.is_multipart()]
        for p, m in plain[:1]:
            self.body_text(p, "text/plain", m.charset)
        for p, m in plain[1:]:
            self.attachment(p, m)
        for p, m in mimes:
            if any(p is q for q, _m in plain) or (m.ctype in ("text/enriched", "text/richtext") and plain):
                continue  # the text itself, or a third rendering of it
            self.walk(p)

    def body_text(self, part: EmailMessage, ctype: str, charset: str | None) -> None:
        where = f" in {ctype} part"
        text = decode_bytes(_part_body(part), charset, self.defects, where)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text:
            self.defects.append(f"null bytes removed{where}")
            text = text.replace("\x00", "")
        if ctype == "text/html":
            self.htmls.append(text)
        else:
            self.texts.append(extract_uuencoded(text, self.attachments))

    def attachment(self, part: EmailMessage, mime: Mime) -> None:
        ctype, disposition, filename = mime.ctype, mime.disposition, mime.filename
        data = _part_body(part)
        inner_parts = _subparts(part) if ctype == "message/rfc822" else []
        if inner_parts:
            inner = Headers(inner_parts[0])
            if not self.bounced_message_id:
                self.bounced_message_id = next(iter(message_ids(inner.first("message-id"))), "")
            if not filename:
                subject = clean(decode_words(inner.first("subject")))
                filename = safe_filename(subject + ".eml") if subject else ""
        elif ctype == "text/rfc822-headers" and not self.bounced_message_id:
            match = re.search(r"^message-id:\s*(.*(?:\r?\n[ \t].*)*)", data.decode("latin-1"), re.I | re.M)
            if match:
                self.bounced_message_id = next(iter(message_ids(match.group(1))), "")
        if not filename:
            description = part_header(part, "content-description")
            filename = safe_filename(description + extension(ctype)) if description else ""
        if not filename:
            filename = "attachment" + extension(ctype)
        content_id = next(iter(message_ids(part_header(part, "content-id"))), "")
        if not content_id:
            content_id = part_header(part, "content-id").strip("<>")
        self.attachments.append(
            Attachment(
                filename=filename,
                content_type=ctype,
                data=data,
                content_id=content_id,
                inline=disposition == "inline" or (disposition is None and bool(content_id)),
            )
        )
