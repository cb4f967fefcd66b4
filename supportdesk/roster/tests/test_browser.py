"""Journeys in a real browser (Debian's Chromium through Playwright) against the live server.

Each journey saves screenshots to var/screenshots/ so that a person can look at the pages.
"""

import importlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse

from supportdesk.core.testing.browser import log_in, shot
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors
from supportdesk.roster.models import Absence, AbsenceKind, ClosingDay
from supportdesk.roster.tests.plans import alternating, make_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")


def _next_support_day(start: date) -> date:
    cal = selectors.support_calendar()
    return next(bh.support_days(cal, start, start + timedelta(days=30)))


@pytest.fixture
def roster_defaults(transactional_db) -> None:
    """The duties, windows and settings the data migration creates.

    A transactional test flushes the database afterwards, and serialized_rollback
    does not bring the rows back here (the serialized copy hangs on a connection
    object of another context once Playwright runs), so put them back ourselves.
    """
    migration = importlib.import_module("supportdesk.roster.migrations.0002_default_duties_and_windows")
    migration.forwards(django_apps, None)
    selectors.support_calendar_invalidate()


@pytest.fixture
def on_duty_afternoon(roster_defaults) -> Iterator[date]:
    """The clock stands at 16:30 on the next support day from today (forward, so cookies stay valid)."""
    day = _next_support_day(selectors.today())
    with time_machine.travel(datetime.combine(day, time(16, 30), tzinfo=BERLIN), tick=True):
        yield day


def test_log_in_and_see_who_is_on_duty_today(page, pool, on_duty_afternoon, csp_violations):
    anna, bernd = pool[0], pool[1]
    monday = bh.week_start(on_duty_afternoon)
    make_week(monday, alternating(anna, bernd), published=True)
    page.goto(reverse("accounts:login"))
    shot(page, "01-login")

    log_in(page, "clara")
    today = page.locator("section.daycard").first
    today_phone, today_standby = (anna, bernd) if on_duty_afternoon.weekday() % 2 == 0 else (bernd, anna)
    phone = today.locator("li.holder").filter(has_text="Telefondienst")
    standby = today.locator("li.holder").filter(has_text="Technische Notfallbereitschaft")
    assert phone.locator(".holder-name").inner_text().strip() == today_phone.name
    assert standby.locator(".holder-name").inner_text().strip() == today_standby.name
    assert phone.locator("a.tel").get_attribute("href") == "tel:" + today_phone.office_phone.replace(" ", "")
    assert standby.locator("a.tel").get_attribute("href") == "tel:" + today_standby.mobile.replace(" ", "")
    assert page.locator(".badge.live").is_visible()  # 16:30 is inside the window
    shot(page, "02-today")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("li.holder a.tel").first.is_visible()
    shot(page, "03-today-phone")
    page.goto(reverse("roster:week"))
    shot(page, "03b-week-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    make_week(monday + timedelta(weeks=1), alternating(pool[2], pool[3]), published=True)
    page.goto(reverse("roster:my_duties"))
    assert page.get_by_text(bernd.name).first.is_visible() or page.get_by_text(pool[3].name).first.is_visible()
    shot(page, "11-my-duties")


def test_coordinator_drafts_edits_and_publishes_a_week(page, coordinator, pool, on_duty_afternoon, csp_violations):
    # Some history for the fairness table, an absence and a closing day to make the week realistic.
    this_monday = bh.week_start(on_duty_afternoon)
    make_week(this_monday - timedelta(weeks=1), alternating(pool[2], pool[3]), published=True)
    make_week(this_monday, alternating(pool[0], pool[1]), published=True)
    next_monday = this_monday + timedelta(weeks=1)
    Absence.objects.create(user=pool[4], kind=AbsenceKind.VACATION, start=next_monday, end=next_monday)
    ClosingDay.objects.create(date=date(next_monday.year, 12, 24), name="Heiligabend")
    selectors.support_calendar_invalidate()

    log_in(page, "horst")
    iso = next_monday.isocalendar()
    page.goto(reverse("roster:week_of", args=[iso.year, iso.week]))
    assert page.locator("#week-status").get_by_text("Noch kein Plan").is_visible()

    page.get_by_role("button", name="Entwurf erstellen").click()
    page.wait_for_selector(".badge.draft")
    assert page.locator(".message").first.inner_text().startswith("Entwurf erstellt")
    shot(page, "04-week-draft-coordinator")

    # Edit the first open-for-business cell in place.
    first_day = _next_support_day(next_monday)
    cell_id = f"#cell-{first_day:%Y%m%d}-phone_duty"
    before = page.locator(cell_id).locator(".holder-name").inner_text().strip()
    page.locator(cell_id).get_by_role("link", name="Ändern").click()
    select = page.locator(f"{cell_id} select")
    select.wait_for()
    options = [o for o in select.locator("option").all_inner_texts() if o not in {before, "— offen —"}]
    assert pool[4].name not in options  # absent that day
    chosen = options[0]
    select.select_option(label=chosen)
    shot(page, "05-week-cell-editing")
    page.locator(cell_id).get_by_role("button", name="Speichern").click()
    page.locator(cell_id).locator(".holder-name", has_text=chosen).wait_for()
    assert page.locator(f"{cell_id} select").count() == 0

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Veröffentlichen").click()
    page.wait_for_selector(".badge.published")
    assert "Veröffentlicht · Version 1" in page.locator("#week-status").inner_text()
    assert page.locator(cell_id).locator(".holder-name").inner_text().strip() == chosen
    shot(page, "06-week-published")

    # A change to the published week needs a reason; the status bar follows without a reload.
    page.locator(cell_id).get_by_role("link", name="Ändern").click()
    page.locator(f"{cell_id} select").select_option(label=before)
    reason = page.locator(cell_id).get_by_label("Begründung der Änderung")
    assert reason.get_attribute("required") is not None  # the browser refuses an empty reason
    reason.fill("Tausch abgesprochen")
    page.locator(cell_id).get_by_role("button", name="Speichern").click()
    page.locator("#week-status").get_by_text("Version 2").wait_for()
    assert page.locator(cell_id).locator(".holder-name").inner_text().strip() == before

    page.goto(reverse("roster:month_of", args=[next_monday.year, next_monday.month]))
    shot(page, "07-month")
    page.goto(reverse("roster:team"))
    shot(page, "08-team")
    page.goto(reverse("roster:calendar_settings"))
    shot(page, "09-settings")
    page.goto(reverse("accounts:profile"))
    shot(page, "10-profile")
    page.goto(reverse("roster:feeds"))
    shot(page, "12-feeds")


def test_takeover_asked_of_everyone_and_accepted_from_the_requests_page(page, pool, on_duty_afternoon, csp_violations):
    """Anna asks everyone to take one of next week's duties; Clara accepts on the Requests page; the week shows her."""
    from supportdesk.roster.models import SwapRequest

    anna, bernd, clara = pool[0], pool[1], pool[2]
    this_monday = bh.week_start(on_duty_afternoon)
    next_monday = this_monday + timedelta(weeks=1)
    make_week(this_monday, alternating(pool[3], pool[4]), published=True)
    make_week(next_monday, alternating(anna, bernd), published=True)
    day = _next_support_day(next_monday)
    anna_duty = next(c for c, a in selectors.holders_on(day=day).items() if a.user_id == anna.pk)

    log_in(page, "anna")
    page.goto(reverse("roster:my_duties"))
    page.locator("tr", has_text=f"{day:%d.%m.%Y}").get_by_role("link", name="Tausch / Übernahme anfragen").click()
    page.wait_for_url("**/roster/requests/new/**")
    page.get_by_label("Nachricht").fill("Arzttermin am Nachmittag")
    shot(page, "21-ask-for-takeover")
    page.get_by_role("button", name="Anfrage senden").click()
    page.wait_for_url("**/roster/requests/")
    assert "Ihre Anfrage wurde an" in page.locator(".message").first.inner_text()
    assert page.locator("#request-lists").get_by_text("Arzttermin am Nachmittag").is_visible()
    swap = SwapRequest.objects.get()
    assert clara.pk in swap.offered_to

    page.context.clear_cookies()
    log_in(page, "clara")
    assert page.locator(".mainnav .nav-count").inner_text().strip() == "1"
    page.get_by_role("link", name="Anfragen").click()
    page.wait_for_url("**/roster/requests/")
    request_row = page.locator(f"#request-{swap.pk}")
    assert "Anna Huber bittet alle, die können, um Übernahme" in request_row.inner_text()
    shot(page, "22-requests")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "23-requests-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    page.locator(f"#request-{swap.pk}").get_by_role("button", name="Übernehmen").click()
    page.locator("#request-lists .message.success").wait_for()
    assert "Erledigt" in page.locator("#request-lists .message.success").inner_text()
    assert page.locator(f"#request-{swap.pk}").count() == 0
    assert page.locator(".mainnav .nav-count").count() == 0  # the badge follows without a reload
    shot(page, "24-requests-after-accept")

    iso = next_monday.isocalendar()
    page.goto(reverse("roster:week_of", args=[iso.year, iso.week]))
    cell = page.locator(f"#cell-{day:%Y%m%d}-{anna_duty}")
    assert cell.locator(".holder-name").inner_text().strip() == clara.name
    assert cell.locator(".cell-ask").count() == 1  # now Clara's own cell
    shot(page, "25-week-after-takeover")


def test_absences_sick_report_token_link_and_today_banner(page, coordinator, pool, on_duty_afternoon, csp_violations):
    """Screens of the absence pages, a sick report for today, its offer on Today and the mail's landing page."""
    from supportdesk.roster.models import SwapRequest

    anna, bernd = pool[0], pool[1]
    this_monday = bh.week_start(on_duty_afternoon)
    next_monday = this_monday + timedelta(weeks=1)
    make_week(this_monday, alternating(anna, bernd), published=True)
    make_week(next_monday, alternating(anna, bernd), published=True)

    log_in(page, "anna")
    page.get_by_role("link", name="Abwesenheiten").click()
    page.wait_for_url("**/roster/absences/")
    page.get_by_label("Art").select_option("vacation")
    page.locator("#id_start").fill(f"{next_monday:%Y-%m-%d}")
    page.locator("#id_end").fill(f"{next_monday + timedelta(days=2):%Y-%m-%d}")
    page.get_by_label("Notiz").fill("Familienbesuch")
    page.get_by_role("button", name="Abwesenheit eintragen").click()
    page.wait_for_url("**/roster/absences/*/")
    assert page.locator(".cover-card .badge").inner_text().strip() == "Vertretung fehlt"
    assert page.locator(".uncovered-list li").count() == 3
    shot(page, "26-absence-cover-missing")
    page.goto(reverse("roster:absences"))
    shot(page, "27-absences")

    page.context.clear_cookies()
    log_in(page, "bernd")
    page.goto(reverse("roster:report_sick"))
    shot(page, "28-report-sick")
    page.get_by_role("button", name="Krank melden").click()
    page.wait_for_url("**/roster/absences/*/")
    assert "Gute Besserung" in page.locator(".message").first.inner_text()

    offer = SwapRequest.objects.filter(date=on_duty_afternoon, requester__isnull=True).first()
    assert offer is not None
    candidate = next(u for u in pool if u.pk == offer.offered_to[0])
    page.context.clear_cookies()
    log_in(page, candidate.username)
    banner = page.locator(".banner.danger")
    assert banner.get_by_role("link", name="übernehmen").is_visible()
    shot(page, "29-today-open-duty-banner")

    page.goto(reverse("roster:request_token", args=[offer.token]))
    assert page.get_by_role("button", name="Annehmen: ich übernehme").is_visible()
    shot(page, "30-token-landing")
    page.get_by_role("button", name="Annehmen: ich übernehme").click()
    page.locator(".message.success").wait_for()
    assert "nicht mehr offen (Angenommen)" in page.locator(".banner.info").inner_text()
    shot(page, "31-token-landing-used")
    page.goto(reverse("roster:request_token", args=["kaputt"]))
    assert page.get_by_text("Dieser Link ist nicht gültig").first.is_visible()

    page.context.clear_cookies()
    log_in(page, "horst")
    assert page.get_by_text("Urlaube ohne Vertretung").is_visible()
    shot(page, "32-today-coordinator")
    page.goto(reverse("roster:absences") + "?cover=missing")
    shot(page, "33-absences-coordinator")
    page.goto(reverse("roster:absences_import"))
    shot(page, "34-absences-import")
