"""``mailbox import PATH``: mbox, Maildir and a folder of .eml files; running it twice stores each mail once."""

import mailbox as stdlib_mailbox
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox
from supportdesk.mailbox.tests.test_ingest import make_mail

pytestmark = pytest.mark.django_db

MAILS = [make_mail(n) for n in range(25)] + [make_mail("ohne-id", message_id="")]


def run_import(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("mailbox", "import", str(path), *args, "--batch-size", "10", stdout=out)
    return out.getvalue()


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
