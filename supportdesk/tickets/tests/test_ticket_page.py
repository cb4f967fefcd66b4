"""The ticket page shows what a mail had (HTML, quoted history, images, attachments) and the
ticket's Prio 1 case from its start to the acknowledgement to the resolution."""

import re
import struct
import zlib
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from supportdesk.escalation import services as escalation_services
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.mailbox import services as mailbox_services
from supportdesk.mailbox.models import InboundAttachment, InboundMail, Mailbox, OutboundStatus
from supportdesk.roster.tests.plans import alternating, make_week
from supportdesk.tickets import services, ticket_page
from supportdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

QUOTE = "Am 26.11.2026 um 17:12 schrieb Support <support@example.test>:"


def png(width: int = 4, height: int = 2) -> bytes:
    rows = b"".join(b"\x00" + b"\xc8\x28\x28" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def html_mail(n: int = 1) -> bytes:
    """An Outlook-like mail: text and HTML, a ``cid:`` image, an attachment, the quoted history below."""
    message = EmailMessage()
    message["From"] = "Sabine Huber <s.huber@kunde.example>"
    message["To"] = "Support <support@example.test>"
    message["Cc"] = "Leitstand <leitstand@kunde.example>"
    message["Subject"] = f"AW: Export bricht ab {n}"
    message["Message-ID"] = f"<export-{n}@kunde.example>"
    message.set_content(
        f"Hallo,\n\nder Export bricht bei 37 % ab, Protokoll anbei.\n\nGruß\nSabine Huber\n\n{QUOTE}\n"
        "> Bitte senden Sie uns das Protokoll.\n"
    )
    message.add_alternative(
        "<p>Hallo,</p><p>der Export bricht <b>bei 37 %</b> ab:</p>"
        '<p><img src="cid:fehler@huber" alt="Fehlermeldung"></p>'
        "<script>alert('x')</script>"
        '<img src="https://tracker.example/pixel.gif" alt="Pixel">'
        f"<div>{QUOTE}<blockquote>Bitte senden Sie uns das Protokoll.</blockquote></div>",
        subtype="html",
    )
    message.get_payload()[1].add_related(
        png(), maintype="image", subtype="png", cid="<fehler@huber>", disposition="inline"
    )
    message.add_attachment(b"06:00 ERROR timeout\n" * 30, maintype="text", subtype="plain", filename="export.log")
    return message.as_bytes()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox.objects.create(name="support", active=False)


def mail_ticket(mailbox: Mailbox, actor, raw: bytes) -> Ticket:
    [mail] = mailbox_services.mails_ingest(mailbox=mailbox, items=[(None, raw)])
    ticket = mailbox_services.triage_create_ticket(actor=actor, mail_id=mail.pk).ticket
    assert ticket is not None
    return ticket


def page(client, user, ticket: Ticket, language: str = "de") -> str:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


# --- mails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "quoted_label", "html_label"),
    [("de", "Zitierter Text und Signatur", "HTML-Ansicht"), ("en", "Quoted text and signature", "HTML view")],
)
def test_a_mail_article_shows_the_text_the_quoted_history_collapsed_the_html_images_and_attachments(
    client, coordinator, mailbox, language, quoted_label, html_label
):
    ticket = mail_ticket(mailbox, coordinator, html_mail())
    image = InboundAttachment.objects.get(filename__endswith=".png")
    log = InboundAttachment.objects.get(filename="export.log")

    html = page(client, coordinator, ticket, language)

    visible, quoted = html.split('<details class="mail-quoted">', 1)
    assert "der Export bricht bei 37 % ab, Protokoll anbei." in visible
    assert "Bitte senden Sie uns das Protokoll" not in visible.split("mail-head", 1)[1]  # collapsed, not shown
    assert quoted_label in quoted and "&gt; Bitte senden Sie uns das Protokoll." in quoted
    assert "<details open" not in html
    # the HTML view: sanitised, the cid: image pointing at the ticket's image page, no remote pixel
    image_url = reverse("tickets:mail_image", args=[ticket.number, image.pk])
    assert html_label in html and "<b>bei 37 %</b>" in html
    assert f'<img src="{image_url}" alt="Fehlermeldung">' in html
    assert "<script>alert" not in html and "tracker.example" not in html
    # the images also show outside the HTML view; the attachment is listed with its size and link
    assert html.count(f'src="{image_url}"') == 2
    attachment_url = reverse("mailbox:attachment", args=[log.pk])
    assert re.search(rf'<a href="{attachment_url}" download>export.log</a> <span class="muted">\(600', html)
    assert f'href="{reverse("mailbox:attachment", args=[image.pk])}"' not in html  # shown, not listed
    assert "s.huber@kunde.example" in html and "leitstand@kunde.example" in html


def test_the_page_reads_the_mails_in_a_constant_number_of_queries(client, coordinator, mailbox):
    ticket = mail_ticket(mailbox, coordinator, html_mail(1))
    page(client, coordinator, ticket)
    with CaptureQueriesContext(connection) as one:
        page(client, coordinator, ticket)
    for n in (2, 3, 4):
        [mail] = mailbox_services.mails_ingest(mailbox=mailbox, items=[(None, html_mail(n))])
        mailbox_services.triage_add_to_ticket(actor=coordinator, mail_id=mail.pk, ticket=ticket)
    with CaptureQueriesContext(connection) as four:
        html = page(client, coordinator, ticket)
    assert html.count('<details class="mail-quoted">') == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_an_unreadable_stored_mail_still_shows_the_article_text(client, coordinator, mailbox):
    ticket = mail_ticket(mailbox, coordinator, html_mail())
    InboundMail.objects.update(raw=b"\x00\x01 not a mail")

    html = page(client, coordinator, ticket)

    assert "der Export bricht bei 37 % ab, Protokoll anbei." in html
    assert "HTML-Ansicht" not in html


def test_our_answer_shows_its_recipients_and_the_signature_collapsed(client, coordinator, mailbox, smtp_sink):
    ticket = mail_ticket(mailbox, coordinator, html_mail())
    mailbox_services.ticket_reply(
        actor=coordinator, ticket=ticket, body="Guten Tag,\n\nwir sehen es uns an.\n\n-- \nSupport-Team\nTel. 0941 1"
    )
    smtp_sink.wait_for(1)

    html = page(client, coordinator, ticket, "en")

    out = html.split('class="mail mail-out"', 1)[1]
    assert "s.huber@kunde.example" in out.split("</dl>", 1)[0]
    visible, quoted = out.split('<details class="mail-quoted">', 1)
    assert "wir sehen es uns an." in visible and "Tel. 0941 1" not in visible
    assert "Tel. 0941 1" in quoted.split("</details>", 1)[0]
    assert "Betreff:" not in visible  # the article's header lines are not repeated as text


def test_a_queued_answer_says_that_it_has_not_left(client, coordinator, mailbox):
    ticket = mail_ticket(mailbox, coordinator, html_mail())
    mailbox_services.mail_send(
        actor=coordinator,
        to=["s.huber@kunde.example"],
        subject="Re: Export",
        body="Kommt gleich.",
        ticket=ticket,
        send_after=timezone.now() + timedelta(seconds=10),
    )

    html = page(client, coordinator, ticket, "en")

    with translation.override("en"):
        assert f'<p class="notice small mail-status">{OutboundStatus.QUEUED.label}' in html
    assert "Kommt gleich." in html


def test_a_note_is_still_plain_text(client, agent):
    ticket = services.ticket_create(actor=agent, subject="Drucker", body="<b>kein HTML</b>")
    html = page(client, agent, ticket)
    assert '<pre class="article-body">&lt;b&gt;kein HTML&lt;/b&gt;</pre>' in html and 'class="mail' not in html


# --- inline images ---------------------------------------------------------------------------------


def test_an_inline_image_is_served_as_an_image_that_runs_nothing(client, coordinator, mailbox):
    ticket = mail_ticket(mailbox, coordinator, html_mail())
    image = InboundAttachment.objects.get(filename__endswith=".png")
    client.force_login(coordinator)

    response = client.get(reverse("tickets:mail_image", args=[ticket.number, image.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == png()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("inline")


def test_only_signed_in_staff_get_images_and_only_of_the_ticket_s_own_mails(client, coordinator, mailbox):
    ticket = mail_ticket(mailbox, coordinator, html_mail(1))
    other = mail_ticket(mailbox, coordinator, html_mail(2))
    image = InboundAttachment.objects.filter(mail__ticket=ticket, filename__endswith=".png").get()
    log = InboundAttachment.objects.filter(mail__ticket=ticket, filename="export.log").get()
    url = reverse("tickets:mail_image", args=[ticket.number, image.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client.get(reverse("mailbox:attachment", args=[log.pk])).status_code == 302

    client.force_login(coordinator)
    assert client.get(reverse("tickets:mail_image", args=[other.number, image.pk])).status_code == 404
    assert client.get(reverse("tickets:mail_image", args=[ticket.number, log.pk])).status_code == 404
    assert client.get(reverse("tickets:mail_image", args=[ticket.number, 999_999])).status_code == 404


def test_a_svg_part_is_listed_for_download_never_shown():
    svg = InboundAttachment(filename="logo.svg", content_type="image/svg+xml", inline=True, content_id="logo@x")
    jpeg = InboundAttachment(filename="foto.jpg", content_type="IMAGE/JPEG", inline=True)
    attached = InboundAttachment(filename="scan.png", content_type="image/png", inline=False, content_id="scan@x")
    plain = InboundAttachment(filename="scan.png", content_type="image/png", inline=False)
    assert not ticket_page.is_inline_image(svg) and ticket_page.is_listed_attachment(svg)
    assert ticket_page.is_inline_image(jpeg) and not ticket_page.is_listed_attachment(jpeg)
    assert ticket_page.is_inline_image(attached) and ticket_page.is_listed_attachment(attached)
    assert not ticket_page.is_inline_image(plain) and ticket_page.is_listed_attachment(plain)


# --- Prio 1 --------------------------------------------------------------------------------------


@pytest.fixture
def resolved_case(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)
    escalation = escalation_of(ticket)
    escalation_services.escalation_acknowledge(
        escalation=escalation, actor=pool[0], via="page", now=TUESDAY_1630 + timedelta(minutes=4, seconds=30)
    )
    escalation_services.escalation_status_update_post(escalation=escalation, actor=pool[0], text="Logs gelesen")
    escalation_services.escalation_resolve(
        escalation=escalation,
        actor=pool[0],
        summary="Platte voll, aufgeräumt",
        now=TUESDAY_1630 + timedelta(minutes=75),
    )
    return ticket


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Prio-1-Fall", "Gelöst", "Quittiert", "nach 4 Minuten", "nach 1 Std. 15 Min.", "Verlauf des Falls"]),
        ("en", ["Prio 1 case", "Resolved", "Acknowledged", "after 4 minutes", "after 1 h 15 min", "Case timeline"]),
    ],
)
def test_the_prio1_panel_shows_the_case_from_start_to_acknowledgement_to_resolution(
    client, resolved_case, pool, coordinator, language, words
):
    escalation = escalation_of(resolved_case)

    html = page(client, coordinator, resolved_case, language)

    panel = html.split('class="card prio1-panel prio1-resolved"', 1)[1].split("</section>", 1)[0]
    for word in words:
        assert word in panel
    assert "Anna Huber" in panel  # who acknowledged and resolved
    assert "Platte voll, aufgeräumt" in panel
    assert f'href="{reverse("escalation:detail", args=[escalation.pk])}"' in panel
    timeline = panel.split('<details class="prio1-timeline">', 1)[1]  # collapsed: no "open"
    assert "Logs gelesen" in timeline


def test_an_open_case_says_it_waits_for_the_acknowledgement(client, pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    ticket = prio1_ticket(actor=coordinator, now=TUESDAY_1630)

    html = page(client, coordinator, ticket, "en")

    panel = html.split('class="card prio1-panel prio1-active"', 1)[1].split("</section>", 1)[0]
    assert "Waiting for acknowledgement" in panel and "not yet" in panel


def test_a_ticket_without_a_case_has_no_panel(client, agent):
    ticket = services.ticket_create(actor=agent, subject="Drucker")
    assert "prio1-panel" not in page(client, agent, ticket)


@pytest.mark.parametrize(
    ("seconds", "english", "german"),
    [
        (20, "less than a minute", "weniger als einer Minute"),
        (60, "1 minute", "1 Minute"),
        (59 * 60 + 59, "59 minutes", "59 Minuten"),
        (125 * 60, "2 h 05 min", "2 Std. 05 Min."),
    ],
)
def test_duration_text(seconds, english, german):
    with translation.override("en"):
        assert ticket_page.duration_text(timedelta(seconds=seconds)) == english
    with translation.override("de"):
        assert ticket_page.duration_text(timedelta(seconds=seconds)) == german
