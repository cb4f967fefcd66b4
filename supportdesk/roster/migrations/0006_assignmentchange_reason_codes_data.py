"""Turn the English reason texts of the change log into codes with parameters.

Until 0005 the services stored their reasons as English sentences ("Reported sick
(01.12.2026–02.12.2026)", "Swap accepted (request 12)"), which German readers saw as
they were. The sentences the services wrote map back to a code; any other text is a
coordinator's own words and stays a note. Backwards, the codes become the English
sentences again, so nothing is lost either way.

Self-contained on purpose: a migration must not follow later changes of the app's code.
"""

import re
from datetime import date

from django.db import migrations

SICK = re.compile(r"Reported sick \((\d{2})\.(\d{2})\.(\d{4})–(\d{2})\.(\d{2})\.(\d{4})\)")
ACCEPTED = re.compile(r"(Swap|Takeover) accepted \(request (\d+)\)")
CODE_OF = {"Swap": "swap_accepted", "Takeover": "takeover_accepted"}


def reason_code_of(text: str) -> tuple[str, dict[str, object]]:
    """``(reason_code, reason_params)`` of a stored English reason; a note if it is none of them."""
    text = text.strip()
    if sick := SICK.fullmatch(text):
        d1, m1, y1, d2, m2, y2 = (int(n) for n in sick.groups())
        try:
            start, end = date(y1, m1, d1), date(y2, m2, d2)
        except ValueError:
            return "note", {}
        return "sick_report", {"start": start.isoformat(), "end": end.isoformat()}
    if accepted := ACCEPTED.fullmatch(text):
        return CODE_OF[accepted.group(1)], {"request": int(accepted.group(2))}
    return "note", {}


def english_text_of(code: str, params: dict[str, object], text: str) -> str:
    """The sentence the services stored before 0005 (for going back)."""
    try:
        if code == "sick_report":
            start = date.fromisoformat(str(params["start"]))
            end = date.fromisoformat(str(params["end"]))
            return f"Reported sick ({start:%d.%m.%Y}–{end:%d.%m.%Y})"
        if code in ("swap_accepted", "takeover_accepted"):
            what = "Swap" if code == "swap_accepted" else "Takeover"
            return f"{what} accepted (request {int(str(params['request']))})"
    except (KeyError, ValueError):
        pass
    return text


def forwards(apps, schema_editor):
    AssignmentChange = apps.get_model("roster", "AssignmentChange")
    for change in AssignmentChange.objects.filter(reason_code="note").exclude(reason="").iterator():
        code, params = reason_code_of(change.reason)
        if code != "note":
            change.reason_code, change.reason_params, change.reason = code, params, ""
            change.save(update_fields=["reason_code", "reason_params", "reason"])


def backwards(apps, schema_editor):
    AssignmentChange = apps.get_model("roster", "AssignmentChange")
    for change in AssignmentChange.objects.exclude(reason_code="note").iterator():
        change.reason = english_text_of(change.reason_code, change.reason_params or {}, change.reason)[:300]
        change.reason_code, change.reason_params = "note", {}
        change.save(update_fields=["reason", "reason_code", "reason_params"])


class Migration(migrations.Migration):
    dependencies = [
        ("roster", "0005_assignmentchange_reason_code"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
