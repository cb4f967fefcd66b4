"""The triage page driven by the keyboard in a real browser (Debian's Chromium through Playwright)."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from supportdesk.mailbox import services
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox, OutboundMail, OutboundStatus
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
SCREENSHOTS = Path(django_settings.BASE_DIR).parent / "var" / "screenshots"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


@pytest.fixture
def csp_violations(page) -> Iterator[list[str]]:
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield found
    assert found == []


@pytest.fixture
def three_mails(transactional_db) -> list[InboundMail]:
    mailbox = Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")
    return services.mails_ingest(mailbox=mailbox, items=[(None, make_mail(n)) for n in (1, 2, 3)])


def current_id(page) -> str:
    return page.locator(".triage-mail.is-current").get_attribute("id") or ""


def test_triage_by_keyboard_with_undo(page, coordinator, agent, three_mails, csp_violations):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Benutzername").fill("horst")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/roster/today/")
    page.goto(reverse("mailbox:triage"))
    newest, middle, oldest = (f"mail-{m.pk}" for m in reversed(three_mails))

    # j/k and the arrows move between the mails
    assert current_id(page) == newest
    page.keyboard.press("j")
    assert current_id(page) == middle
    page.keyboard.press("ArrowDown")
    assert current_id(page) == oldest
    page.keyboard.press("k")
    assert current_id(page) == middle

    # ? shows the help, Escape closes it
    page.keyboard.press("?")
    help_box = page.locator("#triage-help")
    assert help_box.is_visible()
    assert help_box.get_by_text("Ticket erstellen (die ausgewählten Mails, sonst diese)").is_visible()
    page.keyboard.press("Escape")
    assert not help_box.is_visible()

    # t turns the current mail into a ticket; the toast offers the undo
    page.keyboard.press("t")
    toast = page.locator("#triage-toast")
    toast.wait_for()
    ticket = Ticket.objects.get()
    assert f"Ticket {ticket.number} erstellt." in toast.inner_text()
    assert re.search(r"Rückgängig\s*\(\d+ s\)", toast.inner_text())
    assert page.locator(".triage-mail").count() == 2
    # z undoes it: the ticket is gone, the mail is back
    page.keyboard.press("z")
    page.get_by_text("Rückgängig gemacht: Die Mail wartet wieder in der Triage.").wait_for()
    assert page.locator(".triage-mail").count() == 3
    assert not Ticket.objects.exists()

    # r goes to the answer; typing there triggers no shortcut; Ctrl+Enter sends
    page.keyboard.press("r")
    answer = page.locator(f'#{newest} textarea[name$="-body"]')
    assert answer.evaluate("el => el === document.activeElement")
    page.keyboard.type("Wir kümmern uns, j und k.")
    assert current_id(page) == newest
    page.keyboard.press("Control+Enter")
    page.locator("#triage-toast").wait_for()
    assert "Antwort an erika@kunde.example wird gesendet." in page.locator("#triage-toast").inner_text()
    assert OutboundMail.objects.get().status == OutboundStatus.QUEUED
    # u undoes too: the answer never leaves
    page.keyboard.press("u")
    page.get_by_text("Rückgängig gemacht").first.wait_for()
    assert OutboundMail.objects.get().status == OutboundStatus.CANCELLED

    # x selects for the bulk action, t then acts on the selection
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator('input[name="mails"]:checked').count() == 2
    page.keyboard.press("t")
    page.locator("#triage-toast").wait_for()
    assert "2 Mails bearbeitet." in page.locator("#triage-toast").inner_text()
    assert InboundMail.objects.filter(state=InboundState.ARTICLE).count() == 2
    page.keyboard.press("?")
    shot(page, "mailbox-triage-toast-help")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "mailbox-triage-toast-help-phone")
    page.keyboard.press("Escape")
    page.keyboard.press("z")
    page.get_by_text("Rückgängig gemacht: 2 Mails warten wieder in der Triage.").wait_for()
    assert InboundMail.objects.filter(state=InboundState.TRIAGE).count() == 3


def test_add_to_ticket_finder_by_keyboard(page, coordinator, three_mails, csp_violations):
    from playwright.sync_api import expect

    from supportdesk.tickets.services import ticket_create
    from supportdesk.tickets.tests.factories import ContactEmailFactory, ContactFactory, CustomerFactory

    erika = ContactEmailFactory(address="erika@kunde.example").contact
    own = ticket_create(actor=None, subject="Drucker im Lager", body="x", contact=erika, customer=erika.customer)
    vpn = ticket_create(actor=None, subject="VPN bricht ab", body="x", contact=erika, customer=erika.customer)
    other = ContactFactory(customer=CustomerFactory(name="Bäckerei Huber"))
    foreign = ticket_create(actor=None, subject="Drucker streikt", body="x", contact=other, customer=other.customer)

    page.goto(reverse("accounts:login"))
    page.get_by_label("Benutzername").fill("horst")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/roster/today/")
    page.goto(reverse("mailbox:triage"))
    newest = three_mails[-1]
    finder = page.locator(f"#mail-{newest.pk} [data-ticket-finder]")
    options = page.locator(f"#ticket-candidates-{newest.pk} [data-ticket-candidate]")

    # a focuses the finder, which at once offers the sender's customer's open tickets
    page.keyboard.press("a")
    assert finder.evaluate("el => el === document.activeElement")
    options.first.wait_for()
    assert sorted(options.evaluate_all("els => els.map(e => e.dataset.number)")) == sorted([own.number, vpn.number])
    # the list is marked open once htmx has settled the suggestions in: wait for it, don't race it
    expect(finder).to_have_attribute("aria-expanded", "true")

    # typing narrows it: the customer's ticket first, then the full-text search
    page.keyboard.type("Drucker")
    page.wait_for_function(
        """([mail, wanted]) => [...document.querySelectorAll(`#ticket-candidates-${mail} [data-ticket-candidate]`)]
            .map(e => e.dataset.number).join(" ") === wanted""",
        arg=[newest.pk, f"{own.number} {foreign.number}"],
    )
    # j and k are letters here, not shortcuts; arrows move through the suggestions
    assert finder.input_value() == "Drucker"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    assert finder.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    shot(page, "mailbox-triage-ticket-finder")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps around to the last one
    assert options.nth(1).get_attribute("aria-selected") == "true"
    # Enter takes the number; the list closes; Enter again adds the mail
    page.keyboard.press("Enter")
    assert finder.input_value() == foreign.number
    assert finder.get_attribute("aria-expanded") == "false"
    assert not page.locator(f"#ticket-candidates-{newest.pk}").is_visible()
    page.keyboard.press("Enter")
    page.locator("#triage-toast").wait_for()
    newest.refresh_from_db()
    assert newest.ticket == foreign
    assert newest.state == InboundState.ARTICLE
