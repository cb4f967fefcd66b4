"""The only module that talks IMAP (imap-tools): fetch, hand to the ingest service, then move.

Order per batch: fetch (``BODY.PEEK``, nothing is marked seen) → ``mails_ingest`` commits →
move to the processed or quarantine folder. The next batch is fetched and handed to the parse
pool before the current one is ingested, so parsing overlaps the database work; it is still
moved only after its own commit. A crash between the commit and the move leaves
the mails in the inbox; the next pass fetches them again, the dedupe keys recognise them and
they are moved then: exactly one result per mail.
"""

import email
import imaplib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from email.message import Message
from functools import cached_property

from django.db import close_old_connections
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError

from supportdesk.mailbox import conf, selectors, services
from supportdesk.mailbox.models import InboundState, Mailbox, Security

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 30.0
IDLE_RENEW_SECONDS = 10 * 60
"""Re-issue IDLE before servers drop it (RFC 2177 asks for less than 29 minutes)."""
IDLE_POLL_SECONDS = 1.0
"""How long one wait on the IDLE socket lasts: the reaction time to a stop request."""
BACKOFF_START = 0.5
BACKOFF_MAX = 30.0

CONNECTION_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError, EOFError)
"""What a dropped or refused connection raises (``IMAP4.abort`` is an ``IMAP4.error``)."""


class RawMessage(MailMessage):
    """A fetched mail that keeps its bytes as they are and parses nothing unless asked."""

    def __init__(self, fetch_data: list) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data
        self.raw: bytes = raw

    @cached_property
    def obj(self) -> Message:  # type: ignore[override]
        return email.message_from_bytes(self.raw)


def tls_context() -> ssl.SSLContext:
    """Verifies the server's certificate and host name (imaplib's own default checks neither)
    against the system's CAs and ``SUPPORTDESK_IMAP_CA_FILE``."""
    context = ssl.create_default_context()
    ca_file = conf.imap_ca_file()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def connect(mailbox: Mailbox) -> BaseMailBox:
    """Log in, make sure the target folders exist, select the inbox and record its UIDVALIDITY."""
    conn: BaseMailBox
    if mailbox.security == Security.TLS:
        conn = MailBox(mailbox.host, port=mailbox.port, timeout=CONNECT_TIMEOUT, ssl_context=tls_context())
    elif mailbox.security == Security.STARTTLS:
        conn = MailBoxStartTls(mailbox.host, port=mailbox.port, timeout=CONNECT_TIMEOUT, ssl_context=tls_context())
    else:
        conn = MailBoxUnencrypted(mailbox.host, port=mailbox.port, timeout=CONNECT_TIMEOUT)
    conn.email_message_class = RawMessage
    try:
        conn.login(mailbox.username, mailbox.password, initial_folder=None)
        # Servers announce more after login (Dovecot: MOVE); imaplib keeps the pre-login list.
        typ, data = conn.client.capability()
        if typ == "OK" and data and data[-1]:
            conn.client.capabilities = tuple(data[-1].decode().upper().split())
        for folder in (mailbox.processed_folder, mailbox.quarantine_folder):
            if not conn.folder.exists(folder):
                conn.folder.create(folder)
        select_inbox(conn, mailbox)
    except BaseException:
        disconnect(conn)
        raise
    return conn


def select_inbox(conn: BaseMailBox, mailbox: Mailbox) -> None:
    conn.folder.set(mailbox.inbox_folder)
    values = conn.client.untagged_responses.get("UIDVALIDITY") or [b""]
    value = values[-1]
    if isinstance(value, bytes) and value.strip():
        services.mailbox_uidvalidity_set(mailbox=mailbox, uidvalidity=int(value))


def disconnect(conn: BaseMailBox) -> None:
    try:
        conn.logout()
    except CONNECTION_ERRORS:
        try:
            conn.client.shutdown()
        except CONNECTION_ERRORS:
            logger.debug("closing a dead IMAP connection failed", exc_info=True)


def _chunks(values: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def mailbox_sync(conn: BaseMailBox, mailbox: Mailbox, *, batch_size: int = services.BATCH_SIZE) -> int:
    """Ingest everything in the inbox and move it out; returns the number of mails handled.

    The inbox only holds mails not moved yet, so all of it is fetched: UIDs at or below
    ``last_seen_uid`` are leftovers of an interrupted move that the dedupe keys recognise.
    """
    conn.client.noop()  # let the server announce mail that arrived since the last command
    news_pending(conn)  # what was announced so far, the search below sees
    uids = sorted(conn.uids("ALL"), key=int)
    handled = 0

    def fetched(chunk: Sequence[str]) -> tuple[list[tuple[int, bytes]], services.ParseJob | None]:
        messages = [m for m in conn.fetch(uid_list=chunk, mark_seen=False, bulk=True) if isinstance(m, RawMessage)]
        items = [(int(m.uid), m.raw) for m in messages if m.uid]
        # Parsing starts now (in the parse pool for a large batch) while the previous batch is written.
        return items, services.parse_job_for(items) if items else None

    chunks = iter(_chunks(uids, batch_size))
    first = next(chunks, None)
    pending = fetched(first) if first is not None else None
    while pending is not None:
        items, job = pending
        following = next(chunks, None)
        pending = fetched(following) if following is not None else None
        if not items:
            continue
        results = services.mails_ingest(mailbox=mailbox, items=items, parse_job=job)
        processed: list[str] = []
        quarantined: list[str] = []
        for (uid, _raw), result in zip(items, results, strict=True):
            (quarantined if result.state == InboundState.QUARANTINE else processed).append(str(uid))
        # Only after the commit: imap-tools uses UID MOVE when the server has it, else COPY + \Deleted + EXPUNGE.
        if processed:
            conn.move(processed, mailbox.processed_folder)
        if quarantined:
            conn.move(quarantined, mailbox.quarantine_folder)
        handled += len(items)
    return handled


def news_pending(conn: BaseMailBox) -> bool:
    """Whether the server announced new mail (``EXISTS``/``RECENT``) in answer to an earlier command;
    forgets the announcement. imaplib files such lines away, so IDLE would never report them."""
    responses = conn.client.untagged_responses
    found = [responses.pop(name, None) for name in ("EXISTS", "RECENT")]
    return any(found)


def wait_for_news(conn: BaseMailBox, *, stop: threading.Event, renew: float = IDLE_RENEW_SECONDS) -> None:
    """Block in IDLE until the server reports something, ``stop`` is set or it is time to renew IDLE.
    Returns at once when mail was announced during the last pass (e.g. in answer to the MOVE).

    Raises a connection error when the server went away (the DONE gets no answer).
    """
    if news_pending(conn):
        return
    conn.idle.start()
    if news_pending(conn):  # announced while IDLE was starting
        conn.idle.stop()
        return
    deadline = time.monotonic() + renew
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            responses = conn.idle.poll(timeout=IDLE_POLL_SECONDS)
            if responses:
                if any(line.startswith(b"* BYE") for line in responses):
                    raise ConnectionError("server said BYE: " + b" ".join(responses).decode(errors="replace"))
                return
            if time.monotonic() - started < IDLE_POLL_SECONDS / 2:
                return  # readable without a line: end of stream; stopping IDLE below raises
    finally:
        conn.idle.stop()


def listen(
    mailbox_id: int,
    *,
    stop: threading.Event,
    poll_interval: float = 30.0,
    on_pass: Callable[[int], None] | None = None,
) -> None:
    """Keep one mailbox empty until ``stop`` is set: backlog, then IDLE (or polling), reconnecting
    with exponential back-off (at most 30 s) whatever goes wrong with the server or the database."""
    backoff = BACKOFF_START
    while not stop.is_set():
        conn = None
        try:
            close_old_connections()
            mailbox = selectors.mailbox_get(pk=mailbox_id)
            conn = connect(mailbox)
            logger.info("mailbox %s: connected to %s:%s", mailbox.name, mailbox.host, mailbox.port)
            backoff = BACKOFF_START
            use_idle = "IDLE" in conn.client.capabilities
            while not stop.is_set():
                close_old_connections()  # a long IDLE may outlive the database connection
                handled = mailbox_sync(conn, mailbox)
                if on_pass is not None:
                    on_pass(handled)
                if use_idle:
                    wait_for_news(conn, stop=stop)
                else:
                    stop.wait(poll_interval)
                    conn.client.noop()
        except CONNECTION_ERRORS as exc:
            logger.warning("mailbox %s: %s; reconnecting in %.1f s", mailbox_id, exc or type(exc).__name__, backoff)
        except Exception:
            # The listener must outlive a database hiccup or a bug hit by one mail batch; the batch
            # rolled back and is fetched again after the back-off.
            logger.exception("mailbox %s: pass failed; retrying in %.1f s", mailbox_id, backoff)
        finally:
            if conn is not None:
                disconnect(conn)
        if stop.wait(backoff):
            break
        backoff = min(backoff * 2, BACKOFF_MAX)
    close_old_connections()
