"""Writes of the mailbox app: mailbox set-up and the ingest of raw mails (exactly once each).

``mails_ingest`` is the one entry point for mail, whichever way it came (IMAP or an
import): a batch is parsed, deduplicated, decided and stored in one transaction.
Only after that commit may the caller remove the mails from their source.
"""

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.errors import MessageError
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from supportdesk.mailbox import conf, parsing
from supportdesk.mailbox.exceptions import MailboxConfigError
from supportdesk.mailbox.models import InboundAttachment, InboundMail, InboundState, Mailbox, OutboundMail
from supportdesk.mailbox.parsepool import ParseJob
from supportdesk.mailbox.services.decide import Batch, IntakeMode, decide, prefetch

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
"""Mails per ingest transaction (IMAP fetch and import)."""
MAX_KEY_LENGTH = 250
"""A longer Message-ID is not used as dedupe key (the column holds 300)."""

_ANGLE_ID = re.compile(rb"<([^<>\s]+)>")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


# --- mailboxes ---------------------------------------------------------------------


@transaction.atomic
def mailbox_configure_from_settings() -> Mailbox | None:
    """Create or update the mailbox ``SUPPORTDESK_IMAP_URL`` names (idempotent); None when unset.

    Only the connection fields are written: UIDVALIDITY and the last UID stay as they are.
    """
    fields = getattr(settings, "SUPPORTDESK_IMAP_MAILBOX", None)
    if not fields:
        return None
    fields = dict(fields)
    name = str(fields.pop("name", "") or "")
    if not name or not fields.get("host"):
        raise MailboxConfigError("SUPPORTDESK_IMAP_URL needs a host.")
    mailbox, created = Mailbox.objects.update_or_create(name=name, defaults={**fields, "active": True})
    logger.info("mailbox %s %s from SUPPORTDESK_IMAP_URL", mailbox.name, "created" if created else "updated")
    return mailbox


@transaction.atomic
def mailbox_uidvalidity_set(*, mailbox: Mailbox, uidvalidity: int) -> Mailbox:
    """Record the inbox's UIDVALIDITY; a change makes every old UID meaningless, so start over at 0.

    Mails already ingested are then recognised by their dedupe keys, not their UIDs.
    """
    if mailbox.uidvalidity == uidvalidity:
        return mailbox
    if mailbox.uidvalidity is not None:
        logger.warning(
            "mailbox %s: UIDVALIDITY changed from %s to %s; relying on dedupe keys",
            mailbox.name,
            mailbox.uidvalidity,
            uidvalidity,
        )
    mailbox.uidvalidity = uidvalidity
    mailbox.last_seen_uid = 0
    mailbox.save(update_fields=["uidvalidity", "last_seen_uid"])
    return mailbox


# --- ingest --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuickHeaders:
    """What a cheap header-only read yields, before (and independent of) the full parser."""

    message_id: str
    from_address: str
    subject: str


def _split(raw: bytes) -> tuple[bytes, bytes]:
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def _decoded(value: object) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except (LookupError, UnicodeError, ValueError, MessageError):
        return str(value)


def quick_headers(raw: bytes) -> QuickHeaders:
    """Message-ID, From and Subject from the header block alone (compat32: fast and never strict)."""
    head, _body = _split(raw)
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n")
        message_id_raw = str(headers.get("Message-ID", "") or "").encode("utf-8", "surrogateescape")
        from_value = _decoded(headers.get("From", "") or "")
        subject = _decoded(headers.get("Subject", "") or "")
    except (LookupError, UnicodeError, ValueError, MessageError):
        return QuickHeaders(message_id="", from_address="", subject="")
    match = _ANGLE_ID.search(message_id_raw)
    message_id = (match.group(1) if match else message_id_raw.strip()).decode("utf-8", "replace")
    if " " in message_id:
        message_id = ""
    return QuickHeaders(message_id=message_id, from_address=from_value, subject=subject)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _clip(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


OVERSIZE_HINT = "oversize: attachments not extracted"


def is_oversize(raw: bytes) -> bool:
    """Larger than ``SUPPORTDESK_MAIL_MAX_BYTES``: kept raw and held in triage, never parsed."""
    return len(raw) > conf.mail_max_bytes()


def parse_job_for(items: Sequence[tuple[int | None, bytes]]) -> ParseJob:
    """Start parsing a batch (in the parse pool when it is large) before ``mails_ingest`` needs it."""
    return ParseJob([None if is_oversize(raw) else bytes(raw) for _uid, raw in items])


@transaction.atomic(durable=True)
def mails_ingest(
    *,
    mailbox: Mailbox,
    items: Sequence[tuple[int | None, bytes]],
    now: datetime | None = None,
    parse_job: ParseJob | None = None,
    mode: IntakeMode = IntakeMode.LIVE,
) -> list[InboundMail]:
    """Store each ``(uid, raw)`` once and decide it (``decide.decide``): follow-up → article,
    unreadable → quarantine, our own mail coming back → ignored, anything else → triage.
    A mail larger than ``SUPPORTDESK_MAIL_MAX_BYTES`` is stored unparsed and held in triage.
    Returns one InboundMail per item, in order; for a duplicate it is the row stored earlier.
    One transaction for the whole batch (durable: the caller moves the mails on the server only
    after this commit). A mail the parser cannot read never stops the others. ``parse_job``
    (from ``parse_job_for(items)``) carries parsing started earlier, e.g. while the previous
    batch was written. ``mode=IntakeMode.IMPORT`` (an archive) threads and holds in triage only:
    no Prio 1 keyword rules, no flood counting, no automatic answers.
    """
    now = now or timezone.now()
    prepared = []
    candidate_keys: set[str] = set()
    for uid, raw in items:
        raw = bytes(raw)
        quick = quick_headers(raw)
        message_id = quick.message_id if len(quick.message_id) <= MAX_KEY_LENGTH else ""
        raw_key = f"sha256:{_sha256(raw)}"
        body_sha = _sha256(_split(raw)[1])
        candidate_keys.update(k for k in (message_id, raw_key) if k)
        prepared.append((uid, raw, quick, message_id, raw_key, body_sha))
    known: dict[str, InboundMail] = {
        mail.dedupe_key: mail
        for mail in InboundMail.objects.filter(mailbox=mailbox, dedupe_key__in=candidate_keys).defer(
            "raw", "subject", "reason"
        )
    }

    # 1. Which items are new (the dedupe needs no parsing).
    results: list[InboundMail] = []
    new_mails: list[InboundMail] = []
    new_indexes: list[int] = []
    for index, (uid, raw, quick, message_id, raw_key, body_sha) in enumerate(prepared):
        key = raw_key
        if message_id:
            earlier = known.get(message_id)
            if earlier is None:
                key = message_id
            elif earlier.body_sha256 == body_sha:
                results.append(earlier)  # the same mail again (redelivered, or fetched again after a crash)
                continue
        if key in known:
            results.append(known[key])
            continue
        mail = InboundMail(
            mailbox=mailbox,
            dedupe_key=key,
            body_sha256=body_sha,
            raw=raw,
            received_at=now,
            imap_uid=uid,
            message_id=_clip(quick.message_id, 300),
            from_address=_clip(quick.from_address, 320),
            subject=_clip(quick.subject, 500),
        )
        known[key] = mail
        new_mails.append(mail)
        new_indexes.append(index)
        results.append(mail)

    # 2. Parse the new ones (in the parse pool when the batch is large).
    if parse_job is not None:
        all_outcomes = parse_job.results()
        outcomes = [all_outcomes[i] for i in new_indexes]
    else:
        raws = [prepared[i][1] for i in new_indexes]  # the bytes each new mail's ``raw`` was set to
        outcomes = ParseJob([None if is_oversize(raw) else raw for raw in raws]).results()

    # 3. Decide them in order, with the lookups of the whole batch done at once.
    batch = Batch(
        now=now,
        mode=mode,
        own_message_ids=set(
            OutboundMail.objects.filter(
                message_id__in=[p[2].message_id for p in prepared if p[2].message_id]
            ).values_list("message_id", flat=True)
        ),
    )
    parsed_mails = [o for o in outcomes if isinstance(o, parsing.ParsedMail)]
    prefetch(
        batch,
        addresses=[p.from_address for p in parsed_mails],
        references=[r for p in parsed_mails for r in (*p.in_reply_to, *p.references)],
    )
    new_attachments: list[tuple[InboundMail, list[parsing.Attachment]]] = []
    for mail, outcome in zip(new_mails, outcomes, strict=True):
        if isinstance(outcome, parsing.ParsedMail):
            apply_parsed(mail=mail, parsed=outcome)
            decide(mail=mail, parsed=outcome, batch=batch)
            if outcome.attachments:
                new_attachments.append((mail, outcome.attachments))
        elif outcome is None:  # oversize: not parsed
            mail.state = InboundState.TRIAGE
            mail.hint = OVERSIZE_HINT
            name, address = parseaddr(mail.from_address)
            if "@" in address:  # the triage actions answer and file by the bare address
                mail.from_name, mail.from_address = _clip(name, 200), _clip(address.lower(), 320)
            logger.warning("mailbox %s: %s is oversize (%s bytes)", mailbox.name, mail.dedupe_key, len(mail.raw))
        else:
            mail.state = InboundState.QUARANTINE
            mail.reason = outcome
            logger.warning("mailbox %s: quarantined %s (%s)", mailbox.name, mail.dedupe_key, mail.reason)

    InboundMail.objects.bulk_create(new_mails, batch_size=100)
    InboundAttachment.objects.bulk_create(
        [
            InboundAttachment(
                mail=mail,
                filename=_clip(att.filename, 255),
                content_type=_clip(att.content_type, 255),
                size=len(att.data),
                data=att.data,
                content_id=_clip(att.content_id, 255),
                inline=att.inline,
            )
            for mail, attachments in new_attachments
            for att in attachments
        ],
        batch_size=50,
    )
    uids = [uid for uid, _raw in items if uid is not None]
    if uids:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_seen_uid=Greatest(F("last_seen_uid"), max(uids)))
    if new_mails:
        logger.info(
            "mailbox %s: %s new of %s (%s article, %s triage, %s quarantine, %s ignored)",
            mailbox.name,
            len(new_mails),
            len(items),
            sum(m.state == InboundState.ARTICLE for m in new_mails),
            sum(m.state == InboundState.TRIAGE for m in new_mails),
            sum(m.state == InboundState.QUARANTINE for m in new_mails),
            sum(m.state == InboundState.IGNORED for m in new_mails),
        )
    return results


def apply_parsed(*, mail: InboundMail, parsed: parsing.ParsedMail) -> None:
    if parsed.message_id:
        mail.message_id = _clip(parsed.message_id, 300)
    mail.from_address = _clip(parsed.from_address, 320)
    mail.from_name = _clip(parsed.from_name, 200)
    mail.subject = _clip(parsed.subject, 500)
    mail.sent_at = parsed.date


@transaction.atomic
def mailbox_for_import(*, name: str = "") -> Mailbox:
    """The mailbox imported mails are filed under: the one named, else the first one, else a new
    inactive ``import`` mailbox (no server: the listener ignores it)."""
    if name:
        mailbox, _created = Mailbox.objects.get_or_create(name=name, defaults={"active": False})
        return mailbox
    first = Mailbox.objects.order_by("id").first()
    if first is not None:
        return first
    mailbox, _created = Mailbox.objects.get_or_create(name="import", defaults={"active": False})
    return mailbox
