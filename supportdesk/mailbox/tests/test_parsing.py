import base64
import binascii
from datetime import UTC, datetime, timedelta, timezone

import pytest

from supportdesk.mailbox.parsing import Unreadable, html_to_text, parse, sanitize_html

HEAD = b"From: Anna Beispiel <Anna@Example.DE>\r\nTo: support@example.com\r\nSubject: Test\r\n"


def mail(body: bytes, headers: bytes = b"", base: bytes = HEAD) -> bytes:
    return base + headers + b"\r\n" + body


def test_plain_mail_fields():
    parsed = parse(
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <JM@Example.de>\r\n"
        b"To: Support <support@example.com>, b@example.com\r\nCc: c@example.com\r\n"
        b"Subject: =?utf-8?B?RHJ1Y2tlciBmw6RsbHQgYXVz?= [SD-2026-00042]\r\n"
        b"Date: Tue, 03 Mar 2026 10:15:00 +0100\r\nMessage-ID: <abc@example.de>\r\n"
        b"In-Reply-To: <x1@example.com>\r\nReferences: <x0@example.com>\r\n <x1@example.com>\r\n\r\nHallo\r\n"
    )
    assert parsed.from_address == "jm@example.de"
    assert parsed.from_name == "Jürgen Müller"
    assert parsed.to == [("Support", "support@example.com"), ("", "b@example.com")]
    assert parsed.cc == [("", "c@example.com")]
    assert parsed.subject == "Drucker fällt aus [SD-2026-00042]"
    assert parsed.date == datetime(2026, 3, 3, 10, 15, tzinfo=timezone(timedelta(hours=1)))
    assert parsed.message_id == "abc@example.de"
    assert parsed.in_reply_to == ["x1@example.com"]
    assert parsed.references == ["x0@example.com", "x1@example.com"]
    assert parsed.text == "Hallo"
    assert not parsed.is_automatic
    assert not parsed.is_bounce
    assert parsed.defects == []


@pytest.mark.parametrize(
    ("charset", "encoded"),
    [
        (b"iso-8859-1", "Grüße aus Köln".encode("latin-1")),
        (b"windows-1250", "Čtvrtek přesvědčen".encode("cp1250")),
        (b"koi8-r", "привет".encode("koi8-r")),
        (b"utf-8", "Grüße €".encode()),
    ],
)
def test_declared_charsets(charset, encoded):
    parsed = parse(mail(encoded, b"Content-Type: text/plain; charset=" + charset + b"\r\n"))
    assert parsed.text == encoded.decode(charset.decode())


def test_wrong_declared_charset_falls_back_to_utf8():
    parsed = parse(mail("Grüße".encode(), b"Content-Type: text/plain; charset=iso-8859-1\r\n"))
    assert parsed.text == "Grüße"
    assert any("UTF-8" in d for d in parsed.defects)


def test_undeclared_windows_1252():
    parsed = parse(mail("Gebühr: 5 € – bitte prüfen".encode("cp1252")))
    assert parsed.text == "Gebühr: 5 € – bitte prüfen"


def test_unknown_charset_does_not_crash():
    parsed = parse(mail("Grüße".encode(), b"Content-Type: text/plain; charset=x-klingon\r\n"))
    assert parsed.text == "Grüße"
    assert any("unknown charset" in d for d in parsed.defects)


def test_encoded_word_subjects():
    parsed = parse(
        b"From: =?Windows-1252?Q?Hans_B=C4KO?= =?iso-8859-15?q?Sch=F6nland?= <me@example.net>\r\n"
        b"Subject: AW: =?iso-8859-1?q?Gr=FC=DFe?= aus =?utf-8?q?K=C3=B6ln?=\r\n\r\nx"
    )
    assert parsed.subject == "AW: Grüße aus Köln"
    assert parsed.from_name == "Hans BÄKOSchönland"  # whitespace between encoded words is not text


def test_broken_encoded_words_and_8bit_headers_do_not_crash():
    parsed = parse(
        b"From: \xc3\x9cberall <u@example.com>\r\nSubject: =?x-unknown?q?abc?= =?utf-8?b?broken=?= M\xfcnchen\r\n\r\nx"
    )
    assert parsed.from_name == "Überall"
    assert "abc" in parsed.subject
    assert parsed.subject.endswith("München")


def test_iso_2022_jp():
    subject = base64.b64encode("ご注文".encode("iso-2022-jp")).decode()
    raw = (
        f"From: shop@example.jp\r\nSubject: =?ISO-2022-JP?B?{subject}?=\r\n"
        "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
    ).encode() + "お届けします".encode("iso-2022-jp")
    parsed = parse(raw)
    assert parsed.subject == "ご注文"
    assert parsed.text == "お届けします"


def test_backslashes_survive_in_8bit_bodies():
    body = "Pfad: C:\\Users\\Jürgen\\new und \\x41 \\u00e4".encode()
    parsed = parse(mail(body, b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"))
    assert parsed.text == "Pfad: C:\\Users\\Jürgen\\new und \\x41 \\u00e4"
    latin = parse(mail("C:\\Users\\Müller".encode("latin-1")))
    assert latin.text == "C:\\Users\\Müller"


def test_null_bytes_are_stripped_from_text():
    parsed = parse(mail(b"Hal\x00lo\x00", b"Content-Type: text/plain; charset=utf-8\r\n"))
    assert parsed.text == "Hallo"
    assert any("null bytes" in d for d in parsed.defects)


MULTIPART = (
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSiehe Anhang.\r\n"
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\n"
    b"ERROR 42\r\n"
    b'--XX\r\nContent-Type: text/plain; name="=?utf-8?Q?Erkl=C3=A4rung.txt?="\r\n\r\nnur Name\r\n'
    b"--XX\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''Bericht%20M%C3%A4rz.pdf\r\n\r\n"
    + base64.b64encode(b"%PDF-1.4 test")
    + b"\r\n--XX--\r\n"
)


def test_text_plain_attachments_are_kept():
    parsed = parse(HEAD + MULTIPART)
    assert parsed.text == "Siehe Anhang."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("log.txt", "text/plain"),
        ("Erklärung.txt", "text/plain"),
        ("Bericht März.pdf", "application/pdf"),
    ]
    assert parsed.attachments[0].data == b"ERROR 42"
    assert parsed.attachments[2].data == b"%PDF-1.4 test"


def test_inline_cid_image():
    png = b"\x89PNG\r\n\x1a\nfake"
    raw = HEAD + (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=R\r\n\r\n"
        b'--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Bild: <img src="cid:logo@x"></p>\r\n'
        b"--R\r\nContent-Type: image/png; name=logo.png\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-ID: <logo@x>\r\nContent-Disposition: inline\r\n\r\n" + base64.b64encode(png) + b"\r\n--R--\r\n"
    )
    parsed = parse(raw)
    assert parsed.html.startswith("<p>Bild:")
    assert parsed.text == "Bild:"
    [image] = parsed.attachments
    assert (image.filename, image.content_type, image.content_id, image.inline) == (
        "logo.png",
        "image/png",
        "logo@x",
        True,
    )
    assert image.data == png


def test_uuencode_block_in_body_becomes_attachment():
    encoded = binascii.b2a_uu(b"hello uu")
    parsed = parse(mail(b"Text davor\r\n\r\nbegin 644 gruss.txt\r\n" + encoded + b"`\r\nend\r\n\r\nText danach\r\n"))
    assert "begin 644" not in parsed.text
    assert "Text davor" in parsed.text and "Text danach" in parsed.text
    [att] = parsed.attachments
    assert (att.filename, att.data) == ("gruss.txt", b"hello uu")


def test_x_uuencode_transfer_encoding():
    raw = HEAD + (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=Z\r\n\r\n"
        b"--Z\r\nContent-Type: text/plain\r\n\r\nsiehe\r\n"
        b"--Z\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
        b"begin 644 a.bin\r\n" + binascii.b2a_uu(b"\x00\x01binary") + b"`\r\nend\r\n--Z--\r\n"
    )
    [att] = parse(raw).attachments
    assert att.data == b"\x00\x01binary"


def test_broken_boundary_still_yields_text():
    parsed = parse(
        HEAD + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=NOPE\r\n\r\nDer Text ohne Teile.\r\n"
    )
    assert parsed.text == "Der Text ohne Teile."
    assert parsed.defects


def test_missing_close_boundary():
    raw = (
        HEAD
        + b"Content-Type: multipart/alternative; boundary=A\r\n\r\n--A\r\nContent-Type: text/plain\r\n\r\nHallo\r\n"
    )
    assert parse(raw).text == "Hallo"


BOUNCE = (
    b"From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\nTo: support@example.com\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry.\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
    b"Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    b"--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@example.com\r\nTo: x@example.org\r\n"
    b"Subject: [SD-2026-00042] Antwort\r\nMessage-ID: <reply-42@support.example.com>\r\n\r\nHallo\r\n--B--\r\n"
)


def test_multipart_report_bounce():
    parsed = parse(BOUNCE)
    assert parsed.is_bounce
    assert parsed.is_automatic
    assert parsed.bounced_message_id == "reply-42@support.example.com"
    assert parsed.text == "I'm sorry."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("attachment.txt", "message/delivery-status"),
        ("[SD-2026-00042] Antwort.eml", "message/rfc822"),
    ]
    assert b"Status: 5.1.1" in parsed.attachments[0].data
    assert b"Message-ID: <reply-42@support.example.com>" in parsed.attachments[1].data


def test_rfc822_headers_bounce():
    raw = BOUNCE.replace(b"Content-Type: message/rfc822", b"Content-Type: text/rfc822-headers")
    parsed = parse(raw)
    assert parsed.bounced_message_id == "reply-42@support.example.com"


def test_read_receipt_is_automatic_but_no_bounce():
    raw = BOUNCE.replace(b"report-type=delivery-status", b"report-type=disposition-notification").replace(
        b"MAILER-DAEMON", b"anna"
    )
    raw = raw.replace(b"Subject: Undelivered Mail Returned to Sender", b"Subject: Gelesen")
    parsed = parse(raw)
    assert parsed.is_automatic
    assert not parsed.is_bounce
    assert parsed.bounced_message_id == ""


@pytest.mark.parametrize(
    ("header", "automatic"),
    [
        (b"Auto-Submitted: auto-replied\r\n", True),
        (b"Auto-Submitted: auto-generated; type=x\r\n", True),
        (b"Auto-Submitted: no\r\n", False),
        (b"Precedence: bulk\r\n", True),
        (b"Precedence: list\r\n", True),
        (b"Precedence: junk\r\n", True),
        (b"Precedence: urgent\r\n", False),
        (b"X-Autoreply: yes\r\n", True),
        (b"X-Autorespond: Abwesenheit\r\n", True),
        (b"List-Id: <team.lists.example.com>\r\n", True),
        (b"X-Auto-Response-Suppress: All\r\n", True),
        (b"X-Auto-Response-Suppress: DR, AutoReply\r\n", True),
        (b"X-Auto-Response-Suppress: RN, NRN, OOF\r\n", False),
        (b"Return-Path: <>\r\n", True),
        (b"", False),
    ],
)
def test_automatic_detection(header, automatic):
    parsed = parse(mail(b"Hallo", header))
    assert parsed.is_automatic is automatic
    assert not parsed.is_bounce


def test_selected_headers_are_exposed():
    parsed = parse(mail(b"x", b"Auto-Submitted: auto-replied\r\nPrecedence: bulk\r\nX-Other: 1\r\n"))
    assert parsed.headers["Auto-Submitted"] == "auto-replied"
    assert parsed.headers["Precedence"] == "bulk"
    assert "X-Other" not in parsed.headers


def test_mailer_daemon_without_report_is_a_bounce():
    parsed = parse(
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>\r\nSubject: Mail delivery failed\r\n\r\n"
        b"The following message could not be delivered.\r\n\r\nMessage-ID: <orig-1@example.com>\r\n"
    )
    assert parsed.is_bounce
    assert parsed.bounced_message_id == "orig-1@example.com"


def test_html_only_mail_gets_text():
    html = (
        b"<html><head><style>p{color:red}</style><title>T</title></head><body>"
        b"<p>Hallo&nbsp;Anna,</p><div>Zeile&nbsp;2<br>Zeile 3</div><ul><li>eins</li><li>zwei &amp; drei</li></ul>"
        b"<script>alert(1)</script></body></html>"
    )
    parsed = parse(mail(html, b"Content-Type: text/html; charset=utf-8\r\n"))
    assert parsed.html == html.decode()
    assert parsed.text == "Hallo Anna,\n\nZeile 2\nZeile 3\n- eins\n- zwei & drei"


def test_html_to_text_keeps_pre():
    assert html_to_text("<pre>a  b\n  c</pre>") == "a  b\n  c"


def test_sanitize_html_drops_scripts_handlers_and_remote_images():
    dirty = (
        '<body onload="evil()"><p onclick="x()" style="color:red">Hallo</p><script>alert(1)</script>'
        '<style>p{}</style><img src="cid:logo@x" alt="Logo"><img src="http://tracker.example/p.gif" alt="Pixel">'
        '<img src="https://tracker.example/q.gif"><a href="javascript:alert(1)">x</a>'
        '<a href="https://example.com">Link</a><iframe src="https://e.com"></iframe></body>'
    )
    clean = sanitize_html(dirty, {"<logo@x>": "/mail/attachments/7/"})
    assert "script" not in clean and "alert" not in clean
    assert "onload" not in clean and "onclick" not in clean and "style" not in clean
    assert '<img src="/mail/attachments/7/" alt="Logo">' in clean
    assert "tracker" not in clean
    assert "Pixel" in clean
    assert "javascript" not in clean
    assert 'href="https://example.com"' in clean
    assert "iframe" not in clean
    assert "<p>Hallo</p>" in clean


def test_sanitize_html_unknown_cid_and_remote_images_on_request():
    clean = sanitize_html('<img src="cid:missing"><img src="https://e.com/a.png" alt="A">', allow_remote_images=True)
    assert "cid:" not in clean
    assert 'src="https://e.com/a.png"' in clean


def test_date_without_zone_and_invalid_date():
    assert parse(mail(b"x", b"Date: Tue, 03 Mar 2026 10:15:00 -0000\r\n")).date == datetime(
        2026, 3, 3, 10, 15, tzinfo=UTC
    )
    parsed = parse(mail(b"x", b"Date: Wed, 05 Sep 2018 29:24:05 +0700\r\n"))
    assert parsed.date is None
    assert any("Date" in d for d in parsed.defects)


def test_missing_from_falls_back_to_reply_to():
    parsed = parse(b"Reply-To: <r@example.com>\r\nSubject: x\r\n\r\nx")
    assert parsed.from_address == "r@example.com"
    assert any("Reply-To" in d or "reply-to" in d for d in parsed.defects)


def test_leading_junk_line_before_headers():
    parsed = parse(b"---- Original email message ----\r\n" + HEAD + b"\r\nHallo")
    assert parsed.from_address == "anna@example.de"
    assert parsed.text == "Hallo"


def test_tnef_is_kept_as_attachment():
    raw = HEAD + (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=T\r\n\r\n"
        b"--T\r\nContent-Type: text/plain\r\n\r\nx\r\n"
        b"--T\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"\x78\x9f\x3e\x22rest")
        + b"\r\n--T--\r\n"
    )
    [att] = parse(raw).attachments
    assert (att.filename, att.content_type, att.data) == ("winmail.dat", "application/ms-tnef", b"\x78\x9f\x3e\x22rest")


@pytest.mark.parametrize(
    "raw", [b"", b"   \r\n\r\n", b"\x00\x00", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"]
)
def test_unreadable_only_when_nothing_is_there(raw):
    with pytest.raises(Unreadable):
        parse(raw)


def test_headers_only_mail_parses():
    parsed = parse(b"From: a@example.com\r\nSubject: nur Kopf")
    assert parsed.from_address == "a@example.com"
    assert parsed.subject == "nur Kopf"
    assert parsed.text == ""
