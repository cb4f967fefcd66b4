"""Running what the triage actions enqueued (the Dummy task backend of the tests keeps it), and
watching the processes a listener subprocess leaves behind."""

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import task_backends
from django.tasks.base import TaskResult


def enqueued(name: str = "") -> list[TaskResult]:
    """The tasks waiting in the Dummy backend, those whose function is called ``name`` if given."""
    return [r for r in task_backends["default"].results if not name or r.task.name == name]


def run_enqueued(name: str = "") -> int:
    """Run the waiting tasks (those named ``name`` if given) once each, as the worker would when
    their ``run_after`` has come; tasks they enqueue wait for the next call. Returns how many ran."""
    backend = task_backends["default"]
    due = enqueued(name)
    backend.results[:] = [r for r in backend.results if r not in due]
    for result in due:
        result.task.call(*result.args, **result.kwargs)
    return len(due)


class Gate:
    """Holds a send in the middle of the SMTP conversation until the test opens it."""

    entered = threading.Event()
    release = threading.Event()
    sent: ClassVar[list[EmailMessage]] = []

    @classmethod
    def reset(cls) -> None:
        cls.entered.clear()
        cls.release.clear()
        cls.sent.clear()


class GateBackend(BaseEmailBackend):
    """A mailer that signals ``Gate.entered`` and waits for ``Gate.release`` before it "sends"."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        Gate.entered.set()
        Gate.release.wait(timeout=10)
        Gate.sent.extend(email_messages)
        return len(email_messages)


def live_processes_in_group(pgid: int) -> dict[int, str]:
    """The processes of process group ``pgid`` that still run (zombies waiting for their reaper
    do not count), with their command lines; read from Linux's /proc."""
    found: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # it ended while we looked
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = text.rpartition(")")[2].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found[int(stat.parent.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
    return found


def wait_until(condition: Callable[[], object], timeout: float) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds (asked every 0.1 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())
