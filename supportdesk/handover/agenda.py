"""The weekly meeting's agenda (R9): next week's plan, last week's duties, swaps, sick days,
Prio 1 cases and missed checks, as a printable page and as a PDF with simple bar charts.

The meeting in ISO week W plans week W+1 and reviews week W-1. Labels are kept here per
language (like the built-in checklist), so that the German and the English PDF need no
catalogue entries.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import formats, timezone, translation

from supportdesk.accounts.models import User
from supportdesk.escalation.models import Escalation
from supportdesk.handover import selectors
from supportdesk.roster import business_hours as bh
from supportdesk.roster.models import Absence, AbsenceKind, Assignment, Duty, RosterWeek, SwapRequest, SwapStatus
from supportdesk.roster.selectors import roster_settings_get, support_calendar
from supportdesk.tickets.models import Channel, Ticket

WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Tagesordnung Jour fixe",
        "week": "KW",
        "next_week": "Plan der nächsten Woche",
        "last_week": "Dienste der letzten Woche",
        "swaps": "Tausche und Übernahmen",
        "absences": "Krankmeldungen und Abwesenheiten",
        "prio1": "Prio-1-Fälle",
        "missed": "Versäumte Prüfungen",
        "chart_duties": "Dienste je Person",
        "chart_ack": "Prio 1: Minuten bis zur Bestätigung",
        "chart_resolve": "Prio 1: Minuten bis zur Lösung",
        "chart_tickets": "Tickets je Tag und Kanal",
        "channel_phone": "Telefon",
        "channel_mail": "E-Mail",
        "channel_other": "Sonstige (Web, API)",
        "day": "Tag",
        "phone_duty": "Telefondienst",
        "standby": "Rufbereitschaft",
        "status": "Status",
        "draft": "Entwurf",
        "published": "veröffentlicht",
        "not_drafted": "noch nicht entworfen",
        "open": "offen",
        "none": "Keine.",
        "ticket": "Ticket",
        "opened": "eröffnet",
        "acknowledged": "bestätigt",
        "resolved": "gelöst",
        "minutes": "Min.",
        "by": "von",
        "swap": "Tausch",
        "takeover": "Übernahme",
        "sick": "krank",
        "vacation": "Urlaub",
        "other": "abwesend",
        "handover": "Übergabe",
        "acknowledge": "Bestätigung der Übergabe",
        "readiness": "Bereitschafts-Check",
        "closing": "Abschluss-Checkliste",
        "intake": "Prio-1-Eingangsprüfung",
        "horizon": "Zeitraum",
        "pdf": "Als PDF",
        "print": "Drucken",
        "previous": "Vorige Woche",
        "following": "Nächste Woche",
    },
    "en": {
        "title": "Weekly meeting agenda",
        "week": "Week",
        "next_week": "Next week's plan",
        "last_week": "Last week's duties",
        "swaps": "Swaps and takeovers",
        "absences": "Sick days and absences",
        "prio1": "Prio 1 cases",
        "missed": "Missed checks",
        "chart_duties": "Duties per person",
        "chart_ack": "Prio 1: minutes to acknowledge",
        "chart_resolve": "Prio 1: minutes to resolve",
        "chart_tickets": "Tickets per day and channel",
        "channel_phone": "Phone",
        "channel_mail": "Mail",
        "channel_other": "Other (web, API)",
        "day": "Day",
        "phone_duty": "Phone duty",
        "standby": "Technical standby",
        "status": "Status",
        "draft": "draft",
        "published": "published",
        "not_drafted": "not drafted yet",
        "open": "open",
        "none": "None.",
        "ticket": "Ticket",
        "opened": "opened",
        "acknowledged": "acknowledged",
        "resolved": "resolved",
        "minutes": "min",
        "by": "by",
        "swap": "Swap",
        "takeover": "Takeover",
        "sick": "sick",
        "vacation": "vacation",
        "other": "absent",
        "handover": "Hand-over",
        "acknowledge": "Hand-over acknowledged",
        "readiness": "Readiness check",
        "closing": "Closing checklist",
        "intake": "Prio 1 intake check",
        "horizon": "Period",
        "pdf": "As PDF",
        "print": "Print",
        "previous": "Previous week",
        "following": "Following week",
    },
}


def labels_for(language: str | None) -> dict[str, str]:
    return LABELS["de" if (language or "").lower().startswith("de") else "en"]


class InvalidWeek(ValueError):
    """``?week=`` is not an ISO week like ``2026-W50``."""


def week_parse(value: str | None, *, now: datetime | None = None) -> date:
    """The Monday of ``YYYY-Www``; the current week when empty."""
    if not value:
        return bh.week_start(selectors.local_day(now or timezone.now()))
    match = WEEK_RE.match(value.strip())
    if not match:
        raise InvalidWeek(value)
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise InvalidWeek(value) from exc


def week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class DayPlan:
    day: date
    phone: User | None
    standby: User | None


@dataclass(frozen=True)
class Prio1Row:
    ticket_number: str
    subject: str
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: User | None
    resolved_at: datetime | None

    @property
    def minutes_to_ack(self) -> int | None:
        if self.acknowledged_at is None:
            return None
        return max(0, round((self.acknowledged_at - self.opened_at).total_seconds() / 60))

    @property
    def minutes_to_resolve(self) -> int | None:
        if self.resolved_at is None:
            return None
        return max(0, round((self.resolved_at - self.opened_at).total_seconds() / 60))


@dataclass(frozen=True)
class MissedCheck:
    day: date
    step: str
    who: User | None
    due: datetime | None = None
    """The hour of an intake check (several a day); None for the day's single steps."""

    def label(self, labels: dict[str, str]) -> str:
        text = labels.get(self.step, self.step)
        return f"{text} {self.due:%H:%M}" if self.step == "intake" and self.due else text


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]
    """One value per series (phone duty, standby) or a single one."""


@dataclass(frozen=True)
class ChannelDay:
    """Tickets created on one local day, by the channel they came in on."""

    day: date
    phone: int
    mail: int
    other: int
    """Web form and API."""

    @property
    def values(self) -> tuple[int, int, int]:
        return (self.phone, self.mail, self.other)


CHANNEL_SERIES: dict[str, int] = {Channel.PHONE: 0, Channel.MAIL: 1}
"""Series of the tickets chart: phone, mail, and everything else (web, API) as the third."""


def tickets_per_day_and_channel(*, start: date, end: date) -> list[ChannelDay]:
    """Every day from ``start`` to ``end`` (inclusive, weekends too: mail does not rest) with its tickets
    per channel, counted on the team's local day."""
    cal = support_calendar()
    start_at = datetime.combine(start, time(0), tzinfo=cal.tz)
    end_at = datetime.combine(end + timedelta(days=1), time(0), tzinfo=cal.tz)
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = (
        Ticket.objects.filter(created_at__gte=start_at, created_at__lt=end_at)
        .annotate(day=TruncDate("created_at", tzinfo=cal.tz))
        .values("day", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["day"]][CHANNEL_SERIES.get(row["channel"], 2)] += row["n"]
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    result = []
    for day in days:
        phone, mail, other = counts.get(day, (0, 0, 0))
        result.append(ChannelDay(day=day, phone=phone, mail=mail, other=other))
    return result


def ticket_bars(days: list[ChannelDay], *, language: str) -> list[Bar]:
    """The tickets chart's bars, one per day, labelled with the weekday in ``language``."""
    with translation.override(language):
        return [Bar(label=formats.date_format(d.day, "D d.m."), values=d.values) for d in days]


@dataclass
class Agenda:
    week: date
    """Monday of the meeting's week."""
    next_week: date
    last_week: date
    next_status: str
    """``published``, ``draft`` or ``not_drafted``."""
    next_problems: list[dict[str, str]]
    next_plan: list[DayPlan]
    last_plan: list[DayPlan]
    swaps: list[SwapRequest]
    absences: list[Absence]
    prio1: list[Prio1Row]
    missed: list[MissedCheck]
    horizon: tuple[date, date]
    duty_bars: list[Bar] = field(default_factory=list)
    ack_bars: list[Bar] = field(default_factory=list)
    """Acknowledged cases only: an unacknowledged one has no time to draw (the table shows it)."""
    resolve_bars: list[Bar] = field(default_factory=list)
    """Resolved cases only."""
    ticket_days: list[ChannelDay] = field(default_factory=list)
    """Last week, Monday to Sunday."""

    @property
    def label(self) -> str:
        return week_label(self.week)

    @property
    def week_number(self) -> int:
        return self.week.isocalendar()[1]


def _plan(start: date, end: date) -> list[DayPlan]:
    cal = support_calendar()
    cells: dict[date, dict[str, User | None]] = defaultdict(dict)
    for a in Assignment.objects.filter(date__gte=start, date__lte=end).select_related("user", "duty"):
        cells[a.date][a.duty.code] = a.user
    return [
        DayPlan(day=d, phone=cells[d].get(Duty.PHONE_DUTY), standby=cells[d].get(Duty.TECHNICAL_STANDBY))
        for d in bh.support_days(cal, start, end)
    ]


def _missed(start: date, end: date) -> list[MissedCheck]:
    cal = support_calendar()
    result = []
    for day in bh.support_days(cal, start, end):
        end_of_day = datetime.combine(day, time(23, 59), tzinfo=cal.tz)
        for step in selectors.day_status(end_of_day).missed:
            due = step.due.astimezone(cal.tz) if step.due else None
            result.append(MissedCheck(day=day, step=step.key, who=step.who, due=due))
    return result


def agenda_build(*, week: date) -> Agenda:
    """Everything the jour fixe of ``week`` (a Monday) talks about."""
    cal = support_calendar()
    next_monday, last_monday = week + timedelta(weeks=1), week - timedelta(weeks=1)
    last_sunday = last_monday + timedelta(days=6)
    roster_week = RosterWeek.objects.filter(week_start=next_monday).first()
    if roster_week is None:
        status, problems = "not_drafted", []
    else:
        status = "published" if roster_week.is_published else "draft"
        problems = list(roster_week.problems or [])
    last_start = datetime.combine(last_monday, time(0), tzinfo=cal.tz)
    last_end = datetime.combine(last_sunday + timedelta(days=1), time(0), tzinfo=cal.tz)
    swaps = list(
        SwapRequest.objects.filter(status=SwapStatus.ACCEPTED)
        .filter(
            Q(date__gte=last_monday, date__lte=last_sunday) | Q(decided_at__gte=last_start, decided_at__lt=last_end)
        )
        .select_related("requester", "decided_by", "duty", "target_duty", "absence")
        .order_by("date", "decided_at")
    )
    absences = list(
        Absence.objects.filter(start__lte=last_sunday, end__gte=last_monday).select_related("user").order_by("start")
    )
    prio1 = [
        Prio1Row(
            ticket_number=e.case.ticket.number,
            subject=e.case.ticket.subject,
            opened_at=e.started_at,
            acknowledged_at=e.acknowledged_at,
            acknowledged_by=e.acknowledged_by,
            resolved_at=e.resolved_at,
        )
        for e in Escalation.objects.filter(started_at__gte=last_start, started_at__lt=last_end)
        .select_related("case__ticket", "acknowledged_by")
        .order_by("started_at")
    ]
    horizon_weeks = roster_settings_get().fairness_horizon_weeks
    horizon = (next_monday - timedelta(weeks=horizon_weeks), next_monday + timedelta(days=6))
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    names: dict[int, str] = {}
    for a in Assignment.objects.filter(date__gte=horizon[0], date__lte=horizon[1], user__isnull=False).select_related(
        "user", "duty"
    ):
        assert a.user is not None  # noqa: S101 -- filtered above
        names[a.user.pk] = a.user.name
        counts[a.user.pk][0 if a.duty.code == Duty.PHONE_DUTY else 1] += 1
    duty_bars = [Bar(label=names[pk], values=tuple(v)) for pk, v in sorted(counts.items(), key=lambda i: names[i[0]])]
    ack_bars = [Bar(label=r.ticket_number, values=(r.minutes_to_ack,)) for r in prio1 if r.minutes_to_ack is not None]
    resolve_bars = [
        Bar(label=r.ticket_number, values=(r.minutes_to_resolve,)) for r in prio1 if r.minutes_to_resolve is not None
    ]
    return Agenda(
        week=week,
        next_week=next_monday,
        last_week=last_monday,
        next_status=status,
        next_problems=problems,
        next_plan=_plan(next_monday, next_monday + timedelta(days=6)),
        last_plan=_plan(last_monday, last_sunday),
        swaps=swaps,
        absences=absences,
        prio1=prio1,
        missed=_missed(last_monday, last_sunday),
        horizon=horizon,
        duty_bars=duty_bars,
        ack_bars=ack_bars,
        resolve_bars=resolve_bars,
        ticket_days=tickets_per_day_and_channel(start=last_monday, end=last_sunday),
    )


# --- charts as SVG (the page) ---------------------------------------------------------------

SERIES_COLOURS = [(37, 99, 235), (245, 158, 11), (107, 114, 128)]
"""Blue, amber, grey: the same on the page (agenda.css .series-N) and in the PDF."""
SERIES_HEX = ["#{:02x}{:02x}{:02x}".format(*rgb) for rgb in SERIES_COLOURS]


@dataclass(frozen=True)
class SvgBar:
    label: str
    y: int
    text_y: int
    segments: list[tuple[int, int, str, str]]
    """(x, width, css class, fill colour) per series."""
    total: str
    total_x: int


@dataclass(frozen=True)
class SvgChart:
    width: int
    height: int
    bars: list[SvgBar]


def svg_chart(bars: list[Bar], *, width: int = 520, label_width: int = 140, row: int = 22) -> SvgChart:
    """Horizontal stacked bars, drawn with presentation attributes only (CSP: no inline styles)."""
    biggest = max((sum(b.values) for b in bars), default=0) or 1
    scale = (width - label_width - 40) / biggest
    result = []
    for i, bar in enumerate(bars):
        x = label_width
        segments = []
        for series, value in enumerate(bar.values):
            w = round(value * scale)
            segments.append((x, w, f"series-{series}", SERIES_HEX[series % len(SERIES_HEX)]))
            x += w
        y = 4 + i * row
        result.append(
            SvgBar(label=bar.label, y=y, text_y=y + 13, segments=segments, total=str(sum(bar.values)), total_x=x + 4)
        )
    return SvgChart(width=width, height=8 + row * max(len(bars), 1), bars=result)


# --- the PDF ----------------------------------------------------------------------------------


def _latin1(text: object) -> str:
    """The PDF's core fonts speak Latin-1: dashes and arrows are spelled out, anything else becomes '?'."""
    value = str(text).replace("–", "-").replace("—", "-").replace("→", "->").replace("…", "...")
    return value.encode("latin-1", "replace").decode("latin-1")


def _name(user: User | None, labels: dict[str, str]) -> str:
    return user.name if user is not None else labels["open"]


def _when(moment: datetime | None, language: str) -> str:
    if moment is None:
        return "-"
    with translation.override(language):
        return formats.date_format(timezone.localtime(moment), "D d.m. H:i")


def _took(moment: datetime | None, minutes: int | None, language: str, labels: dict[str, str]) -> str:
    return f"{_when(moment, language)} ({'-' if minutes is None else minutes} {labels['minutes']})"


def _day(day: date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(day, "D d.m.Y")


def agenda_pdf(agenda: Agenda, *, language: str, compress: bool = True) -> bytes:
    """One A4 page (more if the week was eventful) with tables and two bar charts."""
    from fpdf import FPDF

    labels = labels_for(language)
    language = "de" if labels is LABELS["de"] else "en"
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_title(_latin1(f"{labels['title']} {labels['week']} {agenda.week_number}/{agenda.week.isocalendar()[0]}"))
    pdf.set_creator("Supportdesk")
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    content_width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)

    def line(text: str) -> None:
        pdf.multi_cell(content_width, 4.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def table(header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        pdf.set_font("Helvetica", "B", 8.5)
        for text, w in zip(header, widths, strict=True):
            pdf.cell(w, 5, _latin1(text), border="B")
        pdf.ln(5)
        pdf.set_font("Helvetica", "", 8.5)
        for row in rows:
            for text, w in zip(row, widths, strict=True):
                pdf.cell(w, 4.6, _latin1(text))
            pdf.ln(4.6)

    def chart(title: str, bars: list[Bar], legend: list[str]) -> None:
        heading(title)
        if not bars:
            line(labels["none"])
            return
        label_w, bar_h, gap = 40.0, 3.6, 1.4
        biggest = max(sum(b.values) for b in bars) or 1
        scale = (content_width - label_w - 12) / biggest
        for bar in bars:
            if pdf.will_page_break(bar_h + gap):
                pdf.add_page()
            y = pdf.get_y()
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(label_w, bar_h, _latin1(bar.label)[:28])
            x = pdf.l_margin + label_w
            for series, value in enumerate(bar.values):
                if value:
                    pdf.set_fill_color(*SERIES_COLOURS[series % len(SERIES_COLOURS)])
                    pdf.rect(x, y + 0.3, value * scale, bar_h - 0.6, style="F")
                    x += value * scale
            pdf.set_xy(x + 1, y)
            pdf.cell(10, bar_h, str(sum(bar.values)))
            pdf.set_y(y + bar_h + gap)
        if len(legend) > 1:
            pdf.ln(1)
            x = pdf.l_margin + label_w
            y = pdf.get_y()
            for series, text in enumerate(legend):
                pdf.set_fill_color(*SERIES_COLOURS[series % len(SERIES_COLOURS)])
                pdf.rect(x, y + 0.8, 3, 3, style="F")
                pdf.set_xy(x + 4, y)
                pdf.cell(38, 4.6, _latin1(text))
                x += 44
            pdf.ln(5)

    year = agenda.week.isocalendar()[0]
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(
        0,
        8,
        _latin1(f"{labels['title']} - {labels['week']} {agenda.week_number}/{year}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    status = labels[agenda.next_status]
    next_number = agenda.next_week.isocalendar()[1]
    heading(f"{labels['next_week']} ({labels['week']} {next_number}, {status})")
    widths = [38.0, 72.0, 72.0]
    table(
        [labels["day"], labels["phone_duty"], labels["standby"]],
        [[_day(p.day, language), _name(p.phone, labels), _name(p.standby, labels)] for p in agenda.next_plan],
        widths,
    )
    for problem in agenda.next_problems:
        line(f"! {problem.get('date', '')} {problem.get('duty', '')}: {problem.get('reason', '')}")

    last_number = agenda.last_week.isocalendar()[1]
    heading(f"{labels['last_week']} ({labels['week']} {last_number})")
    table(
        [labels["day"], labels["phone_duty"], labels["standby"]],
        [[_day(p.day, language), _name(p.phone, labels), _name(p.standby, labels)] for p in agenda.last_plan],
        widths,
    )

    heading(labels["swaps"])
    for s in agenda.swaps:
        kind = labels["swap"] if s.kind == "swap" else labels["takeover"]
        who = s.requester.name if s.requester else labels["sick"]
        taker = s.decided_by.name if s.decided_by else "-"
        line(f"{_day(s.date, language)} {s.duty.name}: {kind}, {who} -> {taker}")
    if not agenda.swaps:
        line(labels["none"])

    heading(labels["absences"])
    for a in agenda.absences:
        kind = (
            labels.get(a.kind, labels["other"])
            if a.kind in (AbsenceKind.SICK, AbsenceKind.VACATION)
            else labels["other"]
        )
        line(f"{a.user.name}: {kind}, {_day(a.start, language)} - {_day(a.end, language)}")
    if not agenda.absences:
        line(labels["none"])

    heading(labels["prio1"])
    if agenda.prio1:
        table(
            [labels["ticket"], labels["opened"], labels["acknowledged"], labels["resolved"]],
            [
                [
                    f"{r.ticket_number} {r.subject}"[:40],
                    _when(r.opened_at, language),
                    _took(r.acknowledged_at, r.minutes_to_ack, language, labels),
                    _took(r.resolved_at, r.minutes_to_resolve, language, labels),
                ]
                for r in agenda.prio1
            ],
            [64.0, 34.0, 42.0, 42.0],
        )
    else:
        line(labels["none"])

    heading(labels["missed"])
    for m in agenda.missed:
        line(f"{_day(m.day, language)}: {m.label(labels)} ({m.who.name if m.who else '-'})")
    if not agenda.missed:
        line(labels["none"])

    chart(
        f"{labels['chart_duties']} ({_day(agenda.horizon[0], language)} - {_day(agenda.horizon[1], language)})",
        agenda.duty_bars,
        [labels["phone_duty"], labels["standby"]],
    )
    chart(
        labels["chart_tickets"],
        ticket_bars(agenda.ticket_days, language=language),
        [labels["channel_phone"], labels["channel_mail"], labels["channel_other"]],
    )
    chart(labels["chart_ack"], agenda.ack_bars, [labels["acknowledged"]])
    chart(labels["chart_resolve"], agenda.resolve_bars, [labels["resolved"]])
    return bytes(pdf.output())
