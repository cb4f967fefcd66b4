"""Mails per second ingested end to end: Dovecot inbox → imap.mailbox_sync → stored rows.

    python bench/mail_ingest.py [--mails 2000] [--database-url postgres://…/db]

Generates realistic mails (German/English, plain/HTML, quoted-printable/base64, 20 % replies,
10 % with attachments), writes them straight into a throw-away Dovecot's Maildir (faster than
``doveadm save``), then times ``mailbox_sync`` emptying the inbox. Prints ``name: value`` lines.
Needs root (Dovecot) like the tests. The p50/p99 IDLE delay is not measured yet.
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
    args = parser.parse_args()

    os.environ["SUPPORTDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="sd-bench-mail-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "supportdesk.settings"
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["SUPPORTDESK_LOG_LEVEL"] = "WARNING"

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
        started = time.perf_counter()
        handled = imap.mailbox_sync(conn, mailbox)
        elapsed = time.perf_counter() - started
        imap.disconnect(conn)
        stored = InboundMail.objects.count()
    finally:
        server.cleanup()
    print(f"database: {'postgresql' if args.database_url else 'sqlite'}")
    print(f"mails: {args.mails}")
    print(f"handled: {handled}")
    print(f"stored: {stored}")
    print(f"seconds: {elapsed:.2f}")
    print(f"mails_per_second: {handled / elapsed:.0f}")


if __name__ == "__main__":
    main()
