"""``manage.py mailbox import PATH`` (``supportdesk mailbox import PATH``): take in an mbox file,
a Maildir or a folder of .eml files through the same ingest as IMAP.

The mails are taken in as an archive (``IntakeMode.IMPORT``): threaded into their tickets or
held in triage, but no Prio 1 keyword rule fires, no sender is flood-flagged and nobody gets an
automatic answer. Batches of 200 in one transaction each; every mail is stored once (dedupe keys), so an
interrupted import is resumed by running it again.
"""

import mailbox as stdlib_mailbox
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportdesk.mailbox import services
from supportdesk.mailbox.exceptions import ImportSourceError
from supportdesk.mailbox.models import InboundState, Mailbox

PROGRESS_EVERY = 1000


def import_source(path: Path) -> tuple[int, Iterator[bytes]]:
    """The number of mails at ``path`` and an iterator over their raw bytes, oldest first."""
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            maildir = stdlib_mailbox.Maildir(str(path), factory=None, create=False)
            keys = sorted(maildir.keys())
            return len(keys), (maildir.get_bytes(key) for key in keys)
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".eml")
        if not files:
            raise ImportSourceError(f"{path} is neither a Maildir nor a folder with .eml files.")
        return len(files), (p.read_bytes() for p in files)
    if path.is_file():
        if path.suffix.lower() == ".eml":
            return 1, iter([path.read_bytes()])
        with path.open("rb") as handle:
            if not handle.read(5) == b"From ":
                raise ImportSourceError(f"{path} is not an mbox file (it does not start with 'From ').")
        box = stdlib_mailbox.mbox(str(path), factory=None, create=False)
        keys = list(box.keys())
        return len(keys), (box.get_bytes(key) for key in keys)
    raise ImportSourceError(f"{path} does not exist.")


class Command(BaseCommand):
    help = "Mailbox tools. `mailbox import PATH` imports an mbox file, a Maildir or a folder of .eml files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import mails from an mbox file, a Maildir or a folder of .eml files.")
        imp.add_argument("path")
        imp.add_argument(
            "--mailbox",
            default="",
            help="Name of the mailbox to file them under (default: the first mailbox, else a new inactive 'import').",
        )
        imp.add_argument("--batch-size", type=int, default=services.BATCH_SIZE)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "import":
            self.import_mails(Path(options["path"]), mailbox_name=options["mailbox"], batch_size=options["batch_size"])

    def import_mails(self, path: Path, *, mailbox_name: str, batch_size: int) -> None:
        try:
            total, mails = import_source(path)
        except (ImportSourceError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        target = services.mailbox_for_import(name=mailbox_name)
        counts = dict.fromkeys(["new", "skipped", *InboundState.values], 0)
        done = 0
        batch: list[tuple[int | None, bytes]] = []
        self.stdout.write(f"Importing {total} mail(s) from {path} into mailbox {target.name} …")

        def flush() -> None:
            nonlocal done
            if not batch:
                return
            self._ingest(target, batch, counts)
            done += len(batch)
            batch.clear()
            if done % PROGRESS_EVERY < batch_size or done == total:
                self.stdout.write(f"  {done}/{total}")

        for raw in mails:
            batch.append((None, raw))
            if len(batch) >= batch_size:
                flush()
        flush()
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {counts['new']} new ({counts['article']} to tickets, {counts['triage']} for triage, "
                f"{counts['quarantine']} quarantined), {counts['skipped']} already there."
            )
        )

    @staticmethod
    def _ingest(target: Mailbox, batch: list[tuple[int | None, bytes]], counts: dict[str, int]) -> None:
        now = timezone.now()
        # An archive pages nobody and answers nobody: no keyword rules, no flood counts, no auto-answers.
        results = services.mails_ingest(mailbox=target, items=batch, now=now, mode=services.IntakeMode.IMPORT)
        # Rows stored by this call carry its ``now``; a mail twice in one batch is one object.
        new = {mail.pk: mail for mail in results if mail.received_at == now}
        counts["new"] += len(new)
        counts["skipped"] += len(results) - len(new)
        for mail in new.values():
            counts[mail.state] += 1
