"""Mails per second ingested end to end: Dovecot inbox → imap.mailbox_sync → stored rows.

    python bench/mail_ingest.py [--mails 2000] [--database-url postgres://…/db]

Generates realistic mails (German/English, plain/HTML, quoted-printable/base64, 20 % replies,
10 % with attachments), writes them straight into a throw-away Dovecot's Maildir (faster than
``doveadm save``), then times ``mailbox_sync`` emptying the inbox. Then the IDLE delay: with the
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


def make_mail(n: int, rng: random.Random) -> bytes:
    german = rng.random() < 0.6
    words = WORDS_DE if german else WORDS_EN
    msg = EmailMessage()
    msg["From"] = f"Kunde {n % 300} <kunde{n % 300}@kunde{n % 17}.example>"
    msg["To"] = "support@example.test"
    msg["Subject"] = ("AW: " if rng.random() < 0.2 else "") + " ".join(rng.choices(words, k=4))
    msg["Message-ID"] = f"<bench-{n}-{rng.getrandbits(32)}@kunde.example>"
    msg["Date"] = "Mon, 02 Mar 2026 16:05:00 +0100"
    if n > 10 and rng.random() < 0.2:
        msg["In-Reply-To"] = f"<earlier-{n - 10}@example.com>"
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

    rng = random.Random(42)
    mails = [make_mail(n, rng) for n in range(args.mails)]
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
        stored = InboundMail.objects.count()
        delays = idle_delays(server, mailbox, count=args.idle_mails, rate=args.idle_rate)
    finally:
        server.cleanup()
    print(f"database: {'postgresql' if args.database_url else 'sqlite'}")
    print(f"mails: {args.mails}")
    print(f"handled: {handled}")
    print(f"stored: {stored}")
    print(f"seconds: {elapsed:.2f}")
    print(f"mails_per_second: {handled / elapsed:.0f}")
    print(f"main_process_cpu_ms_per_mail: {cpu / max(handled, 1) * 1000:.2f}")
    if delays:
        delays.sort()
        print(f"idle_mails: {len(delays)}")
        print(f"idle_delay_p50_ms: {delays[len(delays) // 2] * 1000:.0f}")
        print(f"idle_delay_p99_ms: {delays[min(len(delays) - 1, int(len(delays) * 0.99))] * 1000:.0f}")
        print(f"idle_delay_max_ms: {delays[-1] * 1000:.0f}")


def idle_delays(server: object, mailbox: object, *, count: int, rate: float) -> list[float]:
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
