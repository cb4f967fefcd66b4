"""The listener as a real process, SIGKILLed at random points: every mail ends up exactly once,
and nothing it started (the parse pool) outlives it."""

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

from supportdesk.mailbox import parsepool
from supportdesk.mailbox.models import InboundMail, Mailbox
from supportdesk.mailbox.tests.helpers import live_processes_in_group, wait_until
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
    """The listener in a process group of its own (its pid is the group's id): everything it
    starts stays in that group, so the tests can see what outlives it."""
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, str(MANAGE), "mailbox_listen", *args],
            env=listener_env(log_level),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture
def listener_groups():
    """Process groups of the listeners a test started; whatever is left of them at the end is
    killed (by pid, only these groups) so that a failing test does not leave processes behind."""
    groups: list[int] = []
    yield groups
    for group in groups:
        for pid in live_processes_in_group(group):
            os.kill(pid, signal.SIGKILL)


def assert_nothing_left(group: int, log: Path) -> None:
    """Nothing the listener started outlives it by more than a few seconds."""
    left = {}
    if not wait_until(lambda: not live_processes_in_group(group), 5):
        left = live_processes_in_group(group)
    assert not left, f"left behind: {left}\n{log.read_text(errors='replace')[-3000:]}"


@pytest.mark.django_db(transaction=True)
def test_sigkilled_listener_loses_and_duplicates_nothing(dovecot, tmp_path, listener_groups):
    Mailbox.objects.create(**dovecot.mailbox_fields())
    rng = random.Random(20260302)
    log = tmp_path / "listener.log"
    delivered = 0
    per_round = MAILS // KILLS + 1
    for _round in range(KILLS):
        process = start_listener(log)
        listener_groups.append(process.pid)
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
        assert_nothing_left(process.pid, log)
    while delivered < MAILS:
        dovecot.deliver(make_mail(delivered))
        delivered += 1

    final_log = tmp_path / "final.log"
    process = start_listener(final_log, log_level="INFO")
    listener_groups.append(process.pid)
    try:
        assert wait_until(lambda: "connected to" in final_log.read_text(), 60), final_log.read_text()
        finished = wait_until(lambda: InboundMail.objects.count() >= MAILS and dovecot.count("INBOX") == 0, 60)
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=15)
    assert finished, log.read_text(errors="replace")[-3000:]
    assert returncode == 0, final_log.read_text(errors="replace")[-3000:]
    assert_nothing_left(process.pid, final_log)

    per_id = dict(InboundMail.objects.values_list("message_id").annotate(n=Count("id")))
    assert per_id == {f"mail-{n}@kunde.example": 1 for n in range(MAILS)}
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Processed") == MAILS


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from Linux's /proc")
@pytest.mark.django_db(transaction=True)
def test_sigkilled_listener_takes_its_parse_pool_along(dovecot, tmp_path, listener_groups):
    Mailbox.objects.create(**dovecot.mailbox_fields())
    mails = 2 * parsepool.POOL_MIN_MAILS  # a backlog this large is parsed in the pool
    for n in range(mails):
        dovecot.deliver(make_mail(n))
    log = tmp_path / "listener.log"
    process = start_listener(log)
    listener_groups.append(process.pid)

    def pool_running() -> bool:
        others = [cmd for pid, cmd in live_processes_in_group(process.pid).items() if pid != process.pid]
        return sum("multiprocessing.forkserver" in cmd for cmd in others) >= 3  # the forkserver and 2 workers

    assert wait_until(pool_running, 60), live_processes_in_group(process.pid)
    assert wait_until(lambda: dovecot.count("INBOX") == 0, 60), log.read_text(errors="replace")[-3000:]
    assert InboundMail.objects.count() == mails

    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert_nothing_left(process.pid, log)


@pytest.mark.django_db(transaction=True)  # the subprocess reads the test database
def test_listener_without_a_mailbox_idles_quietly_and_stops_on_sigterm(tmp_path, listener_groups):
    log = tmp_path / "listener.log"
    process = start_listener(log, log_level="INFO")
    listener_groups.append(process.pid)
    assert wait_until(lambda: "no active mailbox configured" in log.read_text(), 60), log.read_text()
    time.sleep(1)
    assert process.poll() is None, log.read_text()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert "Traceback" not in log.read_text()
    assert_nothing_left(process.pid, log)
