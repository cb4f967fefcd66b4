"""The weekly meeting's agenda (R9): the page, the PDF in German and English, the charts."""

from datetime import timedelta

import pytest

from supportdesk.escalation import services as escalation_services
from supportdesk.escalation.models import Escalation
from supportdesk.handover import agenda, services
from supportdesk.handover.tests.factories import MONDAY, at
from supportdesk.roster import services as roster_services
from supportdesk.roster.models import AbsenceKind
from supportdesk.tickets.models import Channel, Priority
from supportdesk.tickets.services import intake_check_done, intake_check_open, ticket_create

pytestmark = pytest.mark.django_db

MEETING = "2026-W51"
"""The jour fixe in the week after MONDAY's: it reviews week 50 and plans week 52."""


@pytest.fixture
def eventful_week(head, week, anna, bernd, pool, coordinator):
    """Week 50: a Prio 1 acknowledged after 7 minutes, Clara sick on Friday, one proper day (Monday)."""
    handover = services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    services.handover_acknowledge(handover=handover, actor=anna, now=at(MONDAY, 15, 32))
    services.readiness_checkin(actor=bernd, reachable=True, computer=True, vpn=True, now=at(MONDAY, 15, 58))
    services.closing_request(now=at(MONDAY, 18))
    services.closing_confirm(actor=anna, now=at(MONDAY, 18, 3))
    for hour in (16, 17):
        check = intake_check_open(due_at=at(MONDAY, hour))
        intake_check_done(check=check, actor=anna, now=at(MONDAY, hour, 4))
    ticket = ticket_create(actor=anna, subject="Kasse steht", priority=Priority.P1, now=at(MONDAY, 16, 20))
    escalation = Escalation.objects.get(case__ticket=ticket)
    escalation_services.escalation_acknowledge(escalation=escalation, actor=bernd, now=at(MONDAY, 16, 27))
    escalation_services.escalation_resolve(escalation=escalation, actor=bernd, summary="ok", now=at(MONDAY, 17, 7))
    friday = MONDAY + timedelta(days=4)
    roster_services.absence_create(
        actor=coordinator, user=pool[2], kind=AbsenceKind.SICK, start=friday, end=friday, now=at(MONDAY, 9)
    )
    return ticket


def test_week_parse():
    assert agenda.week_parse("2026-W51") == MONDAY + timedelta(weeks=1)
    assert agenda.week_label(MONDAY) == "2026-W50"
    for bad in ("2026-51", "2026-W54", "x"):
        with pytest.raises(agenda.InvalidWeek):
            agenda.week_parse(bad)


def test_agenda_collects_the_week(eventful_week, anna, bernd):
    data = agenda.agenda_build(week=agenda.week_parse(MEETING))
    assert data.last_week == MONDAY
    assert [(p.phone, p.standby) for p in data.last_plan][:2] == [(anna, bernd), (bernd, anna)]
    assert data.next_status == "not_drafted"
    [row] = data.prio1
    assert (row.ticket_number, row.minutes_to_ack, row.minutes_to_resolve, row.acknowledged_by) == (
        eventful_week.number,
        7,
        47,
        bernd,
    )
    assert [a.kind for a in data.absences] == ["sick"]
    missed_days = {m.day for m in data.missed}
    assert MONDAY not in missed_days
    assert MONDAY + timedelta(days=1) in missed_days
    assert {"handover", "readiness", "closing", "intake"} <= {m.step for m in data.missed}
    tuesday_intake = [m for m in data.missed if m.day == MONDAY + timedelta(days=1) and m.step == "intake"]
    assert [m.label(agenda.labels_for("de")) for m in tuesday_intake] == [
        "Prio-1-Eingangsprüfung 16:00",
        "Prio-1-Eingangsprüfung 17:00",
    ]
    bars = {b.label: b.values for b in data.duty_bars}
    assert bars[anna.name] == (3, 2) and bars[bernd.name] == (2, 3)
    assert [b.values for b in data.ack_bars] == [(7,)]
    assert [(b.label, b.values) for b in data.resolve_bars] == [(eventful_week.number, (47,))]


def test_the_page_is_one_printable_page_with_svg_charts(client, coordinator, eventful_week):
    client.force_login(coordinator)
    response = client.get("/handover/agenda/", {"week": MEETING})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tagesordnung Jour fixe" in html
    assert "handover/agenda.css" in html
    assert "<svg" in html and "<rect" in html
    assert "Anna Huber" in html and eventful_week.number in html
    main = html[html.index('class="ag-head"') :]
    assert "style=" not in main  # CSP: no inline styles, SVG uses presentation attributes
    english = client.get("/handover/agenda/", {"week": MEETING, "lang": "en"}).content.decode()
    assert "Weekly meeting agenda" in english and "Next week&#x27;s plan" in english


def test_print_stylesheet_hides_the_navigation():
    from django.contrib.staticfiles import finders

    css = open(finders.find("handover/agenda.css"), encoding="utf-8").read()  # noqa: SIM115
    assert "@media print" in css and ".topbar" in css


def test_a_bad_week_is_a_400(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/handover/agenda/", {"week": "2026-53x"}).status_code == 400
    assert client.get("/handover/agenda.pdf", {"week": "W1"}).status_code == 400


def test_the_agenda_needs_a_login(client):
    assert client.get("/handover/agenda/").status_code == 302


@pytest.mark.parametrize(
    "language, title", [("de", b"Tagesordnung Jour fixe - KW 51/2026"), ("en", b"Weekly meeting agenda - Week 51/2026")]
)
def test_the_pdf_in_each_language(eventful_week, language, title):
    data = agenda.agenda_build(week=agenda.week_parse(MEETING))
    pdf = agenda.agenda_pdf(data, language=language, compress=False)
    assert pdf.startswith(b"%PDF")
    assert title in pdf
    assert eventful_week.number.encode() in pdf
    assert (b"Rufbereitschaft" if language == "de" else b"Technical standby") in pdf


def test_the_pdf_view(client, coordinator, eventful_week):
    client.force_login(coordinator)
    response = client.get("/handover/agenda.pdf", {"week": MEETING, "lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="agenda-2026-W51.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_an_empty_week_renders_too(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/handover/agenda/", {"week": "2027-W02"}).status_code == 200
    pdf = agenda.agenda_pdf(agenda.agenda_build(week=agenda.week_parse("2027-W02")), language="de", compress=False)
    assert b"Keine." in pdf


def test_tickets_per_day_and_channel_count_the_local_day(db, anna):
    tuesday = MONDAY + timedelta(days=1)
    for channel, moment in [
        (Channel.PHONE, at(MONDAY, 9)),
        (Channel.PHONE, at(MONDAY, 16, 30)),
        (Channel.MAIL, at(MONDAY, 23, 50)),
        (Channel.MAIL, at(tuesday, 0, 30)),  # Monday 23:30 UTC: Tuesday in Berlin
        (Channel.WEB, at(tuesday, 11)),
        (Channel.API, at(tuesday, 12)),
        (Channel.MAIL, at(MONDAY + timedelta(days=5), 10)),  # Saturday: mail does not rest
        (Channel.PHONE, at(MONDAY + timedelta(days=7), 0, 10)),  # the next Monday: not in this week
    ]:
        ticket_create(actor=anna, subject=f"{channel} {moment:%H:%M}", channel=channel, now=moment)
    days = agenda.tickets_per_day_and_channel(start=MONDAY, end=MONDAY + timedelta(days=6))
    assert [d.day for d in days] == [MONDAY + timedelta(days=i) for i in range(7)]
    assert [d.values for d in days] == [(2, 1, 0), (0, 1, 2), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 1, 0), (0, 0, 0)]
    bars = agenda.ticket_bars(days, language="de")
    assert (bars[0].label, bars[0].values) == ("Mo 07.12.", (2, 1, 0))
    assert agenda.ticket_bars(days, language="en")[1].label == "Tue 08.12."
    # the meeting a week later reviews exactly these days
    data = agenda.agenda_build(week=agenda.week_parse(MEETING))
    assert data.ticket_days == days


def test_unacknowledged_and_open_cases_draw_no_bar(db, anna, bernd, week):
    ticket_create(actor=anna, subject="Kasse steht", priority=Priority.P1, now=at(MONDAY, 16, 20))
    data = agenda.agenda_build(week=agenda.week_parse(MEETING))
    assert len(data.prio1) == 1
    assert data.ack_bars == [] and data.resolve_bars == []


def test_svg_chart_stacks_the_series_in_their_colours():
    chart = agenda.svg_chart([agenda.Bar("Mo", (2, 1, 1)), agenda.Bar("Di", (0, 0, 2))], width=340, label_width=40)
    first, second = chart.bars
    assert [(w, fill) for _x, w, _cls, fill in first.segments] == [(130, "#2563eb"), (65, "#f59e0b"), (65, "#6b7280")]
    assert [x for x, *_ in first.segments] == [40, 170, 235]
    assert (first.total, second.total) == ("4", "2")
    assert second.segments[2][:2] == (40, 130)


def test_the_page_shows_the_tickets_chart_in_both_languages(client, coordinator, eventful_week, anna):
    ticket_create(actor=anna, subject="Anruf", channel=Channel.PHONE, now=at(MONDAY, 16, 40))
    client.force_login(coordinator)
    german = client.get("/handover/agenda/", {"week": MEETING, "lang": "de"}).content.decode()
    section = german[german.index('id="ag-tickets"') :]
    section = section[: section.index("</section>")]
    assert "Tickets je Tag und Kanal (KW 50)" in section
    assert section.count("<text") == 14  # a label and a total for each of the seven days
    assert "Mo 07.12." in section and 'fill="#2563eb"' in section
    assert "Telefon" in section and "E-Mail" in section and "Sonstige (Web, API)" in section
    assert "Prio 1: Minuten bis zur Lösung" in german
    english = client.get("/handover/agenda/", {"week": MEETING, "lang": "en"}).content.decode()
    assert "Tickets per day and channel (Week 50)" in english and "Mon 07.12." in english
    assert "Prio 1: minutes to resolve" in english
    assert german.count("<table") == 3  # two plans and the Prio 1 table, each once


@pytest.mark.parametrize(
    "language, texts",
    [
        # PDF strings: parentheses escaped, Latin-1 bytes
        ("de", [b"(Tickets je Tag und Kanal)", rb"(Sonstige \(Web, API\))", b"bis zur L\xf6sung)", b"(Mo 07.12.)"]),
        (
            "en",
            [
                b"(Tickets per day and channel)",
                rb"(Other \(web, API\))",
                b"(Prio 1: minutes to resolve)",
                b"(Mon 07.12.)",
            ],
        ),
    ],
)
def test_the_pdf_has_the_new_charts_in_each_language(eventful_week, anna, language, texts):
    ticket_create(actor=anna, subject="Anruf", channel=Channel.PHONE, now=at(MONDAY, 16, 40))
    data = agenda.agenda_build(week=agenda.week_parse(MEETING))
    pdf = agenda.agenda_pdf(data, language=language, compress=False)
    for text in texts:
        assert text in pdf, text
    # the tickets chart's bars are filled rectangles: grey (web, only in this chart) and blue (phone)
    assert b"0.4196 0.4471 0.502 rg" in pdf
    assert b"0.1451 0.3882 0.9216 rg" in pdf
