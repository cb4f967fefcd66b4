"""The My day page and the Today partial through Django's test client."""

import re
from pathlib import Path

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from supportdesk.handover import selectors, services
from supportdesk.handover.models import ClosingCheck, Handover, ReadinessCheck
from supportdesk.handover.tests.factories import MONDAY, at, triage_mail
from supportdesk.tickets.models import Priority
from supportdesk.tickets.services import intake_check_open, ticket_create

pytestmark = pytest.mark.django_db


def login(client, user, language="de"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["de", "en"])
def test_my_day_renders_for_the_head(client, head, week, language):
    # German strings are not in the catalogue yet (msgids listed for the lead); both languages must render.
    login(client, head, language)
    with time_machine.travel(at(MONDAY, 10), tick=False):
        response = client.get(reverse("handover:my_day"))
    assert response.status_code == 200
    assert "handover-today" in response.text
    assert "End my day" in response.text or language == "de"


def test_login_required(client):
    response = client.get(reverse("handover:my_day"))
    assert response.status_code == 302


def test_end_my_day(client, head, week, anna):
    login(client, head, "en")
    with time_machine.travel(at(MONDAY, 15, 30), tick=False):
        response = client.post(reverse("handover:end_day"), follow=True)
    assert "Handed over" in response.text
    assert Handover.objects.get().to_user == anna


def test_presence_form(client, head, week):
    login(client, head, "en")
    with time_machine.travel(at(MONDAY, 8), tick=False):
        client.post(reverse("handover:presence"), {"state": "leaving", "leaving_at": "14:30"})
        assert selectors.routing_at(now=at(MONDAY, 14, 31)).target == "phone_duty"
        response = client.post(reverse("handover:presence"), {"state": "leaving"})
    assert response.status_code == 400


def test_someone_else_cannot_end_the_day(client, head, week, anna):
    login(client, anna, "en")
    with time_machine.travel(at(MONDAY, 15, 30), tick=False):
        response = client.post(reverse("handover:end_day"), follow=True)
    assert "Only the mailbox head" in response.text
    assert not Handover.objects.exists()


def test_phone_duty_acknowledges_on_the_page_and_by_link(client, head, week, anna):
    handover = services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    login(client, anna, "en")
    with time_machine.travel(at(MONDAY, 15, 35), tick=False):
        page = client.get(reverse("handover:my_day"))
        assert "Acknowledge the hand-over" in page.text
        client.post(reverse("handover:acknowledge", args=[handover.pk]))
    handover.refresh_from_db()
    assert handover.acknowledged_at == at(MONDAY, 15, 35)


def test_ack_link_get_shows_a_button_post_acknowledges(client, head, week, anna):
    handover = services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    with time_machine.travel(at(MONDAY, 15, 30), tick=False):  # the link is signed when the notice goes out
        url = reverse("handover:ack_link", args=[services.ack_token_make(handover=handover)])
    with time_machine.travel(at(MONDAY, 15, 36), tick=False):
        assert client.get(url).status_code == 200
        handover.refresh_from_db()
        assert handover.acknowledged_at is None
        client.post(url)
    handover.refresh_from_db()
    assert handover.acknowledged_at == at(MONDAY, 15, 36)
    assert client.get(reverse("handover:ack_link", args=["forged"])).status_code == 400


def test_standby_checks_in(client, week, bernd):
    login(client, bernd, "en")
    with time_machine.travel(at(MONDAY, 15, 57), tick=False):
        assert "Check in" in client.get(reverse("handover:my_day")).text
        client.post(reverse("handover:readiness"), {"reachable": "on", "computer": "on", "vpn": "on"})
    assert ReadinessCheck.objects.get().ready


def test_phone_duty_confirms_closing(client, week, anna):
    services.closing_request(now=at(MONDAY, 18))
    login(client, anna, "de")
    with time_machine.travel(at(MONDAY, 18, 2), tick=False):
        assert "Anrufbeantworter einschalten." in client.get(reverse("handover:my_day")).text
        client.post(reverse("handover:closing"))
    assert ClosingCheck.objects.get().confirmed_at == at(MONDAY, 18, 2)


def test_today_partial_shows_missed_in_red(head, week):
    html = render_to_string("handover/_today.html", {"day_status": selectors.day_status(at(MONDAY, 18, 20))})
    assert html.count("ho-missed") == 5  # hand-over, check-in, two intake checks, closing
    assert "handover-today" in html


def test_templates_keep_the_strict_csp():
    root = Path(__file__).resolve().parent.parent / "templates" / "handover"
    for path in root.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script|<style|\sstyle=|hx-on", text), path


# --- the live part of the Today page ---------------------------------------------------------


def test_today_live_is_only_the_fragment_for_a_pinned_clock(client, head, week, anna, settings):
    settings.SUPPORTDESK_TODAY_POLL_SECONDS = 7
    triage_mail("Rechnung falsch", now=at(MONDAY, 9, 5))
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    intake_check_open(due_at=at(MONDAY, 16))
    ticket = ticket_create(actor=anna, subject="Kasse steht", priority=Priority.P1, now=at(MONDAY, 16, 10))
    login(client, anna, "en")
    with time_machine.travel(at(MONDAY, 16, 20), tick=False):
        response = client.get(reverse("handover:today_live"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="today-live"')
    assert "<html" not in html and "<body" not in html and "topbar" not in html
    assert 'hx-trigger="every 7s, poll-now"' in html
    # the Prio 1 banner comes along out of band
    assert 'id="today-prio1" class="today-prio1" hx-swap-oob="true"' in html
    assert ticket.number in html and "Kasse steht" in html
    assert "1 mail waiting in triage" in html and "Rechnung falsch" in html
    holds = html[html.index('class="ho-holds"') : html.index("</dl>")]
    assert holds.count("Anna Huber") == 2  # the line and the triage inbox after the hand-over
    assert "no check-in" in holds  # 16:20 is past the check-in's grace
    assert html.count("ho-missed") == 3  # acknowledgement, check-in, the 16:00 intake check
    assert html.count('id="intake-check"') == 1


def test_today_live_before_the_window_has_no_intake_check(client, head, week, anna):
    login(client, anna, "de")
    with time_machine.travel(at(MONDAY, 10), tick=False):
        html = client.get(reverse("handover:today_live")).text
    holds = html[html.index('class="ho-holds"') : html.index("</dl>")]
    assert "Sabine Neumann" in holds
    assert "Wer hat was gerade" in html and "Der Triage-Eingang ist leer." in html  # the app's own catalogue
    assert 'id="intake-check"' not in html
    assert 'class="banner danger prio1-banner"' not in html
    assert "ho-missed" not in html


def test_the_today_page_renders_both_live_regions_once(client, head, week, anna, settings):
    settings.SUPPORTDESK_TODAY_POLL_SECONDS = 12
    ticket = ticket_create(actor=anna, subject="Kasse steht", priority=Priority.P1, now=at(MONDAY, 16, 10))
    login(client, anna, "de")
    with time_machine.travel(at(MONDAY, 16, 20), tick=False):
        html = client.get(reverse("roster:today")).text
    assert html.count('id="today-prio1"') == 1 and html.count('id="today-live"') == 1
    assert "hx-swap-oob" not in html  # only the polled answer swaps out of band
    assert html.index('id="today-prio1"') < html.index(ticket.number) < html.index('id="today-live"')
    assert 'hx-get="/handover/today/live/"' in html and 'hx-trigger="every 12s, poll-now"' in html
    assert "handover/live.js" in html


def test_today_live_needs_a_login(client):
    assert client.get(reverse("handover:today_live")).status_code == 302


def test_my_day_polls_its_timeline(client, head, week, anna, settings):
    settings.SUPPORTDESK_TODAY_POLL_SECONDS = 9
    login(client, anna, "en")
    with time_machine.travel(at(MONDAY, 16, 20), tick=False):
        page = client.get(reverse("handover:my_day")).text
        fragment = client.get(reverse("handover:my_day"), headers={"HX-Request": "true"}).text
    assert 'id="my-day-live" hx-get="/handover/" hx-trigger="every 9s, poll-now"' in page
    assert fragment.lstrip().startswith('<section id="handover-today"')
    assert "<html" not in fragment and "csrfmiddlewaretoken" not in fragment
    assert fragment.count("ho-missed") == 3  # no hand-over by 16:00, no check-in by 16:05, no 16:00 intake check


# --- what saving the presence did (R22) --------------------------------------------------------


def saved_message(client, data, now):
    with time_machine.travel(now, tick=False):
        response = client.post(reverse("handover:presence"), data, follow=True)
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert message in response.text.replace("&#x27;", "'")  # shown on the page it lands on
    return message


AWAY_TO_PHONE_DUTY = {
    "de": "Gespeichert. Sie sind heute abwesend. Support-Telefon, Triage und Ticketeingang sind an Anna Huber "
    "(heutiger Telefondienst, benachrichtigt) übergegangen.",
    "en": "Saved. You are away today. The support line, the triage inbox and the ticket intake went to Anna Huber, "
    "today's phone duty (notified).",
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_away_says_who_took_over(client, head, week, anna, language):
    login(client, head, language)
    assert saved_message(client, {"state": "away"}, at(MONDAY, 10)) == AWAY_TO_PHONE_DUTY[language]
    assert Handover.objects.get().to_user == anna


LEAVING_PASSED = {
    "de": "Gespeichert. Sie gehen um 09:30 – diese Zeit ist schon vorbei. Support-Telefon, Triage und Ticketeingang "
    "sind an Anna Huber (heutiger Telefondienst, benachrichtigt) übergegangen.",
    "en": "Saved. Your leaving time 09:30 has passed. The support line, the triage inbox and the ticket intake went "
    "to Anna Huber, today's phone duty (notified).",
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_leaving_time_already_past_says_who_took_over(client, head, week, anna, language):
    login(client, head, language)
    message = saved_message(client, {"state": "leaving", "leaving_at": "09:30"}, at(MONDAY, 10))
    assert message == LEAVING_PASSED[language]
    assert Handover.objects.get().reason == "leaving"


AWAY_TO_COORDINATOR = {
    "de": "Gespeichert. Sie sind heute abwesend. Support-Telefon, Triage und Ticketeingang sind an Horst Schreiber "
    "(Koordination, benachrichtigt) übergegangen, da für heute kein Telefondienst veröffentlicht ist.",
    "en": "Saved. You are away today. The support line, the triage inbox and the ticket intake went to Horst "
    "Schreiber as coordinator, since no phone duty is published for today (notified).",
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_away_without_published_phone_duty_names_the_coordinator(client, head, pool, coordinator, language):
    login(client, head, language)
    assert saved_message(client, {"state": "away"}, at(MONDAY, 10)) == AWAY_TO_COORDINATOR[language]
    assert Handover.objects.get().to_user == coordinator


AWAY_TO_NOBODY = {
    "de": "Gespeichert. Sie sind heute abwesend. Niemand konnte übernehmen (kein Telefondienst für heute "
    "veröffentlicht, keine Koordination anwesend): Das Support-Telefon geht auf den Anrufbeantworter.",
    "en": "Saved. You are away today. Nobody could take over (no phone duty published for today, no coordinator "
    "present): the support line goes to voicemail.",
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_away_with_nobody_to_take_over_says_so(client, head, language):
    login(client, head, language)
    assert saved_message(client, {"state": "away"}, at(MONDAY, 10)) == AWAY_TO_NOBODY[language]
    assert Handover.objects.get().to_user is None


ALREADY = {
    "de": "Ihre Anwesenheit wurde gespeichert. Die heutige Übergabe war bereits um 09:15; sie bleibt, wie sie ist.",
    "en": "Your presence is saved. Today's hand-over happened already at 09:15; it stays as it was.",
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_presence_after_the_hand_over_says_it_stays(client, head, week, anna, language):
    services.handover_perform(actor=head, now=at(MONDAY, 9, 15))
    login(client, head, language)
    assert saved_message(client, {"state": "away"}, at(MONDAY, 10)) == ALREADY[language]
    assert Handover.objects.get().reason == "end_of_day"


@pytest.mark.parametrize(
    ("data", "language", "expected"),
    [
        ({"state": "present"}, "en", "Your presence is saved."),
        ({"state": "leaving", "leaving_at": "14:30"}, "de", "Ihre Anwesenheit wurde gespeichert."),
    ],
)
def test_presence_without_hand_over_only_says_saved(client, head, week, data, language, expected):
    login(client, head, language)
    assert saved_message(client, data, at(MONDAY, 10)) == expected
    assert not Handover.objects.exists()
