"""Shared fixtures: named users, a pool, a browser.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL is
set (``make test`` does both). Tests marked ``postgres`` need PostgreSQL.
"""

import importlib
import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connection
from pytest_django.plugin import blocking_manager_key

from supportdesk.accounts.tests.factories import CoordinatorFactory, UserFactory
from supportdesk.roster.selectors import support_calendar_invalidate
from supportdesk.roster.tests.factories import PoolMemberFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls of
# the tests themselves stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Before the test database is dropped, end the sessions that threads of live-server,
    listener and race tests left open, so PostgreSQL can drop it without a warning."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


CHROMIUM = os.environ.get("SUPPORTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=de-DE",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (make test does)"))


@pytest.fixture(autouse=True)
def _plain_settings(settings) -> None:
    """Tests send mail to Django's outbox and run tasks only when told to."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.LANGUAGE_CODE = "de"
    # PBKDF2 with its real cost takes most of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    support_calendar_invalidate()


DATA_MIGRATIONS = [
    ("supportdesk.roster.migrations.0002_default_duties_and_windows", "forwards"),
    ("supportdesk.tickets.migrations.0002_default_teams", "create_teams"),
]


def restore_migration_data() -> None:
    """Re-create the rows the data migrations made (duties, windows, teams)."""
    from django.apps import apps

    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
    support_calendar_invalidate()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A transactional test (live server, real worker, row-lock races) ends with a flush of
    every table, which also removes what the data migrations created: put it back once all
    of the test's fixtures are torn down, so that the tests after it find it."""
    result = yield
    if nextitem is None:
        return result  # the test database is gone with the session's last test
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if transactional or "transactional_db" in getattr(item, "fixturenames", ()):
        with item.config.stash[blocking_manager_key].unblock():
            restore_migration_data()
    return result


@pytest.fixture
def immediate_tasks(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def coordinator(db):
    return CoordinatorFactory(username="horst", display_name="Horst Schreiber", email="horst@example.test")


@pytest.fixture
def agent(db):
    return UserFactory(username="jonas", display_name="Jonas Berger", email="jonas@example.test")


@pytest.fixture
def pool(db):
    """Six people in the afternoon pool; ``pool[5]`` works Monday to Wednesday only."""
    names = [
        ("anna", "Anna Huber"),
        ("bernd", "Bernd Maier"),
        ("clara", "Clara Schmid"),
        ("david", "David Wagner"),
        ("eva", "Eva Fischer"),
        ("felix", "Felix Weber"),
    ]
    members = []
    for i, (username, name) in enumerate(names):
        user = UserFactory(username=username, display_name=name, email=f"{username}@example.test")
        weekdays = [0, 1, 2] if i == 5 else [0, 1, 2, 3, 4]
        members.append(PoolMemberFactory(user=user, weekdays=weekdays).user)
    return members


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium; make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def csp_violations(page) -> Iterator[list[str]]:
    """Console messages about the Content-Security-Policy: a browser test using this has none."""
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield found
    assert found == []


@pytest.fixture
def smtp_sink(settings) -> Iterator[object]:
    """A real SMTP server on loopback; Django's default mailer points at it."""
    from supportdesk.core.testing.smtp import start_sink

    sink, controller = start_sink()
    settings.MAILERS = {"default": sink.mailer()}
    yield sink
    controller.stop()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def dovecot() -> Iterator[object]:
    """A throw-away Dovecot on a free loopback port (``supportdesk.mailbox.testing.Dovecot``)."""
    from supportdesk.mailbox.testing import Dovecot, dovecot_available

    if not dovecot_available():
        pytest.skip("needs Dovecot: apt-get install -y dovecot-imapd dovecot-core")
    server = Dovecot().start()
    yield server
    server.cleanup()
