"""IMAP against a real Dovecot on loopback: sync, moves, quarantine, dedupe, UIDVALIDITY, IDLE, reconnects."""

import imaplib
import re
import ssl
import threading
import time
from collections.abc import Iterator

import pytest

from supportdesk.mailbox import imap
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.tickets.models import ArticleKind
from supportdesk.tickets.services import ticket_create

GARBAGE = b"\x01\x02 this is not a mail \xff\xfe\r\n"  # no NUL: IMAP servers rewrite it


@pytest.fixture
def mailbox(dovecot) -> Mailbox:
    return Mailbox.objects.create(**dovecot.mailbox_fields())


@pytest.fixture
def conn(mailbox) -> Iterator[object]:
    connection = imap.connect(mailbox)
    yield connection
    imap.disconnect(connection)


def wait_until(condition, timeout: float = 10.0, step: float = 0.02) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(step)
    return time.monotonic() - started


@pytest.mark.django_db
def test_sync_ingests_and_moves_to_processed(dovecot, mailbox, conn):
    for n in range(3):
        dovecot.deliver(make_mail(n))
    assert imap.mailbox_sync(conn, mailbox) == 3
    assert InboundMail.objects.filter(state=InboundState.TRIAGE).count() == 3
    assert dovecot.count("INBOX") == 0
    assert sorted(dovecot.message_ids("Processed")) == [f"<mail-{n}@kunde.example>" for n in range(3)]
    mailbox.refresh_from_db()
    assert mailbox.last_seen_uid == 3
    assert mailbox.uidvalidity is not None


@pytest.mark.django_db
def test_unreadable_mail_is_quarantined_and_the_ones_after_it_are_ingested(dovecot, mailbox, conn):
    dovecot.deliver(make_mail(1))
    dovecot.deliver(GARBAGE)
    dovecot.deliver(make_mail(3))
    imap.mailbox_sync(conn, mailbox)
    bad = InboundMail.objects.get(state=InboundState.QUARANTINE)
    assert bytes(bad.raw) == GARBAGE
    assert bad.reason
    assert InboundMail.objects.filter(state=InboundState.TRIAGE).count() == 2
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Quarantine") == 1
    assert dovecot.count("Processed") == 2


@pytest.mark.django_db
def test_same_mail_delivered_twice_is_one_result(dovecot, mailbox, conn):
    raw = make_mail(1)
    dovecot.deliver(raw)
    imap.mailbox_sync(conn, mailbox)
    dovecot.deliver(raw)
    imap.mailbox_sync(conn, mailbox)
    assert InboundMail.objects.count() == 1
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Processed") == 2


@pytest.mark.django_db
def test_crash_between_commit_and_move_gives_one_result_per_mail(dovecot, mailbox, conn, monkeypatch):
    for n in range(3):
        dovecot.deliver(make_mail(n))

    def crash(*args, **kwargs):
        raise ConnectionResetError("connection lost after the commit")

    monkeypatch.setattr(conn, "move", crash)
    with pytest.raises(ConnectionResetError):
        imap.mailbox_sync(conn, mailbox)
    assert InboundMail.objects.count() == 3
    assert dovecot.count("INBOX") == 3
    monkeypatch.undo()
    assert imap.mailbox_sync(conn, mailbox) == 3
    assert InboundMail.objects.count() == 3
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Processed") == 3


@pytest.mark.django_db
def test_uidvalidity_change_resets_the_uid_and_relies_on_dedupe_keys(dovecot, mailbox, monkeypatch):
    for n in range(3):
        dovecot.deliver(make_mail(n))
    conn = imap.connect(mailbox)
    monkeypatch.setattr(conn, "move", lambda *a, **k: None)  # ingested, but left in the inbox
    imap.mailbox_sync(conn, mailbox)
    imap.disconnect(conn)
    mailbox.refresh_from_db()
    old_validity = mailbox.uidvalidity
    assert mailbox.last_seen_uid == 3

    dovecot.reset_uidvalidity()
    dovecot.deliver(make_mail(3))
    conn = imap.connect(mailbox)
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity != old_validity
    assert mailbox.last_seen_uid == 0
    imap.mailbox_sync(conn, mailbox)
    imap.disconnect(conn)
    assert InboundMail.objects.count() == 4
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Processed") == 4


@pytest.mark.django_db
def test_follow_up_by_references_only_becomes_an_article(dovecot, mailbox, conn):
    dovecot.deliver(make_mail(1))
    imap.mailbox_sync(conn, mailbox)
    ticket = ticket_create(actor=None, subject="Drucker", channel="mail")
    InboundMail.objects.filter(message_id="mail-1@kunde.example").update(ticket=ticket)
    dovecot.deliver(make_mail(2, subject="AW:", references="<mail-1@kunde.example>"))
    dovecot.deliver(make_mail(3, subject="Neu"))
    imap.mailbox_sync(conn, mailbox)
    reply = InboundMail.objects.get(message_id="mail-2@kunde.example")
    assert reply.state == InboundState.ARTICLE
    assert reply.article.ticket == ticket
    assert reply.article.kind == ArticleKind.MAIL_IN
    assert InboundMail.objects.get(message_id="mail-3@kunde.example").state == InboundState.TRIAGE


class ListenerThread:
    def __init__(self, mailbox_id: int, on_pass=None, **kwargs) -> None:
        self.stop = threading.Event()
        self.passes = 0
        self._on_pass = on_pass
        self.thread = threading.Thread(
            target=imap.listen, args=(mailbox_id,), kwargs={"stop": self.stop, "on_pass": self._pass, **kwargs}
        )

    def _pass(self, handled: int) -> None:
        self.passes += 1
        if self._on_pass is not None:
            self._on_pass(handled)

    def __enter__(self) -> "ListenerThread":
        self.thread.start()
        wait_until(lambda: self.passes >= 1)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


class Recorder:
    """Wraps ``imap.connect`` to log what the listener does, in order, from its own thread:
    ("connect",), ("idle",) when it enters IDLE, ("wake", lines) when IDLE returned server lines,
    ("pass", handled) after each sync pass."""

    def __init__(self, monkeypatch) -> None:
        self.events: list[tuple] = []
        self.in_idle = threading.Event()
        real_connect = imap.connect

        def connect(mb):
            conn = real_connect(mb)
            self.events.append(("connect",))
            real_start, real_poll = conn.idle.start, conn.idle.poll

            def start():
                result = real_start()
                self.events.append(("idle",))
                self.in_idle.set()
                return result

            def poll(timeout=None):
                lines = real_poll(timeout=timeout)
                if lines:
                    self.events.append(("wake", list(lines)))
                return lines

            conn.idle.start, conn.idle.poll = start, poll
            return conn

        monkeypatch.setattr(imap, "connect", connect)

    def on_pass(self, handled: int) -> None:
        self.events.append(("pass", handled))

    def kinds(self, kind: str) -> list[tuple]:
        return [e for e in self.events if e[0] == kind]


@pytest.mark.django_db(transaction=True)
def test_idle_announcement_wakes_the_listener(dovecot, mailbox, monkeypatch):
    """Each mail comes in through the server's IDLE announcement: one connection, no polling, and
    every pass that took a mail directly follows an IDLE wake-up with an EXISTS line. The delay is
    a figure for bench/mail_ingest.py, not an assertion here."""
    recorder = Recorder(monkeypatch)
    delays = []
    with ListenerThread(mailbox.pk, poll_interval=3600, on_pass=recorder.on_pass):
        for n in range(5):
            assert recorder.in_idle.wait(10), "the listener never entered IDLE"
            recorder.in_idle.clear()
            dovecot.deliver(make_mail(n))
            delays.append(
                wait_until(
                    lambda n=n: InboundMail.objects.filter(message_id=f"mail-{n}@kunde.example").exists(), timeout=60
                )
            )
        wait_until(lambda: sum(e[1] for e in recorder.kinds("pass")) == 5)
    print(f"IDLE delivery delays (s): {', '.join(f'{d:.3f}' for d in delays)}; max {max(delays):.3f}")
    assert len(recorder.kinds("connect")) == 1  # no reconnect found them
    events = recorder.events
    taking = [i for i, e in enumerate(events) if e[0] == "pass" and e[1] > 0]
    assert len(taking) == 5  # one pass per mail, each after its own announcement
    for i in taking:
        assert events[i - 1][0] == "wake", events[i - 3 : i + 1]
        assert any(b"EXISTS" in line for line in events[i - 1][1])
    assert dovecot.count("INBOX") == 0


@pytest.mark.django_db(transaction=True)
def test_listener_reconnects_after_a_dovecot_restart(dovecot, mailbox):
    with ListenerThread(mailbox.pk):
        dovecot.deliver(make_mail(1))
        wait_until(lambda: InboundMail.objects.count() == 1)
        dovecot.restart()
        dovecot.deliver(make_mail(2))
        delay = wait_until(lambda: InboundMail.objects.count() == 2, timeout=20)
        print(f"after the restart the mail was in after {delay:.2f} s")
    assert dovecot.count("INBOX") == 0


@pytest.mark.django_db(transaction=True)
def test_listener_polls_when_the_server_has_no_idle(dovecot, mailbox, monkeypatch):
    real_connect = imap.connect

    def connect_without_idle(mb):
        conn = real_connect(mb)
        conn.client.capabilities = tuple(c for c in conn.client.capabilities if c != "IDLE")
        return conn

    monkeypatch.setattr(imap, "connect", connect_without_idle)
    with ListenerThread(mailbox.pk, poll_interval=0.2) as listener:
        dovecot.deliver(make_mail(1))
        wait_until(lambda: InboundMail.objects.count() == 1)
        wait_until(lambda: listener.passes >= 2)  # it was a later poll, not the first pass, that found it


def test_mail_announced_during_a_pass_is_not_left_waiting_for_the_next_idle_event():
    import threading
    from types import SimpleNamespace

    from supportdesk.mailbox import imap as imap_module

    class NoIdle:
        def start(self):
            raise AssertionError("IDLE must not start while an announcement is pending")

    conn = SimpleNamespace(client=SimpleNamespace(untagged_responses={"EXISTS": [b"3"]}), idle=NoIdle())
    imap_module.wait_for_news(conn, stop=threading.Event())  # returns at once
    assert "EXISTS" not in conn.client.untagged_responses
    assert imap_module.news_pending(conn) is False


# --- back-off, servers without MOVE, TLS ---------------------------------------------------


class FakeStop:
    """Stands in for the listener's stop event: records each back-off wait instead of sleeping,
    and asks the listener to stop after ``waits`` of them."""

    def __init__(self, waits: int) -> None:
        self.waits: list[float] = []
        self.limit = waits

    def is_set(self) -> bool:
        return len(self.waits) >= self.limit

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_reconnect_back_off_doubles_and_is_capped(monkeypatch):
    attempts = []

    def refused(mb):
        attempts.append(mb)
        raise ConnectionRefusedError("server down")

    monkeypatch.setattr(imap, "close_old_connections", lambda: None)
    monkeypatch.setattr(imap.selectors, "mailbox_get", lambda pk: Mailbox(pk=pk, name="support", host="127.0.0.1"))
    monkeypatch.setattr(imap, "connect", refused)
    stop = FakeStop(waits=10)
    imap.listen(1, stop=stop)  # type: ignore[arg-type]
    assert stop.waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert len(attempts) == 10


def test_back_off_starts_small_again_after_a_successful_connection(monkeypatch):
    outcomes = iter(["refuse", "refuse", "refuse", "connect", "refuse"])
    disconnected = []

    def connect(mb):
        if next(outcomes) == "refuse":
            raise ConnectionRefusedError("server down")
        return object()

    def dropped(conn, mb, **kwargs):
        raise imaplib.IMAP4.abort("socket error: EOF")

    monkeypatch.setattr(imap, "close_old_connections", lambda: None)
    monkeypatch.setattr(imap.selectors, "mailbox_get", lambda pk: Mailbox(pk=pk, name="support", host="127.0.0.1"))
    monkeypatch.setattr(imap, "connect", connect)
    monkeypatch.setattr(imap, "mailbox_sync", dropped)
    monkeypatch.setattr(imap, "disconnect", disconnected.append)
    stop = FakeStop(waits=5)
    imap.listen(1, stop=stop)  # type: ignore[arg-type]
    assert stop.waits == [0.5, 1.0, 2.0, 0.5, 1.0]
    assert len(disconnected) == 1  # the connection that dropped was closed


def test_a_database_error_is_retried_with_back_off_too(monkeypatch):
    from django.db import OperationalError

    def database_down(pk):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(imap, "close_old_connections", lambda: None)
    monkeypatch.setattr(imap.selectors, "mailbox_get", database_down)
    stop = FakeStop(waits=3)
    imap.listen(1, stop=stop)  # type: ignore[arg-type]
    assert stop.waits == [0.5, 1.0, 2.0]


@pytest.mark.django_db
def test_without_move_the_mails_are_copied_and_deleted(dovecot, mailbox, monkeypatch):
    conn = imap.connect(mailbox)
    conn.client.capabilities = tuple(c for c in conn.client.capabilities if c != "MOVE")
    commands: list[str] = []
    real_uid = conn.client.uid

    def uid(command, *args):
        commands.append(command.upper())
        return real_uid(command, *args)

    monkeypatch.setattr(conn.client, "uid", uid)
    try:
        dovecot.deliver(make_mail(1))
        dovecot.deliver(GARBAGE)
        dovecot.deliver(make_mail(3))
        assert imap.mailbox_sync(conn, mailbox) == 3
    finally:
        imap.disconnect(conn)
    assert "MOVE" not in commands
    assert commands.count("COPY") == 2  # one to Processed, one to Quarantine
    assert "STORE" in commands  # flagged \Deleted, then expunged
    assert dovecot.count("INBOX") == 0
    assert sorted(dovecot.message_ids("Processed")) == ["<mail-1@kunde.example>", "<mail-3@kunde.example>"]
    assert dovecot.count("Quarantine") == 1
    assert InboundMail.objects.count() == 3


@pytest.fixture
def tls_dovecot() -> Iterator[object]:
    from supportdesk.mailbox.testing import Dovecot, dovecot_available

    if not dovecot_available():
        pytest.skip("needs Dovecot: apt-get install -y dovecot-imapd dovecot-core")
    server = Dovecot(tls=True).start()
    yield server
    server.cleanup()


@pytest.mark.parametrize("security", ["tls", "starttls"])
@pytest.mark.django_db
def test_tls_connections_verify_the_server_certificate(tls_dovecot, settings, security):
    port = tls_dovecot.tls_port if security == "tls" else tls_dovecot.port
    mailbox = Mailbox.objects.create(**{**tls_dovecot.mailbox_fields(), "security": security, "port": port})
    # a self-signed certificate nobody said to trust is refused
    with pytest.raises(ssl.SSLCertVerificationError):
        imap.connect(mailbox)
    settings.SUPPORTDESK_IMAP_CA_FILE = str(tls_dovecot.cert)
    tls_dovecot.deliver(make_mail(1))
    conn = imap.connect(mailbox)
    try:
        assert imap.mailbox_sync(conn, mailbox) == 1
    finally:
        imap.disconnect(conn)
    assert InboundMail.objects.get().message_id == "mail-1@kunde.example"
    assert tls_dovecot.count("Processed") == 1
    assert re.search(r"Login: user=<support@example.test>, method=PLAIN, .*, TLS", tls_dovecot.log())
