"""Which parts of a received mail are shown as images and which are listed for download, and the
one safe way to serve an inline image (used by the triage page and the ticket page)."""

from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from supportdesk.mailbox.models import InboundAttachment

INLINE_IMAGE_TYPES = frozenset({"image/png", "image/gif", "image/jpeg", "image/webp"})
"""Inline parts shown as images; anything else (SVG can carry script) is listed for download."""


def is_raster_image(attachment: InboundAttachment) -> bool:
    return attachment.content_type.lower() in INLINE_IMAGE_TYPES


def is_inline_image(attachment: InboundAttachment) -> bool:
    """A raster image the mail shows in its text: an inline part, or one with a ``cid:`` to point at."""
    return is_raster_image(attachment) and (attachment.inline or bool(attachment.content_id))


def is_listed_attachment(attachment: InboundAttachment) -> bool:
    """Everything but an inline image is listed for download (an attached image with a content id is both)."""
    return not (attachment.inline and is_raster_image(attachment))


@dataclass(frozen=True)
class MailImage:
    attachment: InboundAttachment
    url: str


def inline_image_response(image: InboundAttachment) -> HttpResponse:
    """Serve a raster image part for display in our pages; opened on its own it runs nothing in
    our origin (nosniff, a sandboxing CSP)."""
    response = HttpResponse(bytes(image.data), content_type=image.content_type.lower())
    filename = image.filename or f"image-{image.pk}"
    response.headers["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=filename) or "inline"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
