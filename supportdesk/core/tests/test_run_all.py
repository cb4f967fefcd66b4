"""``supportdesk run`` for real: four processes come up, one Ctrl-C stops them all."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from supportdesk.core.management.commands.run_all import process_commands

ROOT = Path(settings.BASE_DIR).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a loopback URL we built
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_process_commands_use_the_port_and_no_reloaders():
    commands = process_commands(host="127.0.0.1", port=8123, worker_interval=0.5)

    assert set(commands) == {"web", "worker", "scheduler", "mail"}
    assert all(command.startswith("exec ") for command in commands.values())
    assert "runserver 127.0.0.1:8123 --noreload" in commands["web"]
    assert "db_worker" in commands["worker"] and "--no-reload" in commands["worker"]
    assert "run_scheduler" in commands["scheduler"]
    assert "mailbox_listen" in commands["mail"]


def test_run_starts_web_worker_scheduler_and_mail_listener_and_sigint_stops_them_all(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(SUPPORTDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="supportdesk.settings", PYTHONUNBUFFERED="1")
    cli = [sys.executable, "-m", "supportdesk.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True, timeout=120)
    port = free_port()
    lines: list[str] = []
    proc = subprocess.Popen(
        [*cli, "run", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/api/v1/schema/", timeout=60) == 200
        deadline = time.monotonic() + 30
        while not any("Scheduler" in line and "started with jobs" in line for line in lines):
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)

        proc.send_signal(signal.SIGINT)
        returncode = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        started = re.findall(r"(\w+) started \(pid=(\d+)\)", "".join(lines))
        left_behind = [name for name, pid in started if _group_alive(int(pid))]
        for _name, pid in started:
            _kill_group(int(pid))  # a no-op unless something was left behind
    output = "".join(lines)

    assert returncode == 0, output
    assert output.startswith(f"Supportdesk on http://127.0.0.1:{port}/")
    assert "supportdesk demo" in output  # an empty database: how to get the demo team
    assert {name for name, _pid in started} == {"web", "worker", "scheduler", "mail"}
    assert "Supportdesk stopped." in output
    assert left_behind == []


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
