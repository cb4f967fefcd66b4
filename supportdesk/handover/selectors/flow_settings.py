"""The coordinators' settings of the day's flow and the closing checklist text."""

from dataclasses import dataclass
from datetime import date, datetime, time

from supportdesk.accounts.models import User
from supportdesk.handover import conf
from supportdesk.handover.models import ChecklistText, DayFlowSettings
from supportdesk.mailbox import conf as mailbox_conf
from supportdesk.roster.selectors import support_calendar

DEFAULT_CHECKLIST = {
    "de": "Telefon zurück in die Ladeschale stellen.\nAnrufbeantworter einschalten.",
    "en": "Put the phone back on its charger.\nSwitch the answering machine on.",
}


def day_flow_settings_get() -> DayFlowSettings:
    """The coordinators' settings of the day's flow; the row is made on first use with ``conf.defaults()``."""
    row = DayFlowSettings.objects.select_related("triage_owner").filter(pk=1).first()
    if row is not None:
        return row
    username = mailbox_conf.triage_owner_username()
    owner = User.objects.filter(username=username, is_active=True).first() if username else None
    row, _created = DayFlowSettings.objects.get_or_create(pk=1, defaults={**conf.defaults(), "triage_owner": owner})
    return row


@dataclass(frozen=True)
class FlowExample:
    """The settings applied to a window of the support calendar, for the settings page."""

    window_start: time
    window_end: time
    ask: time
    alert: time
    closing_overdue: time


def day_flow_example(*, flow: DayFlowSettings) -> FlowExample | None:
    """The first weekday's window with the settings' readiness and closing times, or None without windows."""
    cal = support_calendar()
    if not cal.windows:
        return None
    start, end = cal.windows[min(cal.windows)]
    base = datetime.combine(date(2000, 1, 3), start)
    close = datetime.combine(date(2000, 1, 3), end)
    return FlowExample(
        window_start=start,
        window_end=end,
        ask=(base - flow.readiness_lead).time(),
        alert=(base + flow.readiness_grace).time(),
        closing_overdue=(close + flow.closing_grace).time(),
    )


def closing_checklist_custom() -> dict[str, str]:
    """The coordinators' closing checklist text per language (languages without one use the built-in text)."""
    return dict(ChecklistText.objects.values_list("language", "text"))


def closing_checklist_text(*, language: str) -> list[str]:
    """The checklist items in ``language``: the coordinators' text, else the built-in one."""
    row = ChecklistText.objects.filter(language=language).first()
    text = row.text if row is not None else DEFAULT_CHECKLIST.get(language, DEFAULT_CHECKLIST["en"])
    return [line.strip() for line in text.splitlines() if line.strip()]
