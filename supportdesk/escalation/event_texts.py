"""Wording of the timeline: an event's ``detail_code`` and ``detail_params`` as a sentence in the
active language.

The services store codes, not sentences, so that each reader sees the case in their own language
(a coordinator reading German, a colleague reading English) and a notice is worded in its
recipient's. The people's own words (status updates, calls, the summary) are kept in
``EscalationEvent.text`` and shown as written. Reading never fails: a code with missing or
malformed parameters falls back to its label, an unknown code to the stored text.
"""

import logging
from collections.abc import Mapping
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from django_stubs_ext import StrOrPromise

from supportdesk.escalation.models import EscalationEvent, EventDetail

logger = logging.getLogger(__name__)

VIA_CODES = {"page": "page", "case page": "page", "link": "link", "api": "api"}
"""How an acknowledgement came in (``escalation_acknowledge(via=…)``) → the stored code; case-insensitive."""

_VIA_TEXTS = {
    "page": gettext_lazy("via the case page"),
    "link": gettext_lazy("via the link in the notice"),
    "api": gettext_lazy("via the API"),
}

_PLAIN: dict[str, StrOrPromise] = {
    EventDetail.STANDBY: gettext_lazy("the technical standby on duty"),
    EventDetail.NO_STANDBY: gettext_lazy("no technical standby published: the coordinators"),
    EventDetail.POLICY_PERSON: gettext_lazy("outside the support windows: the person the customer's policy names"),
    EventDetail.POLICY_COORDINATOR: gettext_lazy("outside the support windows: the coordinators"),
    EventDetail.TOLD_BEFORE: gettext_lazy("notified before; now told that the case is escalated"),
    EventDetail.ESCALATION: gettext_lazy("first notice, in the escalation"),
    EventDetail.POLICY_NOBODY: gettext_lazy(
        "Outside the support windows the customer's policy names nobody: the customer gets the automatic answer."
    ),
    EventDetail.NOBODY_TO_ESCALATE: gettext_lazy("Nobody to escalate to."),
    EventDetail.NO_CHANNEL: gettext_lazy("no working notice channel (no mail address)"),
    EventDetail.ALL_CHANNELS_FAILED: gettext_lazy("every notice channel failed"),
    EventDetail.AUTO_ANSWER_NO_ADDRESS: gettext_lazy("Not sent: the ticket's contact has no mail address."),
    EventDetail.AUTO_ANSWER_REFUSED: gettext_lazy("Not sent: an automatic mail is never answered automatically."),
}
"""Codes whose sentence names nothing."""


def via_code(via: str) -> str:
    """``"case page"`` → ``"page"``; an unknown channel is kept as given (and shown as given)."""
    return VIA_CODES.get(via.strip().lower(), via.strip())


def via_text(via: str) -> str:
    known = _VIA_TEXTS.get(via)
    return str(known) if known is not None else gettext("via %(via)s") % {"via": via}


def _local(value: object, fmt: str) -> str:
    """An ISO time stored in the parameters, in the reader's time zone; ``""`` when it is none."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if timezone.is_naive(moment):
        return ""
    return date_format(timezone.localtime(moment), fmt)


def _addresses(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _worded(code: str, params: Mapping[str, object]) -> str:
    """The sentence of ``code``; ``KeyError``/``TypeError``/``ValueError`` when its parameters do not fit."""
    if code in _PLAIN:
        return str(_PLAIN[code])
    if code == EventDetail.NOBODY_TO_NOTIFY:
        reason = str(params["reason"])
        inner = _PLAIN.get(reason)
        return gettext("Nobody to notify (%(reason)s).") % {"reason": inner if inner is not None else reason}
    if code == EventDetail.ACK_VIA:
        return via_text(str(params["via"]))
    if code == EventDetail.ACK_AFTER_RESOLVED:
        return gettext("%(via)s; the case was already resolved, nothing changed.") % {
            "via": via_text(str(params["via"]))
        }
    if code == EventDetail.ACK_AFTER_ACK:
        time = _local(params["at"], "H:i:s") if "at" in params else str(params["time"])
        return gettext("%(via)s; %(name)s had acknowledged the case already at %(time)s, nothing changed.") % {
            "via": via_text(str(params["via"])),
            "name": params["name"],
            "time": time or "?",
        }
    if code == EventDetail.SILENT_MINUTES:
        minutes = int(str(params["minutes"]))
        return ngettext(
            "No status update for %(minutes)s minute.", "No status update for %(minutes)s minutes.", minutes
        ) % {"minutes": minutes}
    if code == EventDetail.STATUS_MAIL_SENT:
        return gettext("“%(subject)s” to %(to)s") % {"subject": params["subject"], "to": _addresses(params["to"])}
    if code == EventDetail.AUTO_ANSWER_SENT:
        return gettext("“%(subject)s” to %(to)s; support resumes %(resumes)s.") % {
            "subject": params["subject"],
            "to": _addresses(params["to"]),
            "resumes": _local(params["resumes"], "DATETIME_FORMAT") or params["resumes"],
        }
    if code == EventDetail.AUTO_ANSWER_NOT_SENT:
        return gettext("Not sent: %(error)s") % {"error": params["error"]}
    raise ValueError(code)


def detail_text(*, code: str, params: Mapping[str, object] | None, text: str = "") -> str:
    """The sentence an entry shows for the reader (active language); ``text`` when there is no code."""
    if not code:
        return text
    try:
        return _worded(code, params or {})
    except (KeyError, TypeError, ValueError):
        logger.warning("timeline detail %r with parameters %r cannot be worded", code, params)
        if code in EventDetail.values:
            return text or str(EventDetail(code).label)
        return text or code


def event_detail_text(event: EscalationEvent) -> str:
    """What ``event`` says besides its kind, in the active language."""
    return detail_text(code=event.detail_code, params=event.detail_params, text=event.text)
