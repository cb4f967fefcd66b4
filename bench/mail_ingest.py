"""Mails per second ingested end to end: Dovecot inbox → imap.mailbox_sync → stored rows.

    python bench/mail_ingest.py [--mails 2000] [--database-url postgres://…/db]

Generates realistic mails (German/English, plain/HTML, quoted-printable/base64, 20 % replies,
10 % with attachments), writes them straight into a throw-away Dovecot's Maildir (faster than
``doveadm save``), then times ``mailbox_sync`` emptying the inbox. The replies answer tickets
that exist: ``--tickets`` tickets are seeded first, each started by a customer mail (taken in
through the import) and answered by us; a reply's In-Reply-To names one of those two mails, so
about 20 % of the timed mails thread into a ticket (``threaded`` says how many did). Then the IDLE delay: with the
listener (``imap.listen``, IDLE) running, mails are delivered one by one (``doveadm save``) at
``--idle-rate`` per second; the delay of each is from its delivery to the end of the pass that
committed it (and moved it). Prints ``name: value`` lines. Needs root (Dovecot) like the tests.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supportdesk.mailbox.models import Mailbox
    from supportdesk.mailbox.testing import Dovecot

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS_DE = [
    "Drucker",
    "Netzwerk",
    "Anmeldung",
    "Fehler",
    "Rechnung",
    "Zugang",
    "Server",
    "bitte",
    "dringend",
    "heute",
    "morgen",
]
WORDS_EN = [
    "printer",
    "network",
    "login",
    "error",
    "invoice",
    "access",
    "server",
    "please",
    "urgent",
    "today",
    "tomorrow",
]


REPLY_SHARE = 0.2


def make_mail(n: int, rng: random.Random, threads: list[tuple[str, str]] | None = None) -> bytes:
    """Mail ``n``; with ``threads`` ((customer's Message-ID, our answer's Message-ID) of seeded
    tickets) a fifth of them reply to one of those two mails."""
    german = rng.random() < 0.6
    words = WORDS_DE if german else WORDS_EN
    thread = rng.choice(threads) if threads and rng.random() < REPLY_SHARE else None
    msg = EmailMessage()
    msg["From"] = f"Kunde {n % 300} <kunde{n % 300}@kunde{n % 17}.example>"
    msg["To"] = "support@example.test"
    msg["Subject"] = ("AW: " if thread else "") + " ".join(rng.choices(words, k=4))
    msg["Message-ID"] = f"<bench-{n}-{rng.getrandbits(32)}@kunde.example>"
    msg["Date"] = "Mon, 02 Mar 2026 16:05:00 +0100"
    if thread is not None:
        first, answer = thread
        replied = answer if rng.random() < 0.7 else first  # mostly to our answer, sometimes to their own mail
        msg["In-Reply-To"] = f"<{replied}>"
        msg["References"] = f"<{first}> <{answer}>" if replied == answer else f"<{first}>"
    text = ("Hallo,\n" if german else "Hello,\n") + " ".join(rng.choices(words, k=80)) + "\nÄÖÜ ß\n"
    cte = "quoted-printable" if rng.random() < 0.5 else "base64"
    msg.set_content(text, cte=cte)
    if rng.random() < 0.3:
        msg.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html", cte=cte)
    if rng.random() < 0.1:
        msg.add_attachment(rng.randbytes(20_000), maintype="application", subtype="pdf", filename="scan.pdf")
    return bytes(msg)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write a cProfile of the timed sync to this file")
    parser.add_argument("--idle-mails", type=int, default=200, help="0: skip the IDLE delay measurement")
    parser.add_argument("--idle-rate", type=float, default=20.0, help="mails per second delivered for IDLE")
    parser.add_argument("--tickets", type=int, default=100, help="seeded tickets the replies thread into")
    args = parser.parse_args()

    os.environ["SUPPORTDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="sd-bench-mail-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "supportdesk.settings"
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["SUPPORTDESK_LOG_LEVEL"] = "WARNING"
    os.environ["SUPPORTDESK_DEBUG"] = "0"  # as in production: no query log (it would copy every raw mail)

    import django

    django.setup()
    from django.core.management import call_command

    from supportdesk.mailbox import imap
    from supportdesk.mailbox.models import InboundMail, Mailbox
    from supportdesk.mailbox.testing import Dovecot

    call_command("migrate", verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)

    threads = seed_tickets(args.tickets)
    rng = random.Random(42)
    mails = [make_mail(n, rng, threads) for n in range(args.mails)]
    replies = sum(b"\nIn-Reply-To:" in raw for raw in mails)
    server = Dovecot().start()
    try:
        server.deliver(mails[0])  # let Dovecot create the Maildir
        new = server.maildir_inbox() / "new"
        for n, raw in enumerate(mails[1:], start=1):
            path = new / f"{int(time.time())}.M{n}P{os.getpid()}.bench"
            path.write_bytes(raw)
            shutil.chown(path, "nobody", "nogroup")
        mailbox = Mailbox.objects.create(**server.mailbox_fields())
        conn = imap.connect(mailbox)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        cpu_started = time.process_time()
        handled = imap.mailbox_sync(conn, mailbox)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        imap.disconnect(conn)
        stored = InboundMail.objects.filter(mailbox=mailbox).count()
        threaded = InboundMail.objects.filter(mailbox=mailbox, state="article", ticket__isnull=False).count()
        delays = idle_delays(server, mailbox, count=args.idle_mails, rate=args.idle_rate)
    finally:
        server.cleanup()
    print(f"database: {'postgresql' if args.database_url else 'sqlite'}")
    print(f"mails: {args.mails}")
    print(f"handled: {handled}")
    print(f"stored: {stored}")
    print(f"replies: {replies}")
    print(f"threaded: {threaded} ({threaded / max(stored, 1):.0%})")
    print(f"seconds: {elapsed:.2f}")
    print(f"mails_per_second: {handled / elapsed:.0f}")
    print(f"main_process_cpu_ms_per_mail: {cpu / max(handled, 1) * 1000:.2f}")
    if delays:
        delays.sort()
        print(f"idle_mails: {len(delays)}")
        print(f"idle_delay_p50_ms: {delays[len(delays) // 2] * 1000:.0f}")
        print(f"idle_delay_p99_ms: {delays[min(len(delays) - 1, int(len(delays) * 0.99))] * 1000:.0f}")
        print(f"idle_delay_max_ms: {delays[-1] * 1000:.0f}")


def seed_tickets(count: int) -> list[tuple[str, str]]:
    """``count`` tickets, each with the customer's first mail (through the import, filed into it)
    and our answer; returns (customer's Message-ID, our answer's Message-ID) per ticket."""
    if count <= 0:
        return []
    from django.utils import timezone

    from supportdesk.mailbox import services
    from supportdesk.mailbox.models import InboundMail, InboundState, OutboundMail
    from supportdesk.tickets.models import Channel
    from supportdesk.tickets.services import ticket_create

    rng = random.Random(3)
    archive = services.mailbox_for_import(name="bench-archive")
    seeds = []
    for k in range(count):
        raw = make_mail(-1 - k, rng)
        old = raw[raw.index(b"<bench-") : raw.index(b">", raw.index(b"<bench-")) + 1]
        seeds.append(raw.replace(old, f"<seed-{k}@kunde.example>".encode()))
    mails = services.mails_ingest(
        mailbox=archive, items=[(None, raw) for raw in seeds], mode=services.IntakeMode.IMPORT
    )
    threads = []
    now = timezone.now()
    for k, mail in enumerate(mails):
        ticket = ticket_create(actor=None, subject=mail.subject or "Anfrage", body="(Mail)", channel=Channel.MAIL)
        InboundMail.objects.filter(pk=mail.pk).update(ticket=ticket, state=InboundState.ARTICLE)
        answer = f"answer-{k}@example.test"
        OutboundMail.objects.create(
            message_id=answer, ticket=ticket, to=mail.from_address, subject=f"AW: {mail.subject}", sent_at=now, raw=b""
        )
        threads.append((mail.message_id, answer))
    return threads


def idle_delays(server: "Dovecot", mailbox: "Mailbox", *, count: int, rate: float) -> list[float]:
    """Seconds from each delivery to the end of the listener pass that committed and moved it."""
    if count <= 0:
        return []
    import threading

    from supportdesk.mailbox import imap
    from supportdesk.mailbox.models import InboundMail

    rng = random.Random(7)
    raws = {f"idle-{n}@bench.example": make_mail(100_000 + n, rng) for n in range(count)}
    raws = {
        mid: raw.replace(raw[raw.index(b"<bench-") : raw.index(b">", raw.index(b"<bench-")) + 1], f"<{mid}>".encode())
        for mid, raw in raws.items()
    }
    delivered: dict[str, float] = {}
    committed: dict[str, float] = {}
    ready = threading.Event()
    stop = threading.Event()

    def on_pass(_handled: int) -> None:
        now = time.perf_counter()
        ready.set()
        ids = InboundMail.objects.filter(message_id__startswith="idle-").values_list("message_id", flat=True)
        for mid in ids:
            committed.setdefault(mid, now)

    listener = threading.Thread(target=imap.listen, args=(mailbox.pk,), kwargs={"stop": stop, "on_pass": on_pass})
    listener.start()
    try:
        ready.wait(30)
        time.sleep(1.0)  # the listener is in IDLE now
        interval = 1.0 / rate
        next_at = time.perf_counter()
        for mid, raw in raws.items():
            pause = next_at - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            server.deliver(raw)
            delivered[mid] = time.perf_counter()
            next_at += interval
        deadline = time.perf_counter() + 30
        while len(committed) < len(delivered) and time.perf_counter() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        listener.join(30)
    missing = len(delivered) - len(committed)
    if missing:
        print(f"idle_missing: {missing}")
    return [committed[mid] - delivered[mid] for mid in delivered if mid in committed]


if __name__ == "__main__":
    main()
