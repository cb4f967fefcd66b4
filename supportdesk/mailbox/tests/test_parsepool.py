"""The parse pool's processes live exactly as long as the process that owns the pool."""

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from supportdesk.mailbox import parsepool
from supportdesk.mailbox.tests.helpers import live_processes_in_group, wait_until

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from Linux's /proc")

OWNER = """
import json, multiprocessing, os, time
import django

django.setup()
from supportdesk.mailbox import parsepool

raws = [b"Subject: Mail %d\\r\\n\\r\\nText\\r\\n" % n for n in range(2 * parsepool.POOL_MIN_MAILS)]
first = parsepool.ParseJob(raws).results()
workers = sorted(p.pid for p in multiprocessing.active_children())
time.sleep(1.5)  # idle workers must not take the owner for dead
second = parsepool.ParseJob(raws).results()
print(json.dumps({
    "workers": workers,
    "workers_later": sorted(p.pid for p in multiprocessing.active_children()),
    "parsed": sum(not isinstance(outcome, str) for outcome in first + second),
}), flush=True)
time.sleep(300)
"""


def start_owner(tmp_path: Path) -> tuple[subprocess.Popen, dict]:
    """A process that owns a parse pool of two workers, in a process group of its own."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings", "SUPPORTDESK_LOG_LEVEL": "WARNING"}
    env.pop("SUPPORTDESK_MAIL_PARSE_WORKERS", None)
    with (tmp_path / "owner.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", OWNER],
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
    assert process.stdout is not None
    readable, _w, _x = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline() if readable else b""
    assert line, (tmp_path / "owner.log").read_text(errors="replace")
    return process, json.loads(line)


def test_pool_processes_exit_when_their_owner_is_sigkilled(tmp_path):
    process, report = start_owner(tmp_path)
    group = process.pid  # start_new_session: the owner leads its own process group
    try:
        assert report["parsed"] == 4 * parsepool.POOL_MIN_MAILS
        assert len(report["workers"]) == 2
        assert report["workers_later"] == report["workers"], "the workers died while their owner lived"
        running = live_processes_in_group(group)
        # The owner, the forkserver, the two workers (and the resource tracker) are running.
        assert {process.pid, *report["workers"]} <= running.keys()
        assert any("multiprocessing.forkserver" in cmd for pid, cmd in running.items() if pid != process.pid)

        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

        assert wait_until(lambda: not live_processes_in_group(group), 5), live_processes_in_group(group)
    finally:
        for pid in live_processes_in_group(group):  # only what this test started: its own group
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
