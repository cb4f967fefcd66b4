"""``manage.py mailbox_listen``: keep every active mailbox empty (IDLE, else polling) until stopped.

One thread per active mailbox; SIGTERM or SIGINT stops all of them cleanly. Without any
mailbox configured it idles quietly and looks again every ``--rescan`` seconds, so that it
can run in ``supportdesk run`` whether or not a mailbox exists.
"""

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from supportdesk.mailbox import imap, selectors, services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Listen on the support mailboxes (IMAP IDLE) and take every new mail into Supportdesk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--poll-interval", type=float, default=30.0, help="Seconds between polls on servers without IDLE."
        )
        parser.add_argument("--rescan", type=float, default=30.0, help="Seconds between looks for changed mailboxes.")

    def handle(self, *args: Any, poll_interval: float, rescan: float, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, _frame: object) -> None:
            logger.info("mailbox listener: %s received, stopping", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        services.mailbox_configure_from_settings()

        running: dict[int, tuple[threading.Thread, threading.Event, tuple[object, ...]]] = {}
        announced_idle = False
        while not stop.is_set():
            wanted = {m.pk: m for m in selectors.mailbox_list_active()}
            for pk, (thread, own_stop, signature) in list(running.items()):
                mailbox = wanted.get(pk)
                if mailbox is None or _signature(mailbox) != signature or not thread.is_alive():
                    own_stop.set()
                    thread.join()
                    del running[pk]
            for pk, mailbox in wanted.items():
                if pk not in running:
                    own_stop = threading.Event()
                    thread = threading.Thread(
                        target=imap.listen,
                        args=(pk,),
                        kwargs={"stop": own_stop, "poll_interval": poll_interval},
                        name=f"mailbox-{mailbox.name}",
                        daemon=True,
                    )
                    thread.start()
                    running[pk] = (thread, own_stop, _signature(mailbox))
                    logger.info("mailbox listener: listening on %s", mailbox.name)
            if not running and not announced_idle:
                logger.info("mailbox listener: no active mailbox configured; waiting")
                announced_idle = True
            stop.wait(rescan)
        for _thread, own_stop, _sig in running.values():
            own_stop.set()
        for thread, _own_stop, _sig in running.values():
            thread.join(timeout=10)
        logger.info("mailbox listener stopped")


def _signature(mailbox: object) -> tuple[object, ...]:
    """The connection settings: when one changes in the admin, the mailbox's thread is restarted."""
    fields = (
        "host",
        "port",
        "security",
        "username",
        "password",
        "inbox_folder",
        "processed_folder",
        "quarantine_folder",
    )
    return tuple(getattr(mailbox, name) for name in fields)
