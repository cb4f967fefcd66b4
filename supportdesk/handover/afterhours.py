"""The automatic acknowledgement of mails that arrive after hours (R15).

A mail from a person that arrives outside the support window and outside core hours gets one
answer saying when support resumes (the next start of core hours), in the language of the mail.
Never to automatic mails, bounces, floods or our own address; at most once per sender and day.

The intake only decides and claims the day's answer; the answer itself is sent by a task
enqueued in the intake's transaction, so a slow SMTP server never holds an intake batch.
"""

import logging
import re
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from email.parser import BytesHeaderParser

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import formats, translation

from supportdesk.handover.models import AfterHoursReply
from supportdesk.mailbox import conf as mailbox_conf
from supportdesk.mailbox.exceptions import AutoAnswerRefused, MailCannotBeSent
from supportdesk.mailbox.models import InboundMail, OutboundMail
from supportdesk.mailbox.parsing import ParsedMail
from supportdesk.roster import business_hours as bh
from supportdesk.roster.selectors import support_calendar

logger = logging.getLogger(__name__)

REPLY_TEXT = {
    "de": {
        "subject": "Eingangsbestätigung: {subject}",
        "body": (
            "Guten Tag,\n\n"
            "vielen Dank für Ihre Nachricht. Sie ist außerhalb unserer Supportzeiten eingegangen.\n"
            "Wir bearbeiten sie ab {resumes} Uhr.\n\n"
            "Bei einem Notfall (Prio 1) rufen Sie bitte unsere Support-Nummer an.\n\n"
            "Dies ist eine automatische Antwort; Sie erhalten sie höchstens einmal am Tag.\n"
        ),
        "format": "l, j. F Y, H:i",
    },
    "en": {
        "subject": "Received: {subject}",
        "body": (
            "Hello,\n\n"
            "thank you for your message. It arrived outside our support hours.\n"
            "We will work on it from {resumes}.\n\n"
            "In an emergency (Prio 1) please call our support number.\n\n"
            "This is an automatic answer; you receive it at most once a day.\n"
        ),
        "format": "l, j F Y, H:i",
    },
}

NO_REPLY_LOCAL_PARTS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+._-].*)?$", re.I)
AUTOMATIC_HEADERS = ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond", "x-auto-response-suppress")
_GERMAN_WORDS_TEXT = (
    "und der die das nicht ist ich wir sie bitte danke vielen dank hallo guten tag grüße gruß "
    "freundlichen mit für auf eine einen geht funktioniert seit heute leider sehr geehrte damen herren "
    "anfrage problem"
)
GERMAN_WORDS = frozenset(_GERMAN_WORDS_TEXT.split())
_ENGLISH_WORDS_TEXT = (
    "the and is not we you please thanks thank hello dear regards kind with for on a an does since today "
    "unfortunately works working issue request problem"
)
ENGLISH_WORDS = frozenset(_ENGLISH_WORDS_TEXT.split())


def _mail_send(**kwargs) -> OutboundMail:  # type: ignore[no-untyped-def]
    """``supportdesk.mailbox.services.mail_send``, imported late: the mailbox intake will import this module."""
    from supportdesk.mailbox.services import mail_send

    return mail_send(**kwargs)


def _headers(raw: bytes):  # type: ignore[no-untyped-def]
    return BytesHeaderParser(policy=email_policy.default).parsebytes(raw)


def _looks_automatic(headers) -> bool:  # type: ignore[no-untyped-def]
    auto = str(headers.get("Auto-Submitted", "") or "").strip().lower()
    if auto and auto != "no":
        return True
    if str(headers.get("Precedence", "") or "").strip().lower() in {"bulk", "list", "junk", "auto_reply"}:
        return True
    if any(headers.get(name) for name in AUTOMATIC_HEADERS):
        return True
    content_type = str(headers.get("Content-Type", "") or "").lower()
    return "multipart/report" in content_type


def _body_text(raw: bytes, parsed: ParsedMail | None) -> str:
    if parsed is not None:
        return parsed.text or ""
    try:
        message = message_from_bytes(raw, policy=email_policy.default)
        part = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
        return str(part.get_content()) if part is not None else ""
    except Exception:
        return ""


def mail_language(*, subject: str, body: str, content_language: str = "") -> str:
    """``de`` when Content-Language says German or the subject and body read German, else ``en``."""
    declared = content_language.strip().lower()
    if declared:
        first = declared.split(",")[0].strip()
        return "de" if first.startswith("de") else "en"
    text = f"{subject}\n{body[:4000]}".lower()
    words = re.findall(r"[a-zäöüß]+", text)
    german = sum(w in GERMAN_WORDS for w in words) + 2 * len(re.findall(r"[äöüß]", text))
    english = sum(w in ENGLISH_WORDS for w in words)
    return "de" if german > english else "en"


def resumes_at(now: datetime) -> datetime:
    """When support resumes after ``now``: the next start of core hours (local time)."""
    cal = support_calendar()
    return bh.next_working_day_start(cal, now).astimezone(cal.tz)


def is_after_hours(now: datetime) -> bool:
    """Outside the day's support window and outside core hours."""
    cal = support_calendar()
    return bh.window_at(cal, now) is None and not bh.in_core_hours(cal, now)


def _refusal(mail: InboundMail, parsed: ParsedMail | None, headers) -> str:  # type: ignore[no-untyped-def]
    if mail.is_automatic or mail.is_bounce or mail.flood:
        return "automatic, bounce or flood"
    if parsed is not None and (parsed.is_automatic or parsed.is_bounce):
        return "automatic or bounce"
    if headers is not None and _looks_automatic(headers):
        return "automatic headers"
    address = (mail.from_address or "").strip().lower()
    local, _at, domain = address.rpartition("@")
    if not local or not domain:
        return "no sender address"
    if NO_REPLY_LOCAL_PARTS.match(local):
        return "a no-reply or system address"
    ours = mailbox_conf.from_address().lower()
    if address == ours or ours.endswith(f"<{address}>"):
        return "our own address"
    return ""


@transaction.atomic
def after_hours_acknowledge(
    *, inbound_mail: InboundMail, now: datetime, parsed: ParsedMail | None = None
) -> AfterHoursReply | None:
    """Claim today's answer to ``inbound_mail`` and enqueue its sending, if it came after hours from a person.

    Returns the claim, or None when none is due (inside the window or core hours, an automatic
    mail, a bounce, a flood, a no-reply sender, or this sender had today's answer already).
    Runs inside the caller's transaction (the mailbox intake) and does no I/O: the task
    :func:`after_hours_reply_send` writes and sends the answer once that transaction committed.
    """
    if not is_after_hours(now):
        return None
    raw = bytes(inbound_mail.raw or b"")
    headers = _headers(raw) if raw else None
    reason = _refusal(inbound_mail, parsed, headers)
    if reason:
        logger.info("after hours: no answer to %s (%s)", inbound_mail.from_address or "-", reason)
        return None
    cal = support_calendar()
    sender = inbound_mail.from_address.strip().lower()
    day = now.astimezone(cal.tz).date()
    content_language = str(headers.get("Content-Language", "") or "") if headers is not None else ""
    subject = inbound_mail.subject or (parsed.subject if parsed else "")
    language = mail_language(subject=subject, body=_body_text(raw, parsed), content_language=content_language)
    try:
        with transaction.atomic():
            claim = AfterHoursReply.objects.create(sender=sender, date=day, sent_at=now, language=language)
    except IntegrityError:
        return None  # this sender had today's answer already
    # The intake stores the mail row after deciding it: the task gets what it needs, not its id.
    after_hours_reply_send.enqueue(
        claim_id=claim.pk, subject=subject, message_id=inbound_mail.message_id, now=now.isoformat()
    )
    return claim


@transaction.atomic
def after_hours_reply_deliver(*, claim_id: int, subject: str, message_id: str, now: datetime) -> OutboundMail | None:
    """Send the claimed answer to the mail ``message_id`` once (the task's work). A refused SMTP
    delivery is logged and leaves no trace (the claim is released), so a later mail of the day is
    answered."""
    claim = AfterHoursReply.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None or claim.message_id:
        return None  # released after a failure, or sent already: a duplicate task does nothing
    language = claim.language if claim.language in REPLY_TEXT else "en"
    text = REPLY_TEXT[language]
    with translation.override(language):
        resumes = formats.date_format(resumes_at(now), text["format"])
    try:
        with transaction.atomic():
            outbound = _mail_send(
                actor=None,
                to=[claim.sender],
                subject=text["subject"].format(subject=subject or "—"),
                body=text["body"].format(resumes=resumes),
                references=[message_id] if message_id else [],
                automatic=True,
                now=now,
            )
    except (MailCannotBeSent, AutoAnswerRefused) as exc:
        logger.warning("after hours: answer to %s not sent: %s", claim.sender, exc)
        claim.delete()
        return None
    claim.message_id = outbound.message_id
    claim.save(update_fields=["message_id"])
    logger.info("after hours: answered %s (%s), support resumes %s", claim.sender, language, resumes)
    return outbound


@task
def after_hours_reply_send(*, claim_id: int, subject: str, message_id: str, now: str) -> None:
    """Send the after-hours answer the intake claimed (``now``: the mail's arrival, ISO)."""
    after_hours_reply_deliver(
        claim_id=claim_id, subject=subject, message_id=message_id, now=datetime.fromisoformat(now)
    )
