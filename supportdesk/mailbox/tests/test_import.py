"""``mailbox import PATH``: mbox, Maildir and a folder of .eml files; running it twice stores each mail once."""

import mailbox as stdlib_mailbox
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from supportdesk.mailbox import services
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox
from supportdesk.mailbox.services import importing
from supportdesk.mailbox.services.importing import SourceEntry
from supportdesk.mailbox.tests.test_ingest import make_mail
from supportdesk.mailbox.tests.test_progress import FakeTTY
from supportdesk.tickets.services import ticket_create

pytestmark = pytest.mark.django_db

MAILS = [make_mail(n) for n in range(25)] + [make_mail("ohne-id", message_id="")]


def run_import(path: Path, *args: str, stdout: StringIO | None = None) -> str:
    out = stdout or StringIO()
    call_command("mailbox", "import", str(path), *args, "--batch-size", "10", stdout=out, stderr=StringIO())
    return out.getvalue()


def write_eml_folder(folder: Path, mails: list[bytes]) -> None:
    for n, raw in enumerate(mails):
        (folder / f"{n:03}.eml").write_bytes(raw)


def assert_each_once() -> None:
    ids = list(InboundMail.objects.exclude(message_id="").values_list("message_id", flat=True))
    assert sorted(ids) == sorted(f"mail-{n}@kunde.example" for n in range(25))
    assert InboundMail.objects.filter(message_id="").count() == 1
    assert set(InboundMail.objects.values_list("state", flat=True)) == {InboundState.TRIAGE}


def test_mbox_twice(tmp_path):
    path = tmp_path / "support.mbox"
    box = stdlib_mailbox.mbox(str(path))
    for raw in MAILS:
        box.add(raw)
    box.flush()
    box.close()
    first = run_import(path)
    assert "26/26" in first
    assert "Done: 26 new" in first
    second = run_import(path)
    assert "Done: 0 new" in second and "26 already there" in second
    assert_each_once()
    assert InboundMail.objects.get(message_id="mail-3@kunde.example").subject == "Drucker defekt 3"


def test_maildir_twice(tmp_path):
    box = stdlib_mailbox.Maildir(str(tmp_path / "Maildir"))
    for raw in MAILS:
        box.add(raw)
    run_import(tmp_path / "Maildir")
    run_import(tmp_path / "Maildir")
    assert_each_once()


def test_folder_of_eml_twice_into_a_named_mailbox(tmp_path):
    for n, raw in enumerate(MAILS):
        (tmp_path / f"{n:03}.eml").write_bytes(raw)
    (tmp_path / "notes.txt").write_text("not a mail")
    run_import(tmp_path, "--mailbox", "archiv")
    run_import(tmp_path, "--mailbox", "archiv")
    assert_each_once()
    assert Mailbox.objects.get(name="archiv").active is False


def test_import_resumes_after_an_interruption(tmp_path):
    for n, raw in enumerate(MAILS[:10]):
        (tmp_path / f"{n:03}.eml").write_bytes(raw)
    run_import(tmp_path)
    for n, raw in enumerate(MAILS):
        (tmp_path / f"{n:03}.eml").write_bytes(raw)
    out = run_import(tmp_path)
    assert "Done: 16 new" in out and "10 already there" in out
    assert_each_once()


def test_unknown_source_is_refused(tmp_path):
    (tmp_path / "x.txt").write_text("hallo")
    with pytest.raises(CommandError):
        run_import(tmp_path / "x.txt")
    with pytest.raises(CommandError):
        run_import(tmp_path / "fehlt")


def test_not_a_terminal_gets_plain_lines_and_the_summary(tmp_path):
    write_eml_folder(tmp_path, MAILS)
    out = run_import(tmp_path)
    assert "\r" not in out and "[#" not in out
    lines = out.splitlines()
    assert lines[0].startswith("Importing 26 mail(s) from")
    assert lines[1].split()[:3] == ["26/26", "100", "%"]
    assert "mails/s" in lines[1]
    assert lines[2] == (
        "Done: 26 new (0 to tickets, 26 for triage, 0 own mails ignored), 0 already there, "
        "0 quarantined, 0 skipped (unreadable)."
    )


def test_a_terminal_gets_a_bar_redrawn_in_place(tmp_path):
    write_eml_folder(tmp_path, MAILS)
    out = run_import(tmp_path, stdout=FakeTTY())
    head, bar_line, done = out.split("\n", 2)
    assert head.startswith("Importing 26 mail(s)")
    frames = bar_line.split("\r")[1:]
    # drawn at the first batch and at the end; at most once per batch (3) plus the end
    assert 2 <= len(frames) <= 4
    assert frames[-1].startswith("[" + "#" * 30 + "] 26/26  100 %")
    assert "mails/s" in frames[-1]
    assert done.startswith("Done: 26 new")


def test_summary_counts_each_mail_once(tmp_path):
    mailbox = services.mailbox_for_import()
    [original] = services.mails_ingest(mailbox=mailbox, items=[(None, make_mail("erste"))])
    ticket = ticket_create(actor=None, subject="Drucker", body="x")
    InboundMail.objects.filter(pk=original.pk).update(ticket=ticket)
    mails = [
        make_mail("erste"),  # already there
        make_mail(1),
        make_mail(2, in_reply_to="<mail-erste@kunde.example>"),  # a follow-up: to its ticket
        b"\x00\x01 kein Mail",  # quarantined
        make_mail(1),  # twice in the source: already there the second time
        make_mail(3),
    ]
    write_eml_folder(tmp_path, mails)
    out = run_import(tmp_path)
    assert "Done: 3 new (1 to tickets, 2 for triage, 0 own mails ignored), 2 already there, 1 quarantined" in out
    assert InboundMail.objects.count() == 5
    assert InboundMail.objects.get(message_id="mail-2@kunde.example").ticket == ticket


def test_unreadable_entries_are_skipped_reported_and_the_rest_stored(tmp_path):
    mailbox = services.mailbox_for_import()

    def unreadable() -> bytes:
        raise PermissionError(13, "Permission denied")

    entries = [SourceEntry(f"{n}.eml", lambda raw=raw: raw) for n, raw in enumerate(MAILS[:5])]
    entries.insert(2, SourceEntry("kaputt.eml", unreadable))
    seen: list[int] = []
    counts = services.mails_import(
        mailbox=mailbox, entries=iter(entries), batch_size=2, on_progress=lambda c: seen.append(c.done)
    )
    assert counts.skipped == ["kaputt.eml: [Errno 13] Permission denied"]
    assert (counts.new, counts.already_there, counts.done) == (5, 0, 6)
    assert seen == sorted(seen) and seen[-1] == 6
    assert InboundMail.objects.count() == 5


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_command_names_an_unreadable_file_and_fails_after_storing_the_rest(tmp_path):
    write_eml_folder(tmp_path, MAILS[:3])
    (tmp_path / "kaputt.eml").symlink_to("/proc/self/mem")  # a file whose read fails (EIO)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"1 mail\(s\) could not be read"):
        call_command("mailbox", "import", str(tmp_path), stdout=out, stderr=err)
    assert "3 new" in out.getvalue() and "1 skipped (unreadable)" in out.getvalue()
    assert "Skipped kaputt.eml:" in err.getvalue()
    assert InboundMail.objects.count() == 3


def test_interrupted_import_keeps_the_committed_batches_and_resumes(tmp_path, monkeypatch):
    write_eml_folder(tmp_path, MAILS)
    real_ingest = importing.mails_ingest
    calls = 0

    def ctrl_c_in_the_second_batch(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return real_ingest(**kwargs)

    monkeypatch.setattr(importing, "mails_ingest", ctrl_c_in_the_second_batch)
    out = StringIO()
    with pytest.raises(CommandError, match=r"Interrupted after 10 of 26 mail\(s\).*run the same command again"):
        run_import(tmp_path, stdout=out)
    assert "10/26" in out.getvalue()  # the progress line is finished, not left hanging
    assert InboundMail.objects.count() == 10
    monkeypatch.setattr(importing, "mails_ingest", real_ingest)
    again = run_import(tmp_path)
    assert "Done: 16 new" in again and "10 already there" in again
    assert_each_once()


def test_batch_size_must_be_positive(tmp_path):
    write_eml_folder(tmp_path, MAILS[:1])
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("mailbox", "import", str(tmp_path), "--batch-size", "0", stdout=StringIO())
    assert InboundMail.objects.count() == 0
