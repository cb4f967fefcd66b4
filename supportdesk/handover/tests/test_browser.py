"""The day's flow in a real browser (Debian's Chromium through Playwright) against the live server:
the Today page updates itself, and the pages the standby needs on the road fit a phone.

Screenshots go to var/screenshots/ so that a person can look at the pages.
"""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from supportdesk.core.testing.browser import log_in, shot
from supportdesk.escalation import services as escalation_services
from supportdesk.escalation.models import Escalation, EscalationStatus
from supportdesk.handover import services
from supportdesk.handover.models import Handover
from supportdesk.handover.tests.factories import MONDAY, at, triage_mail
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets.models import Priority
from supportdesk.tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_the_today_page_updates_itself(page, head, week, anna, settings, csp_violations):
    from playwright.sync_api import expect

    settings.SUPPORTDESK_TODAY_POLL_SECONDS = 1
    with time_machine.travel(at(MONDAY, 15, 20), tick=True):
        log_in(page, "anna")
        live = page.locator("#today-live")
        holds = live.locator(".ho-holds")
        expect(holds).to_contain_text("Sabine Neumann")
        expect(page.locator(".prio1-banner")).to_have_count(0)
        expect(live).to_contain_text("Der Triage-Eingang ist leer.")
        page.evaluate("window.notReloaded = true")

        # Nothing new: the polls (one a second) leave the region alone, so focus and screen readers are not disturbed.
        with page.expect_response("**/handover/today/live/"):
            pass
        page.wait_for_timeout(300)
        page.evaluate("document.getElementById('today-live').dataset.untouched = 'yes'")
        page.wait_for_timeout(2500)
        assert page.evaluate("document.getElementById('today-live').dataset.untouched") == "yes"

        # A hidden tab does not poll; showing it again polls at once.
        polls: list[str] = []
        page.on("request", lambda r: polls.append(r.url) if "/handover/today/live/" in r.url else None)
        page.evaluate("Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})")
        page.wait_for_timeout(2500)
        assert polls == []
        with page.expect_request("**/handover/today/live/", timeout=500):
            page.evaluate(
                "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
                "document.dispatchEvent(new Event('visibilitychange'))"
            )

        # Changes made elsewhere appear without a reload.
        ticket = ticket_create(actor=anna, subject="Kasse steht", priority=Priority.P1, now=timezone.now())
        triage_mail("Bitte um Rückruf", now=timezone.now())
        services.handover_perform(actor=head, now=timezone.now())
        expect(page.locator("#today-prio1 .prio1-banner")).to_contain_text(ticket.number, timeout=10_000)
        expect(live).to_contain_text("Bitte um Rückruf", timeout=10_000)
        expect(holds).not_to_contain_text("Sabine Neumann", timeout=10_000)
        expect(holds).to_contain_text(anna.name)
        expect(live.locator("#handover-today")).to_contain_text("Übergeben")
        assert page.evaluate("window.notReloaded") is True
        assert page.locator("#today-live").count() == 1 and page.locator("#today-prio1").count() == 1
        shot(page, "h01-today-live")


def fits_the_phone(page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: the page is {width[0]} px wide on a {width[1]} px screen"


def tappable(button) -> None:
    """Visible, in the screen's width, big enough for a thumb, and nothing covers it (a trial click)."""
    button.scroll_into_view_if_needed()
    assert button.is_visible() and button.is_enabled()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 40, box
    button.click(trial=True)


def test_the_standby_on_the_road_at_phone_width(browser, live_server, head, week, anna, bernd):
    """Every page the standby (or the phone duty) needs away from the desk, at 390x844 in German."""
    # Wednesday: the next week is planned as well, so My duties has rows in both tables.
    wednesday = MONDAY + timedelta(days=2)
    make_week(MONDAY + timedelta(weeks=1), alternating(anna, bernd), published=True)
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport=PHONE)
    page = context.new_page()
    try:
        with time_machine.travel(at(wednesday, 16, 10), tick=True):
            ticket = ticket_create(
                actor=anna,
                subject="Kassensystem im Markt Nord steht komplett – keine Buchungen möglich",
                priority=Priority.P1,
                now=timezone.now(),
            )
            escalation = Escalation.objects.get(case__ticket=ticket)
            ack_url = reverse(
                "escalation:ack_link", args=[escalation_services.ack_token_make(escalation=escalation, user=bernd)]
            )
            handover = services.handover_perform(actor=head, now=timezone.now())
            handover_url = reverse("handover:ack_link", args=[services.ack_token_make(handover=handover)])

            page.goto(reverse("accounts:login"))
            fits_the_phone(page)
            tappable(page.get_by_role("button", name="Anmelden"))
            shot(page, "h10-phone-login")

            # From the notice, without a session: acknowledge the hand-over and the Prio 1 case.
            page.goto(handover_url)
            fits_the_phone(page)
            shot(page, "h11-phone-handover-ack")
            button = page.get_by_role("button", name="Übergabe quittieren")
            tappable(button)
            button.click()
            page.wait_for_load_state()
            assert page.get_by_role("status").is_visible()
            fits_the_phone(page)

            page.goto(ack_url)
            fits_the_phone(page)
            shot(page, "h12-phone-prio1-ack")
            tappable(page.get_by_role("button", name="Ich kümmere mich"))

            # With a session: the case page, Today, the roster.
            log_in(page, "bernd")
            pages = [
                ("h13-phone-case", reverse("escalation:detail", args=[escalation.pk])),
                ("h14-phone-today", reverse("roster:today")),
                ("h15-phone-week", reverse("roster:week")),
                ("h16-phone-my-duties", reverse("roster:my_duties")),
                ("h17-phone-requests", reverse("roster:requests")),
                ("h18-phone-my-day", reverse("handover:my_day")),
                ("h19-phone-prio1-list", reverse("escalation:list")),
            ]
            for name, url in pages:
                page.goto(url)
                fits_the_phone(page)
                shot(page, name)
                if name == "h13-phone-case":
                    # "I am on it" is the first thing under the title on a phone.
                    button = page.get_by_role("button", name="Ich kümmere mich")
                    tappable(button)
                    status = page.locator("#case-live")
                    assert button.bounding_box()["y"] < status.bounding_box()["y"]
                if name == "h16-phone-my-duties":
                    row = page.locator("table.stack tbody tr").first
                    assert row.locator("td").first.evaluate("e => getComputedStyle(e).display") == "block"

            # The acknowledgement from the notice's link works at phone width too.
            page.goto(ack_url)
            page.get_by_role("button", name="Ich kümmere mich").click()
            page.wait_for_load_state()
            fits_the_phone(page)
            shot(page, "h20-phone-prio1-acked")
    finally:
        context.close()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_by == bernd
    assert Handover.objects.get(pk=handover.pk).acknowledged_at is not None
