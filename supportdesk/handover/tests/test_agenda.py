"""The weekly meeting's agenda (R9): the page, the PDF in German and English, the charts."""

from datetime import timedelta

import pytest

from supportdesk.escalation import services as escalation_services
from supportdesk.escalation.models import Escalation
from supportdesk.handover import agenda, services
from supportdesk.handover.tests.factories import MONDAY, at
from supportdesk.roster import services as roster_services
from supportdesk.roster.models import AbsenceKind
from supportdesk.tickets.models import Priority
from supportdesk.tickets.services import ticket_create

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
    assert {"handover", "readiness", "closing"} <= {m.step for m in data.missed}
    bars = {b.label: b.values for b in data.duty_bars}
    assert bars[anna.name] == (3, 2) and bars[bernd.name] == (2, 3)
    assert [b.values for b in data.ack_bars] == [(7,)]


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
