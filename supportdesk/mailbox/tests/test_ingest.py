"""The ingest service: dedupe, follow-ups, quarantine, one transaction per batch."""

import pytest

from supportdesk.mailbox import parsing, services
from supportdesk.mailbox.models import InboundAttachment, InboundMail, InboundState, Mailbox
from supportdesk.tickets.models import ArticleKind
from supportdesk.tickets.services import ticket_create


def make_mail(
    n: int | str,
    *,
    subject: str = "Drucker defekt",
    body: str = "Hallo,\nder Drucker geht nicht.\n",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    extra_headers: str = "",
) -> bytes:
    message_id = f"<mail-{n}@kunde.example>" if message_id is None else message_id
    headers = [
        "From: Erika Mustermann <erika@kunde.example>",
        "To: support@example.test",
        f"Subject: {subject} {n}",
        "Date: Mon, 02 Mar 2026 16:05:00 +0100",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    if references:
        headers.append(f"References: {references}")
    if extra_headers:
        headers.append(extra_headers)
    return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


@pytest.fixture
def mailbox(db) -> Mailbox:
    return Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")


def test_new_mail_goes_to_triage_with_its_raw_bytes(mailbox):
    raw = make_mail(1)
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(7, raw)])
    mail.refresh_from_db()
    assert mail.state == InboundState.TRIAGE
    assert bytes(mail.raw) == raw
    assert mail.message_id == "mail-1@kunde.example"
    assert mail.dedupe_key == "mail-1@kunde.example"
    assert mail.from_address == "erika@kunde.example"
    assert mail.subject == "Drucker defekt 1"
    assert mail.imap_uid == 7
    mailbox.refresh_from_db()
    assert mailbox.last_seen_uid == 7


def test_same_message_id_twice_is_one_result(mailbox):
    raw = make_mail(1)
    first = services.mails_ingest(mailbox=mailbox, items=[(1, raw), (2, raw)])
    redelivered = b"Received: from relay2 by mx; Mon, 02 Mar 2026 16:06:00 +0100\r\n" + raw
    second = services.mails_ingest(mailbox=mailbox, items=[(3, redelivered)])
    assert InboundMail.objects.count() == 1
    assert first[0].pk == first[1].pk == second[0].pk


def test_message_id_reused_for_another_body_gets_its_own_key(mailbox):
    services.mails_ingest(mailbox=mailbox, items=[(1, make_mail(1, body="eins"))])
    [other] = services.mails_ingest(mailbox=mailbox, items=[(2, make_mail(1, body="zwei"))])
    assert InboundMail.objects.count() == 2
    assert other.dedupe_key.startswith("sha256:")
    # and that one, delivered again, is still one
    services.mails_ingest(mailbox=mailbox, items=[(3, make_mail(1, body="zwei"))])
    assert InboundMail.objects.count() == 2


def test_mail_without_message_id_is_deduplicated_by_hash(mailbox):
    raw = make_mail(1, message_id="")
    services.mails_ingest(mailbox=mailbox, items=[(1, raw)])
    services.mails_ingest(mailbox=mailbox, items=[(2, raw)])
    [mail] = InboundMail.objects.all()
    assert mail.dedupe_key.startswith("sha256:")
    assert mail.message_id == ""


@pytest.mark.parametrize("header", ["in_reply_to", "references"])
def test_follow_up_becomes_an_article_of_the_ticket(mailbox, header):
    [original] = services.mails_ingest(mailbox=mailbox, items=[(1, make_mail(1))])
    ticket = ticket_create(actor=None, subject="Drucker", channel="mail")
    InboundMail.objects.filter(pk=original.pk).update(ticket=ticket)
    reply_headers = {header: "<mail-1@kunde.example>"}
    if header == "references":
        reply_headers[header] = "<unbekannt@irgendwo.example> <mail-1@kunde.example>"
    [reply] = services.mails_ingest(
        mailbox=mailbox, items=[(2, make_mail(2, subject="AW: Drucker", body="Geht wieder.", **reply_headers))]
    )
    reply.refresh_from_db()
    assert reply.state == InboundState.ARTICLE
    assert reply.ticket == ticket
    assert reply.article.kind == ArticleKind.MAIL_IN
    assert reply.article.ticket == ticket
    assert "Geht wieder." in reply.article.body


def test_reference_to_an_unknown_or_ticketless_mail_goes_to_triage(mailbox):
    services.mails_ingest(mailbox=mailbox, items=[(1, make_mail(1))])
    [reply] = services.mails_ingest(
        mailbox=mailbox,
        items=[(2, make_mail(2, in_reply_to="<mail-1@kunde.example>", references="<nie@gesehen.example>"))],
    )
    assert reply.state == InboundState.TRIAGE
    assert reply.ticket is None


def test_unreadable_mail_is_quarantined_and_the_others_are_ingested(mailbox):
    garbage = b"\x00\x01\x02 not a mail at all"
    results = services.mails_ingest(mailbox=mailbox, items=[(1, make_mail(1)), (2, garbage), (3, make_mail(3))])
    assert [r.state for r in results] == [InboundState.TRIAGE, InboundState.QUARANTINE, InboundState.TRIAGE]
    bad = InboundMail.objects.get(state=InboundState.QUARANTINE)
    assert bytes(bad.raw) == garbage
    assert bad.reason.startswith("Unreadable")


def test_any_parser_exception_only_quarantines_that_mail(mailbox, monkeypatch):
    real_parse = parsing.parse

    def flaky_parse(raw: bytes) -> parsing.ParsedMail:
        if b"mail-2@" in raw:
            raise RecursionError("maximum recursion depth exceeded")
        return real_parse(raw)

    monkeypatch.setattr(parsing, "parse", flaky_parse)
    results = services.mails_ingest(mailbox=mailbox, items=[(n, make_mail(n)) for n in (1, 2, 3)])
    assert [r.state for r in results] == [InboundState.TRIAGE, InboundState.QUARANTINE, InboundState.TRIAGE]
    assert results[1].reason == "RecursionError: maximum recursion depth exceeded"
    assert results[1].message_id == "mail-2@kunde.example"  # from the quick header read


def test_attachments_are_stored(mailbox):
    raw = (
        b"From: erika@kunde.example\r\nMessage-ID: <att@kunde.example>\r\nSubject: Log\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSiehe Anhang.\r\n"
        b"--XX\r\nContent-Type: text/plain; name=fehler.log\r\nContent-Disposition: attachment; filename=fehler.log\r\n"
        b"\r\nC:\\Users\\erika\r\n--XX--\r\n"
    )
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(1, raw)])
    [attachment] = InboundAttachment.objects.filter(mail=mail)
    assert attachment.filename == "fehler.log"
    assert bytes(attachment.data).startswith(b"C:\\Users\\erika")
    assert attachment.size == len(bytes(attachment.data))


def test_batch_is_one_transaction(mailbox, django_assert_max_num_queries):
    items = [(n, make_mail(n)) for n in range(1, 201)]
    with django_assert_max_num_queries(20):
        services.mails_ingest(mailbox=mailbox, items=items)
    assert InboundMail.objects.count() == 200


@pytest.mark.django_db
def test_imap_url_creates_then_updates_the_mailbox(settings):
    settings.SUPPORTDESK_IMAP_MAILBOX = settings_module().imap_mailbox_from_url(
        "imap://support%40example.test:geheim@mail.example:1143/INBOX"
    )
    first = services.mailbox_configure_from_settings()
    Mailbox.objects.filter(pk=first.pk).update(last_seen_uid=42, uidvalidity=9)
    settings.SUPPORTDESK_IMAP_MAILBOX = settings_module().imap_mailbox_from_url(
        "imaps://support%40example.test:neu@mail.example/INBOX?processed=Erledigt"
    )
    second = services.mailbox_configure_from_settings()
    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.username, second.password, second.port, second.security) == (
        "support@example.test",
        "neu",
        993,
        "tls",
    )
    assert second.processed_folder == "Erledigt"
    assert (second.last_seen_uid, second.uidvalidity) == (42, 9)
    assert Mailbox.objects.count() == 1


def settings_module():
    from supportdesk import settings as module

    return module


def test_imap_url_parsing():
    fields = settings_module().imap_mailbox_from_url(
        "imap://support%40example.test:p%40ss@127.0.0.1:1143/Support/Eingang?tls=starttls&name=zweit&quarantine=Q"
    )
    assert fields == {
        "name": "zweit",
        "host": "127.0.0.1",
        "port": 1143,
        "security": "starttls",
        "username": "support@example.test",
        "password": "p@ss",
        "inbox_folder": "Support/Eingang",
        "quarantine_folder": "Q",
    }
    assert settings_module().imap_mailbox_from_url("imap://u:p@host")["security"] == "plain"
    with pytest.raises(RuntimeError):
        settings_module().imap_mailbox_from_url("pop3://u:p@host")


def test_quick_headers_read_message_id_sender_and_subject():
    raw = b"From: =?utf-8?q?J=C3=BCrgen?= <j@kunde.example>\r\nSubject: =?utf-8?q?St=C3=B6rung?=\r\n"
    raw += b"Message-ID:\r\n <abc@kunde.example> (comment)\r\n\r\nText"
    quick = services.quick_headers(raw)
    assert quick.message_id == "abc@kunde.example"
    assert quick.subject == "Störung"
    assert "Jürgen" in quick.from_address
    assert services.quick_headers(b"\x01\x02garbage").message_id == ""


@pytest.mark.django_db
def test_admin_never_shows_the_password_and_keeps_it_when_left_empty(admin_client, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(password="streng-geheim", smtp_password="smtp-geheim")
    url = f"/admin/mailbox/mailbox/{mailbox.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "streng-geheim" not in page
    assert "smtp-geheim" not in page
    listing = admin_client.get("/admin/mailbox/mailbox/").content.decode()
    assert "streng-geheim" not in listing
    assert "smtp-geheim" not in listing
    data = {
        "name": "support",
        "host": "imap.example",
        "port": "993",
        "security": "tls",
        "username": "support",
        "password": "",
        "inbox_folder": "INBOX",
        "processed_folder": "Processed",
        "quarantine_folder": "Quarantine",
        "active": "on",
        "smtp_host": "smtp.example",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_password": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.password) == ("imap.example", "streng-geheim")
    assert (mailbox.smtp_host, mailbox.smtp_password) == ("smtp.example", "smtp-geheim")


def test_oversize_mail_is_kept_raw_in_triage_without_attachments(mailbox, settings):
    settings.SUPPORTDESK_MAIL_MAX_BYTES = 2000
    big = make_mail(
        "gross",
        body="Anhang anbei\n",
        extra_headers="X-Padding: " + "x" * 3000,
    )
    small = make_mail("klein")
    oversize, normal = services.mails_ingest(mailbox=mailbox, items=[(1, big), (2, small)])
    oversize.refresh_from_db()
    assert oversize.state == InboundState.TRIAGE
    assert oversize.hint == "oversize: attachments not extracted"
    assert bytes(oversize.raw) == big
    assert oversize.message_id == "mail-gross@kunde.example"
    assert oversize.from_address == "erika@kunde.example"
    assert oversize.from_name == "Erika Mustermann"
    assert not InboundAttachment.objects.filter(mail=oversize).exists()
    assert normal.state == InboundState.TRIAGE and normal.hint == ""
    # Fetched again (a crash before the move): recognised, not stored twice.
    [again] = services.mails_ingest(mailbox=mailbox, items=[(3, big)])
    assert again.pk == oversize.pk
    assert InboundMail.objects.count() == 2


def test_default_size_limit_is_25_mb(settings):
    from supportdesk.mailbox import conf

    del settings.SUPPORTDESK_MAIL_MAX_BYTES
    assert conf.mail_max_bytes() == 25 * 1024 * 1024


@pytest.mark.parametrize("workers", [0, 2])
def test_large_batch_threads_and_floods_alike_in_process_and_in_the_parse_pool(mailbox, settings, workers):
    settings.SUPPORTDESK_MAIL_PARSE_WORKERS = workers
    settings.SUPPORTDESK_MAIL_FLOOD_LIMIT = 30
    [original] = services.mails_ingest(mailbox=mailbox, items=[(1, make_mail(1))])
    ticket = ticket_create(actor=None, subject="Drucker", body="x")
    InboundMail.objects.filter(pk=original.pk).update(ticket=ticket)
    items = [(n, make_mail(n, in_reply_to="<mail-1@kunde.example>" if n % 2 else "")) for n in range(2, 42)]
    items.append((99, b"\x00\x00"))
    results = services.mails_ingest(mailbox=mailbox, items=items)
    states = [m.state for m in results]
    # 1 earlier + 30 allowed; beyond that the sender's new mails are held as a flood, while the
    # replies into the ticket they take part in (odd numbers) still join it.
    assert [m.imap_uid for m in results if m.flood] == [n for n in range(31, 42) if n % 2 == 0]
    assert states[-1] == InboundState.QUARANTINE
    articles = [m for m in results if m.state == InboundState.ARTICLE]
    assert articles and all(m.ticket_id == ticket.pk for m in articles)
    assert all(m.state == InboundState.TRIAGE for m in results[:-1] if int(m.imap_uid) % 2 == 0)


def test_a_broken_parse_pool_falls_back_to_parsing_in_process(mailbox, settings, monkeypatch):
    from supportdesk.mailbox import parsepool

    def broken(_workers):
        raise OSError("no processes")

    monkeypatch.setattr(parsepool, "_get_pool", broken)
    results = services.mails_ingest(mailbox=mailbox, items=[(n, make_mail(n)) for n in range(1, 41)])
    assert [m.state for m in results] == [InboundState.TRIAGE] * 40
