"""The listener as a real process, SIGKILLed at random points: every mail ends up exactly once."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from supportdesk.mailbox.models import InboundMail, Mailbox
from supportdesk.mailbox.tests.test_ingest import make_mail

MANAGE = Path(settings.BASE_DIR).parent / "manage.py"
MAILS = 60
KILLS = 8


def listener_env(log_level: str) -> dict[str, str]:
    """The environment of a subprocess that works on this test run's (committed) test database."""
    db = settings.DATABASES["default"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SUPPORTDESK_LOG_LEVEL": log_level}
    env.pop("SUPPORTDESK_IMAP_URL", None)
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        )
    return env


def start_listener(log: Path, *args: str, log_level: str = "WARNING") -> subprocess.Popen:
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, str(MANAGE), "mailbox_listen", *args],
            env=listener_env(log_level),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_sigkilled_listener_loses_and_duplicates_nothing(dovecot, tmp_path):
    Mailbox.objects.create(**dovecot.mailbox_fields())
    rng = random.Random(20260302)
    log = tmp_path / "listener.log"
    delivered = 0
    per_round = MAILS // KILLS + 1
    for _round in range(KILLS):
        process = start_listener(log)
        deadline = time.monotonic() + rng.uniform(0.8, 2.5)
        while time.monotonic() < deadline:
            if delivered < MAILS:
                for _ in range(rng.randint(1, per_round)):
                    if delivered < MAILS:
                        dovecot.deliver(make_mail(delivered, body="Zeile\n" * rng.randint(1, 2000)))
                        delivered += 1
            time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    while delivered < MAILS:
        dovecot.deliver(make_mail(delivered))
        delivered += 1

    final_log = tmp_path / "final.log"
    process = start_listener(final_log, log_level="INFO")
    try:
        assert wait_until(lambda: "connected to" in final_log.read_text(), 60), final_log.read_text()
        finished = wait_until(lambda: InboundMail.objects.count() >= MAILS and dovecot.count("INBOX") == 0, 60)
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=15)
    assert finished, log.read_text(errors="replace")[-3000:]
    assert returncode == 0, final_log.read_text(errors="replace")[-3000:]

    per_id = dict(InboundMail.objects.values_list("message_id").annotate(n=Count("id")))
    assert per_id == {f"mail-{n}@kunde.example": 1 for n in range(MAILS)}
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Processed") == MAILS


@pytest.mark.django_db(transaction=True)  # the subprocess reads the test database
def test_listener_without_a_mailbox_idles_quietly_and_stops_on_sigterm(tmp_path):
    log = tmp_path / "listener.log"
    process = start_listener(log, log_level="INFO")
    assert wait_until(lambda: "no active mailbox configured" in log.read_text(), 60), log.read_text()
    time.sleep(1)
    assert process.poll() is None, log.read_text()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert "Traceback" not in log.read_text()
