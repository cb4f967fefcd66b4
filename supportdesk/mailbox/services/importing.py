"""The import of an archive (``mailbox import PATH``): an mbox file, a Maildir or a folder of .eml files.

The mails go through ``mails_ingest`` in batches, each batch its own durable transaction, as an
archive (``IntakeMode.IMPORT``: threaded or held in triage; no Prio 1 rules, flood counts or
automatic answers). Every mail is stored once (dedupe keys), so an import that was interrupted —
by Ctrl-C, a crash, a full disk — is resumed by running it again: what was committed is counted
as "already there", the rest is taken in.
"""

import logging
import mailbox as stdlib_mailbox
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from supportdesk.mailbox.exceptions import ImportSourceError
from supportdesk.mailbox.models import InboundState, Mailbox
from supportdesk.mailbox.services.decide import IntakeMode
from supportdesk.mailbox.services.ingest import BATCH_SIZE, mails_ingest

logger = logging.getLogger(__name__)

READ_ERRORS = (OSError, KeyError)
"""What reading one mail of a source may raise (unreadable file; a Maildir file gone meanwhile)."""


@dataclass(frozen=True)
class SourceEntry:
    """One mail of an import source, read only when its batch is due."""

    label: str
    """Names it in messages: the file name, the Maildir key, ``message 12`` of an mbox."""
    read: Callable[[], bytes]


@dataclass(frozen=True)
class ImportSource:
    total: int
    entries: Iterator[SourceEntry]


def _reader(read: Callable[[str], bytes], key: str) -> Callable[[], bytes]:
    return lambda: read(key)


def import_source(path: Path) -> ImportSource:
    """The mails at ``path``, oldest first; ImportSourceError if it is none of the three kinds."""
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            maildir = stdlib_mailbox.Maildir(str(path), factory=None, create=False)
            keys = sorted(maildir.keys())
            return ImportSource(len(keys), (SourceEntry(key, _reader(maildir.get_bytes, key)) for key in keys))
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".eml")
        if not files:
            raise ImportSourceError(f"{path} is neither a Maildir nor a folder with .eml files.")
        return ImportSource(len(files), (SourceEntry(p.name, p.read_bytes) for p in files))
    if path.is_file():
        if path.suffix.lower() == ".eml":
            return ImportSource(1, iter([SourceEntry(path.name, path.read_bytes)]))
        with path.open("rb") as handle:
            if handle.read(5) != b"From ":
                raise ImportSourceError(f"{path} is not an mbox file (it does not start with 'From ').")
        box = stdlib_mailbox.mbox(str(path), factory=None, create=False)
        keys = list(box.keys())
        return ImportSource(
            len(keys),
            (SourceEntry(f"message {n}", _reader(box.get_bytes, key)) for n, key in enumerate(keys, 1)),  # type: ignore[arg-type]
        )
    raise ImportSourceError(f"{path} does not exist.")


@dataclass
class ImportCounts:
    """What became of the mails of an import so far; every mail is in exactly one of the counts."""

    to_tickets: int = 0
    for_triage: int = 0
    ignored: int = 0
    """Our own mails coming back: stored, but nothing to do."""
    quarantined: int = 0
    already_there: int = 0
    """Stored by an earlier run (or earlier in this one: the same mail twice in the source)."""
    skipped: list[str] = field(default_factory=list)
    """Mails that could not be read from the source, as ``label: reason``; not stored."""

    @property
    def new(self) -> int:
        """Stored by this run and readable (to tickets, for triage, ignored)."""
        return self.to_tickets + self.for_triage + self.ignored

    @property
    def done(self) -> int:
        return self.new + self.quarantined + self.already_there + len(self.skipped)


def _ingest_batch(*, mailbox: Mailbox, raws: list[bytes], counts: ImportCounts) -> None:
    now = timezone.now()
    results = mails_ingest(mailbox=mailbox, items=[(None, raw) for raw in raws], now=now, mode=IntakeMode.IMPORT)
    # Rows stored by this call carry its ``now``; a mail twice in one batch is one object.
    new = {mail.pk: mail for mail in results if mail.received_at == now}
    counts.already_there += len(results) - len(new)
    for mail in new.values():
        if mail.state == InboundState.ARTICLE:
            counts.to_tickets += 1
        elif mail.state == InboundState.TRIAGE:
            counts.for_triage += 1
        elif mail.state == InboundState.QUARANTINE:
            counts.quarantined += 1
        else:
            counts.ignored += 1


def mails_import(
    *,
    mailbox: Mailbox,
    entries: Iterator[SourceEntry],
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[ImportCounts], object] | None = None,
) -> ImportCounts:
    """Take in ``entries`` into ``mailbox``, ``batch_size`` at a time; ``on_progress(counts)`` after
    each committed batch and each unreadable entry. Not atomic on purpose: each batch commits on its
    own (``mails_ingest`` is durable), so an interruption keeps every batch before it. A mail that
    cannot be read is skipped (``counts.skipped``) and never stops the others."""
    counts = ImportCounts()
    batch: list[bytes] = []
    size = max(1, batch_size)

    def flush() -> None:
        if batch:
            _ingest_batch(mailbox=mailbox, raws=batch, counts=counts)
            batch.clear()
            if on_progress is not None:
                on_progress(counts)

    for entry in entries:
        try:
            batch.append(entry.read())
        except READ_ERRORS as exc:
            logger.warning("mailbox import into %s: cannot read %s: %s", mailbox.name, entry.label, exc)
            counts.skipped.append(f"{entry.label}: {exc}")
            if on_progress is not None:
                on_progress(counts)
            continue
        if len(batch) >= size:
            flush()
    flush()
    return counts
