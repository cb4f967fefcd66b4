"""``manage.py mailbox import PATH`` (``supportdesk mailbox import PATH``): take in an mbox file,
a Maildir or a folder of .eml files through the same ingest as IMAP (``services.mails_import``).

The mails are taken in as an archive (``IntakeMode.IMPORT``): threaded into their tickets or
held in triage, but no Prio 1 keyword rule fires, no sender is flood-flagged and nobody gets an
automatic answer. Batches of 200 in one transaction each; every mail is stored once (dedupe keys), so an
interrupted import is resumed by running it again. On a terminal a progress bar shows how far it
is; in a log a plain line every few seconds.
"""

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from supportdesk.mailbox import services
from supportdesk.mailbox.exceptions import ImportSourceError
from supportdesk.mailbox.progress import Progress
from supportdesk.mailbox.services import ingest
from supportdesk.mailbox.services.importing import ImportCounts, import_source, mails_import


class _Unterminated:
    """Django's OutputWrapper ends every write with a newline; the progress line must not."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str, /) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()


@contextlib.contextmanager
def _batch_logs_quiet(quiet: bool) -> Iterator[None]:
    """On a terminal the bar says what the ingest's per-batch INFO lines say, and they would break
    it up; warnings (a quarantined mail) still show."""
    ingest_logger = logging.getLogger(ingest.__name__)
    level = ingest_logger.level
    if quiet:
        ingest_logger.setLevel(max(logging.WARNING, level))
    try:
        yield
    finally:
        ingest_logger.setLevel(level)


def summary(counts: ImportCounts) -> str:
    return (
        f"{counts.new} new ({counts.to_tickets} to tickets, {counts.for_triage} for triage, "
        f"{counts.ignored} own mails ignored), {counts.already_there} already there, "
        f"{counts.quarantined} quarantined, {len(counts.skipped)} skipped (unreadable)."
    )


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
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            source = import_source(path)
        except (ImportSourceError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        target = services.mailbox_for_import(name=mailbox_name)
        self.stdout.write(f"Importing {source.total} mail(s) from {path} into mailbox {target.name} …")
        progress = Progress(total=source.total, stream=_Unterminated(self.stdout), unit="mails")
        last = ImportCounts()

        def on_progress(counts: ImportCounts) -> None:
            nonlocal last
            last = counts
            progress.update(counts.done)

        try:
            with _batch_logs_quiet(progress.tty):
                counts = mails_import(
                    mailbox=target, entries=source.entries, batch_size=batch_size, on_progress=on_progress
                )
        except KeyboardInterrupt:
            progress.finish()
            raise CommandError(
                f"Interrupted after {last.done} of {source.total} mail(s): {summary(last)} "
                "Everything counted is stored; run the same command again to import the rest."
            ) from None
        progress.finish()
        for skipped in counts.skipped:
            self.stderr.write(f"Skipped {skipped}")
        self.stdout.write(self.style.SUCCESS(f"Done: {summary(counts)}"))
        if counts.skipped:
            raise CommandError(
                f"{len(counts.skipped)} mail(s) could not be read (listed above); the others are stored. "
                "Fix them and run the same command again."
            )
