"""The Prio 1 screens in a real browser (Debian's Chromium through Playwright) against the live server:
the case page shows new entries without a reload, and the phone duty's open app pops a browser
notification for a new case.

Screenshots go to var/screenshots/ so that a person can look at the pages.
"""

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from supportdesk.core.testing.browser import shot
from supportdesk.escalation import services
from supportdesk.escalation.testing import roster_covering_now
from supportdesk.escalation.tests.factories import escalation_of
from supportdesk.tickets.models import Priority
from supportdesk.tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Stands in for the browser's Notification: records what the app shows. Chromium headless has no
# notification centre to look into; the permission is granted to the context as well.
FAKE_NOTIFICATION = """
window.shownNotifications = [];
class RecordingNotification {
  constructor(title, options) {
    window.shownNotifications.push({title: title, body: (options || {}).body, tag: (options || {}).tag});
    this.onclick = null;
  }
  close() {}
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
}
window.Notification = RecordingNotification;
"""


@pytest.fixture
def signed_in(browser, live_server) -> Iterator[object]:
    """``signed_in(user)``: a fresh browser context with notifications allowed, signed in as ``user``."""
    contexts = []

    def open_as(user):
        context = browser.new_context(
            base_url=live_server.url,
            locale="de-DE",
            viewport={"width": 1280, "height": 900},
            permissions=["notifications"],
        )
        contexts.append(context)
        context.add_init_script(FAKE_NOTIFICATION)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def case_roster(pool):
    """Anna holds the technical standby, Bernd the phone duty, whatever the real clock says."""
    return roster_covering_now(standby=pool[0], phone_duty=pool[1], renotify_seconds=600, renotify_count=3)


def test_the_case_page_shows_a_status_update_from_elsewhere_without_a_reload(signed_in, case_roster, pool, coordinator):
    from playwright.sync_api import expect

    anna, bernd = pool[0], pool[1]
    ticket = ticket_create(actor=coordinator, subject="Leitsystem steht", priority=Priority.P1, customer=case_roster)
    escalation = escalation_of(ticket)
    page = signed_in(bernd)  # the phone duty watches the case
    page.goto(escalation.get_absolute_url())
    live = page.locator("#case-live")
    expect(live).to_contain_text("Fall eröffnet")
    expect(live).not_to_contain_text("Ursache gefunden")
    page.evaluate("window.notReloaded = true")

    # The standby posts from her phone (another session): the phone duty's page shows it by itself.
    services.escalation_acknowledge(escalation=escalation, actor=anna, via="test")
    services.escalation_status_update_post(escalation=escalation, actor=anna, text="Ursache gefunden: Platte voll")
    expect(live).to_contain_text("Ursache gefunden: Platte voll", timeout=12_000)  # polled every 5 s
    expect(live.locator(".esc-status")).to_have_text("Quittiert")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#case-live").count() == 1  # swapped in place, not nested
    shot(page, "e01-case-live")


def test_the_phone_duty_gets_a_browser_notification_for_a_new_prio1(signed_in, case_roster, pool, coordinator):
    bernd = pool[1]
    old = ticket_create(actor=coordinator, subject="Alter Fall", priority=Priority.P1, customer=case_roster)
    page = signed_in(bernd)
    with page.expect_response("**/escalation/poll/"):  # the first poll only takes the cursor
        page.goto("/roster/today/")
    assert page.evaluate("Notification.permission") == "granted"

    ticket = ticket_create(actor=coordinator, subject="Kasse steht", priority=Priority.P1, customer=case_roster)
    # Polled every 5 s. (wait_for_function would evaluate a string, which the strict CSP forbids.)
    for _tick in range(120):
        if page.evaluate("window.shownNotifications.length"):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)
    shown = page.evaluate("window.shownNotifications")
    assert len(shown) == 1, shown  # the case from before the page was opened does not pop
    [note] = shown
    assert ticket.number in note["title"] and old.number not in note["title"]
    assert "Kasse steht" in note["body"] and case_roster.name in note["body"]
    assert note["tag"].startswith("prio1-")


def test_an_acknowledgement_made_elsewhere_takes_the_button_away_within_one_poll(
    signed_in, case_roster, pool, coordinator
):
    from playwright.sync_api import expect

    anna, bernd, clara = pool[0], pool[1], pool[2]
    ticket = ticket_create(actor=coordinator, subject="Webshop down", priority=Priority.P1, customer=case_roster)
    escalation = escalation_of(ticket)
    page = signed_in(bernd)
    page.goto(escalation.get_absolute_url())
    box = page.locator("#case-ack")
    button = box.get_by_role("button", name="Ich kümmere mich")
    expect(button).to_be_visible()
    page.evaluate("window.notReloaded = true")

    # Clara's page was opened before the acknowledgement and never hears of it (its polls are cut off).
    stale = signed_in(clara)
    stale.route(
        f"**{escalation.get_absolute_url()}",
        lambda route: route.abort() if route.request.headers.get("hx-request") else route.continue_(),
    )
    stale.goto(escalation.get_absolute_url())

    # Anna acknowledges from the link in her notice.
    services.escalation_acknowledge(escalation=escalation, actor=anna, via="link")
    escalation.refresh_from_db()
    when = timezone.localtime(escalation.acknowledged_at)
    for _tick in range(120):  # polled every 5 s
        if not page.evaluate("document.querySelector('#case-ack form') !== null"):
            break
        page.wait_for_timeout(100)
    expect(button).to_have_count(0)
    expect(box).to_have_text(f"Quittieren Quittiert von {anna.name} um {when:%H:%M}.", use_inner_text=True)
    assert page.locator("#case-ack").count() == 1  # replaced in place, not added
    assert page.evaluate("window.notReloaded") is True
    shot(page, "e02-case-acknowledged-elsewhere")

    # The stale button still answers clearly: the first acknowledgement won, nothing changed.
    stale.locator("#case-ack").get_by_role("button", name="Ich kümmere mich").click()
    stale.wait_for_load_state()
    expect(stale.get_by_text(f"{anna.name} hat diesen Fall bereits um {when:%H:%M:%S} quittiert")).to_be_visible()
    expect(stale.locator("#case-ack form")).to_have_count(0)
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == anna
