"""Running what the triage actions enqueued (the Dummy task backend of the tests keeps it)."""

import threading
from collections.abc import Sequence
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
