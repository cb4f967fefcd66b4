"""Helpers for the browser tests (Playwright driving Debian's Chromium against the live server).

The ``page``, ``browser`` and ``csp_violations`` fixtures are in the root ``conftest.py``.
"""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

PASSWORD = "secret-pass-123"  # noqa: S105 - the test users' password, not a secret
"""The password ``accounts.tests.factories.UserFactory`` gives every user."""

SCREENSHOTS = Path(settings.BASE_DIR).parent / "var" / "screenshots"
"""Where the tests leave screenshots, so that a person can look at the pages."""


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot ``var/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, username: str, *, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the German login form and land on Today."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/roster/today/")
