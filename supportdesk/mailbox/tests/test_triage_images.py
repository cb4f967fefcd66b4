"""Inline ``cid:`` images on the triage page: shown in the HTML view through ``mailbox:triage_image``,
served as raster images that run nothing, to signed-in staff only, while the mail waits in triage."""

from email.message import EmailMessage

import pytest
from django.urls import reverse

from supportdesk.mailbox import services
from supportdesk.mailbox.models import InboundAttachment, InboundMail, Mailbox
from supportdesk.tickets.tests.test_ticket_page import png

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def html_mail() -> bytes:
    """HTML with a ``cid:`` PNG, an inline SVG with a content id, and an attached log."""
    message = EmailMessage()
    message["From"] = "Sabine Huber <s.huber@kunde.example>"
    message["To"] = "Support <support@example.test>"
    message["Subject"] = "Export bricht ab"
    message["Message-ID"] = "<export-1@kunde.example>"
    message.set_content("Hallo,\n\nder Export bricht bei 37 % ab.\n")
    message.add_alternative(
        '<p>Hallo,</p><p>der Export bricht ab:</p><p><img src="cid:fehler@huber" alt="Fehlermeldung"></p>'
        '<p><img src="cid:logo@huber" alt="Logo"></p>',
        subtype="html",
    )
    html_part = message.get_payload()[1]
    html_part.add_related(png(), maintype="image", subtype="png", cid="<fehler@huber>", disposition="inline")
    html_part.add_related(SVG, maintype="image", subtype="svg+xml", cid="<logo@huber>", disposition="inline")
    message.add_attachment(b"06:00 ERROR timeout\n", maintype="text", subtype="plain", filename="export.log")
    return message.as_bytes()


def text_mail_with_photo() -> bytes:
    """A phone's mail: plain text and an inline photo, no HTML to point at it."""
    message = EmailMessage()
    message["From"] = "erika@kunde.example"
    message["To"] = "support@example.test"
    message["Subject"] = "Foto vom Fehler"
    message.set_content("Siehe Foto.\n")
    message.add_attachment(png(), maintype="image", subtype="png", filename="foto.png", disposition="inline")
    return message.as_bytes()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox.objects.create(name="support", active=False)


def ingest(mailbox: Mailbox, raw: bytes) -> InboundMail:
    [mail] = services.mails_ingest(mailbox=mailbox, items=[(None, raw)])
    return mail


def triage_page(client, user) -> str:
    user.language = "de"
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(reverse("mailbox:triage"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_html_view_shows_the_cid_image_from_the_mailbox(client, agent, mailbox):
    ingest(mailbox, html_mail())
    image = InboundAttachment.objects.get(content_type="image/png")
    svg = InboundAttachment.objects.get(content_type="image/svg+xml")
    log = InboundAttachment.objects.get(filename="export.log")

    html = triage_page(client, agent)

    url = reverse("mailbox:triage_image", args=[image.pk])
    assert "HTML-Ansicht" in html
    assert f'<img src="{url}" alt="Fehlermeldung">' in html
    assert html.count(f'src="{url}"') == 1  # in the HTML view, not again below it
    # the SVG is never shown (it can carry script): its alt text stands there, it is listed for download
    assert "Logo" in html and reverse("mailbox:triage_image", args=[svg.pk]) not in html
    assert f'href="{reverse("mailbox:attachment", args=[svg.pk])}"' in html
    assert f'href="{reverse("mailbox:attachment", args=[log.pk])}"' in html
    assert f'href="{reverse("mailbox:attachment", args=[image.pk])}"' not in html  # shown, not listed


def test_an_inline_image_without_html_shows_below_the_text(client, agent, mailbox):
    ingest(mailbox, text_mail_with_photo())
    image = InboundAttachment.objects.get()
    html = triage_page(client, agent)
    url = reverse("mailbox:triage_image", args=[image.pk])
    assert 'aria-label="Bilder in der Mail"' in html
    assert f'<img src="{url}" alt="foto.png" loading="lazy">' in html


def test_the_image_is_served_as_an_image_that_runs_nothing(client, agent, mailbox):
    ingest(mailbox, html_mail())
    image = InboundAttachment.objects.get(content_type="image/png")
    client.force_login(agent)

    response = client.get(reverse("mailbox:triage_image", args=[image.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == png()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Disposition"].startswith("inline")


def test_other_types_unknown_ids_and_filed_mails_are_404(client, agent, coordinator, mailbox):
    mail = ingest(mailbox, html_mail())
    image = InboundAttachment.objects.get(content_type="image/png")
    svg = InboundAttachment.objects.get(content_type="image/svg+xml")
    log = InboundAttachment.objects.get(filename="export.log")
    client.force_login(agent)

    assert client.get(reverse("mailbox:triage_image", args=[svg.pk])).status_code == 404
    assert client.get(reverse("mailbox:triage_image", args=[log.pk])).status_code == 404
    assert client.get(reverse("mailbox:triage_image", args=[999_999])).status_code == 404
    assert client.get(reverse("mailbox:triage_image", args=[image.pk])).status_code == 200
    # once filed in a ticket the mail is no longer triage's: the ticket page serves its images
    services.triage_create_ticket(actor=coordinator, mail_id=mail.pk)
    assert client.get(reverse("mailbox:triage_image", args=[image.pk])).status_code == 404


def test_anonymous_users_are_sent_to_the_login(client, mailbox):
    ingest(mailbox, html_mail())
    image = InboundAttachment.objects.get(content_type="image/png")
    response = client.get(reverse("mailbox:triage_image", args=[image.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert b"PNG" not in response.content
