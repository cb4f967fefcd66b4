"""``supportdesk run``: the web server, the task worker, the scheduler and the mail listener
as one process group.

They run as children of a honcho Manager, each in its own session: Ctrl-C
(or SIGTERM) reaches only the manager, which stops every child's process group
and waits for them, so nothing is left behind. If one child dies (a port in
use, say), the others are stopped too and the exit status is non-zero.
"""

import os
import shlex
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from honcho.manager import Manager
from honcho.printer import Printer

STOPPED_BY_SIGNAL = {130, 143}
"""Honcho's return codes after SIGINT and SIGTERM: a clean stop, not a failure."""


def default_port() -> int:
    raw = os.environ.get("SUPPORTDESK_PORT", "8000")
    try:
        return int(raw)
    except ValueError as exc:
        raise CommandError(f"SUPPORTDESK_PORT must be a port number (got {raw!r}).") from exc


def _manage(*args: str) -> str:
    # The package's own entry point, so it works without manage.py (an installed wheel) too. Honcho
    # runs commands through a shell; ``exec`` makes the command the process honcho waits for, so
    # "stopped" means stopped and no orphan is left to finish shutting down on its own.
    return "exec " + shlex.join([sys.executable, "-m", "supportdesk.cli", *args])


def process_commands(*, host: str, port: int, worker_interval: float) -> dict[str, str]:
    # The mail listener runs even without a mailbox: it rescans the active mailboxes, so one
    # the admin adds later is listened to without a restart.
    return {
        "web": _manage("runserver", f"{host}:{port}", "--noreload"),
        "worker": _manage("db_worker", "--interval", str(worker_interval), "--no-reload", "--no-startup-delay"),
        "scheduler": _manage("run_scheduler"),
        "mail": _manage("mailbox_listen"),
    }


class Command(BaseCommand):
    help = "Run the web server, the task worker, the scheduler and the mail listener together; Ctrl-C stops all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=None, help="Web port (default $SUPPORTDESK_PORT or 8000).")
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument(
            "--worker-interval", type=float, default=0.5, help="Seconds the worker waits when the queue is empty."
        )

    def handle(self, *args: Any, port: int | None, host: str, worker_interval: float, **options: Any) -> None:
        port = port if port is not None else default_port()
        url = f"http://{'127.0.0.1' if host in {'0.0.0.0', '::'} else host}:{port}/"  # noqa: S104 - a display URL
        self.stdout.write(self.style.SUCCESS(f"Supportdesk on {url}  (Ctrl-C stops them all)"))
        self.print_database_state(url)
        self.stdout.flush()

        env = {**os.environ, "PYTHONUNBUFFERED": "1", "SUPPORTDESK_PORT": str(port)}
        env.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
        # Links in mails and feeds must point at the port actually served.
        env.setdefault("SUPPORTDESK_SITE_URL", f"http://127.0.0.1:{port}")
        manager = Manager(Printer(sys.stdout))
        commands = process_commands(host=host, port=port, worker_interval=worker_interval)
        for name, command in commands.items():
            manager.add_process(name, command, env=env)
        manager.loop()
        if manager.returncode not in (0, None, *STOPPED_BY_SIGNAL):
            raise CommandError(f"A process stopped unexpectedly (exit status {manager.returncode}); all are stopped.")
        self.stdout.write("Supportdesk stopped.")

    def print_database_state(self, url: str) -> None:
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            self.stdout.write(self.style.WARNING(f"The database is not reachable: {exc}"))
            return
        if pending:
            self.stdout.write(
                self.style.WARNING(f"{len(pending)} migration(s) not applied: run `supportdesk migrate` first.")
            )
            return
        from supportdesk.core.management.commands.load_demo import demo_present, print_logins

        if demo_present():
            print_logins(self.stdout.write, url=url)
        else:
            self.stdout.write("No demo team here; `supportdesk demo` loads one into an empty database.")
