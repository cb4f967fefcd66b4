"""The case page (live timeline), the acknowledgement button, the signed link and the API."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from supportdesk.escalation import services
from supportdesk.escalation.models import EscalationStatus, EventKind
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalation(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    return escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))


def test_case_page_polls_its_timeline_every_five_seconds(client, escalation, pool):
    client.force_login(pool[1])
    services.escalation_status_update_post(escalation=escalation, actor=pool[0], text="Schaue mir die Logs an")
    page = client.get(reverse("escalation:detail", args=[escalation.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'hx-trigger="every 5s, poll-now"' in html and "data-poll-visible" in html
    assert "Schaue mir die Logs an" in html
    assert "<script>" not in html
    part = client.get(reverse("escalation:detail", args=[escalation.pk]), headers={"HX-Request": "true"})
    assert part.content.decode().lstrip().startswith('<section id="case-live"')


def test_the_poll_takes_the_button_away_once_someone_acknowledged_elsewhere(client, escalation, pool):
    """The acknowledge box sits outside the live region; the poll's answer replaces it out of band."""
    client.force_login(pool[1])
    url = reverse("escalation:detail", args=[escalation.pk])
    before = client.get(url, headers={"HX-Request": "true"}).content.decode()
    box = before[before.index('<section id="case-ack"') :]
    assert box.startswith(
        '<section id="case-ack" class="card esc-ack-box" aria-labelledby="ack-head" hx-swap-oob="true">'
    )
    assert reverse("escalation:acknowledge", args=[escalation.pk]) in box and "Ich kümmere mich" in box

    services.escalation_acknowledge(escalation=escalation, actor=pool[0], via="link")  # from the notice's link
    escalation.refresh_from_db()
    after = client.get(url, headers={"HX-Request": "true"}).content.decode()
    box = after[after.index('<section id="case-ack"') :]
    assert 'hx-swap-oob="true"' in box
    assert reverse("escalation:acknowledge", args=[escalation.pk]) not in after
    when = timezone.localtime(escalation.acknowledged_at).strftime("%H:%M")
    assert f"Quittiert von {pool[0].name} um {when}." in box
    # The full page says the same in the same place (and is not marked out of band).
    page = client.get(url).content.decode()
    assert '<section id="case-ack" class="card esc-ack-box" aria-labelledby="ack-head">' in page
    assert f"Quittiert von {pool[0].name} um {when}." in page


def test_a_stale_button_says_who_was_first_and_changes_nothing(client, escalation, pool):
    """Someone clicks "I am on it" on a page loaded before another person acknowledged."""
    services.escalation_acknowledge(escalation=escalation, actor=pool[0], via="api")
    client.force_login(pool[2])
    response = client.post(reverse("escalation:acknowledge", args=[escalation.pk]), follow=True)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_by == pool[0]
    [message] = [str(m) for m in response.context["messages"]]
    when = timezone.localtime(escalation.acknowledged_at).strftime("%H:%M:%S")
    assert message == f"{pool[0].name} hat diesen Fall bereits um {when} quittiert; nichts geändert."
    assert f"{pool[0].name} hat diesen Fall bereits um {when} quittiert" in response.content.decode()
    assert escalation.events.filter(kind=EventKind.ACK_IGNORED, actor=pool[2]).count() == 1


def test_button_acknowledges_and_entries_and_resolve(client, escalation, pool):
    client.force_login(pool[0])
    client.post(reverse("escalation:acknowledge", args=[escalation.pk]))
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_by == pool[0]
    client.post(reverse("escalation:status_update", args=[escalation.pk]), {"text": "Ursache gefunden"})
    client.post(reverse("escalation:phone_call", args=[escalation.pk]), {"text": "Kunde angerufen"})
    client.post(reverse("escalation:resolve", args=[escalation.pk]), {"summary": "Platte voll, aufgeräumt"})
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.case.ticket.status == Status.RESOLVED
    kinds = list(escalation.events.values_list("kind", flat=True))
    assert {EventKind.STATUS_UPDATE, EventKind.PHONE_CALL, EventKind.RESOLVED} <= set(kinds)
    page = client.get(reverse("escalation:detail", args=[escalation.pk])).content.decode()
    assert "every 5s" not in page and "Platte voll" in page


def test_ack_link_get_asks_post_acknowledges_reuse_is_explained(client, escalation, pool):
    url = reverse("escalation:ack_link", args=[services.ack_token_make(escalation=escalation, user=pool[0])])
    # The page asks with a POST form (its button text depends on the active translation).
    assert '<form method="post">' in client.get(url).content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACTIVE  # a link scanner's GET changes nothing
    client.post(url)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_by == pool[0]
    again = client.post(url).content.decode()
    assert "hat diesen Fall bereits" in again and "quittiert; nichts geändert" in again
    assert escalation.events.filter(kind=EventKind.ACK_IGNORED).count() == 1


def test_forged_link_is_refused_clearly(client, escalation, pool):
    token = services.ack_token_make(escalation=escalation, user=pool[0])
    response = client.get(reverse("escalation:ack_link", args=[token[:-3] + "xyz"]))
    assert response.status_code == 400
    assert "Dieser Quittierungslink ist ungültig" in response.content.decode()


def test_expired_link_is_refused_clearly(client, escalation, pool):
    token = services.ack_token_make(escalation=escalation, user=pool[0])
    with time_machine.travel(timedelta(hours=13)):
        response = client.post(reverse("escalation:ack_link", args=[token]))
    assert response.status_code == 400
    assert "Dieser Quittierungslink ist abgelaufen (Links gelten 12 Stunden)" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACTIVE


def test_api_acknowledge_first_wins_then_conflict(escalation, pool):
    api = APIClient()
    api.force_authenticate(pool[0])
    first = api.post(f"/api/v1/escalations/{escalation.pk}/acknowledge")
    assert first.status_code == 200 and first.json()["accepted"] is True
    api.force_authenticate(pool[2])
    second = api.post(f"/api/v1/escalations/{escalation.pk}/acknowledge", headers={"Accept-Language": "en"})
    assert second.status_code == 409
    assert second.json()["acknowledged_by"] == pool[0].username and "already" in second.json()["detail"]
    assert api.post("/api/v1/escalations/999999/acknowledge").status_code == 404


def test_the_ack_link_page_speaks_the_language_of_the_person_it_was_made_for(client, escalation, pool):
    anna, clara = pool[0], pool[2]
    clara.language = "en"
    clara.save()
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    german = client.get(
        reverse("escalation:ack_link", args=[services.ack_token_make(escalation=escalation, user=anna)]),
        headers=english_browser,
    )
    assert "Als Anna Huber quittieren" in german.content.decode() and german["Content-Language"] == "de"
    url = reverse("escalation:ack_link", args=[services.ack_token_make(escalation=escalation, user=clara)])
    assert "Acknowledge as Clara Schmid" in client.get(url, headers={"Accept-Language": "de"}).content.decode()
    done = client.post(url, headers={"Accept-Language": "de"}).content.decode()
    assert "Acknowledged: the escalation stops." in done  # the service's message in Clara's language too
    client.cookies["django_language"] = "de"  # a language the reader chose wins
    assert "bereits" in client.get(url).content.decode()


def _contacts(html: str) -> str:
    start = html.index('<ul class="plain esc-contacts"')
    return html[start : html.index("</ul>", start)]


def test_case_page_gives_the_standby_and_the_phone_duty_as_tel_links(client, escalation, pool, coordinator):
    """R16: the standby's number (their mobile, as on the Today page's duty card) next to their name,
    the phone duty's office number next to theirs; in the live part, so a swap shows on the next poll."""
    anna, bernd = pool[0], pool[1]
    anna.mobile, anna.office_phone = "0171 2345678", "0941 555-0101"
    anna.save(update_fields=["mobile", "office_phone"])
    bernd.office_phone = "0941 555-0100"
    bernd.save(update_fields=["office_phone"])
    client.force_login(bernd)
    url = reverse("escalation:detail", args=[escalation.pk])
    with time_machine.travel(TUESDAY_1630 + timedelta(minutes=2), tick=False):
        page = _contacts(client.get(url).content.decode())
        live = client.get(url, headers={"HX-Request": "true"}).content.decode()
    standby, phone = page.split('<li class="esc-contact ')[1:]
    assert "Anna Huber" in standby and 'href="tel:+491712345678"' in standby and "0171 2345678" in standby
    assert "0941 555-0101" not in standby  # the standby's duty needs the mobile
    assert "Bernd Maier" in phone and 'href="tel:+499415550100"' in phone
    assert _contacts(live) == page

    # Whoever acknowledged, when not on duty, is listed with their number too.
    coordinator.mobile = "0160 9876543"
    coordinator.save(update_fields=["mobile"])
    services.escalation_acknowledge(escalation=escalation, actor=coordinator, via="test")
    with time_machine.travel(TUESDAY_1630 + timedelta(minutes=3), tick=False):
        page = _contacts(client.get(url).content.decode())
    assert "Horst Schreiber" in page.split('<li class="esc-contact ')[3] and 'href="tel:+491609876543"' in page

    # Saturday has no window: nobody is on duty, so no duty holder is offered.
    with time_machine.travel(TUESDAY_1630 + timedelta(days=4), tick=False):
        html = client.get(url).content.decode()
    assert "Anna Huber" not in _contacts(html) and "Horst Schreiber" in _contacts(html)


def test_case_page_says_when_the_standby_has_no_number(client, escalation, pool):
    pool[0].mobile = ""
    pool[0].save(update_fields=["mobile"])
    client.force_login(pool[1])
    with time_machine.travel(TUESDAY_1630, tick=False):
        page = _contacts(client.get(reverse("escalation:detail", args=[escalation.pk])).content.decode())
    standby = page.split('<li class="esc-contact ')[1]
    # Anna has an office number, but the standby is reached on the mobile, which she has not given.
    assert pool[0].office_phone and not pool[0].mobile
    assert "Anna Huber" in standby and "keine Nummer hinterlegt" in standby and "tel:" not in standby
