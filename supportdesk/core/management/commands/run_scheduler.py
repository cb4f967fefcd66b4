import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from supportdesk.core.scheduler import default_holder, lease_release, registered_jobs, scheduler_tick

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic-job scheduler (weekly draft, reminders, sweeps) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between ticks.")
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        holder = default_holder()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        jobs = registered_jobs()
        self.stdout.write(f"Scheduler {holder} started with jobs: {', '.join(sorted(jobs)) or '-'}")
        try:
            while not stop.is_set():
                try:
                    scheduler_tick(holder=holder)
                except DatabaseError:
                    # A locked or restarting database must not stop the clock; the next tick retries.
                    logger.exception("scheduler tick failed")
                if once:
                    break
                stop.wait(interval)
        finally:
            lease_release(holder=holder)
            self.stdout.write("Scheduler stopped.")
