"""TNEF (winmail.dat) from Outlook: the files inside become attachments, its body is used when the
mail has no other, and a damaged stream never costs the mail.

The streams are built here, attribute by attribute, as MS-OXTNEF lays them out (tnefparse
ships no samples).
"""

import base64
import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.mailbox import parsing, services, tnef
from supportdesk.mailbox.models import InboundAttachment, InboundState, Mailbox

LEVEL_MESSAGE, LEVEL_ATTACHMENT = 1, 2


def attribute(level: int, attr_id: int, attr_type: int, data: bytes) -> bytes:
    """One TNEF attribute: level, id, type, length, data, checksum (sum of the data bytes)."""
    return struct.pack("<BHHI", level, attr_id, attr_type, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def tnef_stream(*, body: bytes = b"", files: list[tuple[bytes, bytes]] = (), rtf_only: bool = False) -> bytes:
    stream = struct.pack("<IH", 0x223E9F78, 0x0102)
    stream += attribute(LEVEL_MESSAGE, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    stream += attribute(LEVEL_MESSAGE, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    stream += attribute(LEVEL_MESSAGE, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
    if body:
        stream += attribute(LEVEL_MESSAGE, 0x800C, 0x0002, body)  # attBody
    if rtf_only:
        # attMsgProps with one property: PR_RTF_COMPRESSED (0x1009, binary)
        rtf = b"LZFu\x00\x00\x00\x00"
        props = struct.pack("<I", 1) + struct.pack("<HH", 0x0102, 0x1009) + struct.pack("<II", 1, len(rtf)) + rtf
        stream += attribute(LEVEL_MESSAGE, 0x9003, 0x0006, props)
    for name, data in files:
        stream += attribute(LEVEL_ATTACHMENT, 0x9002, 0x0006, bytes(14))  # attAttachRendData: a new file
        stream += attribute(LEVEL_ATTACHMENT, 0x8010, 0x0001, name + b"\x00")  # attAttachTitle
        stream += attribute(LEVEL_ATTACHMENT, 0x800F, 0x0006, data)  # attAttachData
    return stream


def outlook_mail(winmail: bytes, *, text: str | None = None) -> bytes:
    parts = []
    if text is not None:
        parts.append(f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n")
    encoded = base64.encodebytes(winmail).decode().replace("\n", "\r\n")
    parts.append(
        'Content-Type: application/ms-tnef; name="winmail.dat"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="winmail.dat"\r\n\r\n' + encoded
    )
    body = "".join(f"--B\r\n{p}" for p in parts) + "--B--\r\n"
    return (
        "From: Bernd Müller <bernd@kunde.example>\r\nTo: support@example.test\r\nSubject: Rechnung\r\n"
        "Message-ID: <tnef-1@kunde.example>\r\nDate: Mon, 02 Mar 2026 16:05:00 +0100\r\nMIME-Version: 1.0\r\n"
        "X-MS-TNEF-Correlator: <x@kunde.example>\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n' + body
    ).encode()


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def test_decode_reads_files_and_body():
    content = tnef.decode(
        tnef_stream(body="Grüße aus Köln".encode("cp1252"), files=[(b"Rechnung.pdf", PDF), (b"liste.csv", b"a;b\n")])
    )
    assert [(f.filename, f.content_type, f.data) for f in content.files] == [
        ("Rechnung.pdf", "application/pdf", PDF),
        ("liste.csv", "text/csv", b"a;b\n"),
    ]
    assert content.text == "Grüße aus Köln"
    assert content.complete


def test_files_replace_winmail_dat_and_its_body_is_used():
    parsed = parsing.parse(outlook_mail(tnef_stream(body=b"Anbei die Rechnung.", files=[(b"Rechnung.pdf", PDF)])))
    assert [a.filename for a in parsed.attachments] == ["Rechnung.pdf"]
    assert parsed.attachments[0].data == PDF
    assert parsed.text == "Anbei die Rechnung."


def test_the_mails_own_body_wins_over_the_tnef_body():
    parsed = parsing.parse(outlook_mail(tnef_stream(body=b"aus TNEF", files=[(b"a.txt", b"Inhalt")]), text="Hallo"))
    assert parsed.text == "Hallo"
    assert [a.filename for a in parsed.attachments] == ["a.txt"]


def test_a_tiny_last_attribute_tnefparse_skips_keeps_winmail_dat():
    parsed = parsing.parse(outlook_mail(tnef_stream(files=[(b"a.txt", b"x")])))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]


def test_an_rtf_only_body_keeps_winmail_dat_next_to_the_files():
    parsed = parsing.parse(outlook_mail(tnef_stream(files=[(b"a.txt", b"Inhalt")], rtf_only=True)))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat", "a.txt"]


@pytest.mark.parametrize(
    "damaged",
    [
        b"\x78\x9f\x3e\x22\x01",  # the signature, then nothing
        tnef_stream(files=[(b"a.pdf", PDF)])[:45],  # cut off in the middle of an attribute
        struct.pack("<IH", 0x223E9F78, 1) + attribute(LEVEL_ATTACHMENT, 0x800F, 0x0006, b"data before any file"),
        b"not tnef at all",
    ],
)
def test_damaged_tnef_is_kept_as_it_is(damaged):
    parsed = parsing.parse(outlook_mail(damaged))
    [kept] = parsed.attachments
    assert kept.filename == "winmail.dat"
    assert kept.data == damaged
    assert any("TNEF" in d for d in parsed.defects)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=600))
def test_decode_never_raises_anything_but_tnef_error(noise, cut):
    # the signature and a valid start, then anything: tnefparse's own exceptions must not escape
    data = (tnef_stream(body=b"x", files=[(b"a.bin", b"yy")]) + noise)[: 6 + cut]
    with contextlib.suppress(tnef.TnefError):
        tnef.decode(data)


@pytest.mark.django_db
def test_ingest_stores_the_files_of_winmail_dat():
    mailbox = Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")
    raw = outlook_mail(tnef_stream(body=b"Anbei.", files=[(b"Rechnung.pdf", PDF)]))
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)])
    assert mail.state == InboundState.TRIAGE
    [attachment] = InboundAttachment.objects.filter(mail=mail)
    assert (attachment.filename, bytes(attachment.data)) == ("Rechnung.pdf", PDF)
    assert bytes(mail.raw) == raw  # the original, winmail.dat included, stays stored
