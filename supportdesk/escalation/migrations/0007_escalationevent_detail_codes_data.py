"""Turn the English texts the services wrote on the case timelines into codes with parameters.

Until 0006 the chain stored its reasons as English words ("told before", "every notice channel
failed", "Nobody to notify (coordinator).", "via link", …), which German readers saw as they
were. Each text a service wrote maps back to a code here; any other text (a status update, a
call note, a summary, or something unknown) stays as written. Backwards, the codes become the
English texts again, so nothing is lost either way.

Self-contained on purpose: a migration must not follow later changes of the app's code.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

RECIPIENT_REASONS = {
    "standby": "standby",
    "no standby published: coordinator": "no_standby",
    "person": "policy_person",
    "coordinator": "policy_coordinator",
}
REASON_TEXTS = {code: text for text, code in RECIPIENT_REASONS.items()}
ESCALATED_REASONS = {"told before": "told_before", "escalation": "escalation"}
POLICY_NOBODY = (
    "Outside the support windows the customer's policy names nobody: the customer gets the automatic answer."
)
UNREACHABLE = {
    "no working notice channel (no mail address)": "no_channel",
    "every notice channel failed": "all_channels_failed",
}
VIA = {"page": "page", "case page": "page", "link": "link", "api": "api"}
VIA_TEXTS = {"page": "case page", "link": "link", "api": "API"}
ALREADY_RESOLVED = ("The case is already resolved.", "Der Fall ist bereits gelöst.")
ALREADY_ACKNOWLEDGED = (
    re.compile(r"(?P<name>.*) acknowledged this case already at (?P<time>[\d:]*); nothing changed\."),
    re.compile(r"(?P<name>.*) hat diesen Fall bereits um (?P<time>[\d:]*) quittiert; nichts geändert\."),
)
NOBODY_TO_NOTIFY = re.compile(r"Nobody to notify \((?P<reason>.*)\)\.")
SILENT = re.compile(r"No status update for (?P<minutes>\d+) minutes\.")
NO_ADDRESS = "Not sent: the ticket's contact has no mail address."
LOOP = (
    "Not sent: An automatic mail is never answered automatically.",
    "Not sent: Eine automatische Mail wird nie automatisch beantwortet.",
)
AUTO_ANSWER_SENT = re.compile(r"(?P<subject>.*) → (?P<to>\S+) \(support resumes (?P<resumes>[^()]+)\)", re.S)

Detail = tuple[str, dict[str, object]]


def _via(text: str) -> str | None:
    return VIA.get(text.strip().lower())


def detail_of(kind: str, text: str) -> Detail | None:
    """``(detail_code, detail_params)`` of a text a service wrote; None for anything else."""
    if kind in ("notified", "renotified") and text in RECIPIENT_REASONS:
        return RECIPIENT_REASONS[text], {}
    if kind == "escalated" and text in ESCALATED_REASONS:
        return ESCALATED_REASONS[text], {}
    if kind == "no_recipient":
        if text == POLICY_NOBODY:
            return "policy_nobody", {}
        if text == "Nobody to escalate to.":
            return "nobody_to_escalate", {}
        if (found := NOBODY_TO_NOTIFY.fullmatch(text)) and found["reason"] in RECIPIENT_REASONS:
            return "nobody_to_notify", {"reason": RECIPIENT_REASONS[found["reason"]]}
    if kind == "unreachable" and text in UNREACHABLE:
        return UNREACHABLE[text], {}
    if kind == "acknowledged" and text.startswith("via ") and (via := _via(text[4:])):
        return "ack_via", {"via": via}
    if kind == "ack_ignored" and text.startswith("via "):
        how, sep, message = text[4:].partition(": ")
        via = _via(how)
        if sep and via:
            if message in ALREADY_RESOLVED:
                return "ack_after_resolved", {"via": via}
            for pattern in ALREADY_ACKNOWLEDGED:
                if found := pattern.fullmatch(message):
                    return "ack_after_ack", {"via": via, "name": found["name"], "time": found["time"]}
    if kind == "phone_duty_nudged" and (found := SILENT.fullmatch(text)):
        return "silent_minutes", {"minutes": int(found["minutes"])}
    if kind == "status_mail":
        subject, arrow, to = text.rpartition(" → ")
        if arrow and to and "@" in to:
            return "status_mail_sent", {"subject": subject, "to": to.split(", ")}
    if kind == "auto_answer":
        if text == NO_ADDRESS:
            return "auto_answer_no_address", {}
        if text in LOOP:
            return "auto_answer_refused", {}
        if text.startswith("Not sent: "):
            return "auto_answer_not_sent", {"error": text.removeprefix("Not sent: ")}
        if found := AUTO_ANSWER_SENT.fullmatch(text):
            return "auto_answer_sent", {"subject": found["subject"], "to": [found["to"]], "resumes": found["resumes"]}
    return None


def english_text_of(code: str, params: dict[str, object], text: str) -> str:
    """The text the services stored before 0006 (for going back); ``text`` when it cannot be made."""
    plain = {**{c: t for t, c in RECIPIENT_REASONS.items()}, **{c: t for t, c in ESCALATED_REASONS.items()}}
    plain |= {c: t for t, c in UNREACHABLE.items()}
    plain |= {"policy_nobody": POLICY_NOBODY, "nobody_to_escalate": "Nobody to escalate to."}
    plain |= {"auto_answer_no_address": NO_ADDRESS, "auto_answer_refused": LOOP[0]}
    try:
        if code in plain:
            return plain[code]
        via = VIA_TEXTS.get(str(params.get("via", "")), str(params.get("via", "")))
        if code == "nobody_to_notify":
            return f"Nobody to notify ({REASON_TEXTS.get(str(params['reason']), params['reason'])})."
        if code == "ack_via":
            return f"via {via}"
        if code == "ack_after_resolved":
            return f"via {via}: {ALREADY_RESOLVED[0]}"
        if code == "ack_after_ack":
            time = str(params.get("time", ""))
            if not time and params.get("at"):
                moment = datetime.fromisoformat(str(params["at"]))
                time = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%H:%M:%S")
            return f"via {via}: {params['name']} acknowledged this case already at {time}; nothing changed."
        if code == "silent_minutes":
            return f"No status update for {int(str(params['minutes']))} minutes."
        if code == "status_mail_sent":
            return f"{params['subject']} → {', '.join(params['to'])}"  # type: ignore[arg-type]
        if code == "auto_answer_not_sent":
            return f"Not sent: {params['error']}"
        if code == "auto_answer_sent":
            return f"{params['subject']} → {', '.join(params['to'])} (support resumes {params['resumes']})"  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        pass
    return text


def forwards(apps, schema_editor):
    EscalationEvent = apps.get_model("escalation", "EscalationEvent")
    for event in EscalationEvent.objects.filter(detail_code="").exclude(text="").iterator():
        found = detail_of(event.kind, event.text.strip())
        if found is not None:
            event.detail_code, event.detail_params = found
            event.text = ""
            event.save(update_fields=["detail_code", "detail_params", "text"])


def backwards(apps, schema_editor):
    EscalationEvent = apps.get_model("escalation", "EscalationEvent")
    for event in EscalationEvent.objects.exclude(detail_code="").iterator():
        event.text = english_text_of(event.detail_code, event.detail_params or {}, event.text)
        event.detail_code, event.detail_params = "", {}
        event.save(update_fields=["text", "detail_code", "detail_params"])


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0006_escalationevent_detail_code"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
