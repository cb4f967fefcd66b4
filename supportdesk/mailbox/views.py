"""Pages of the support mailbox: triage for the mailbox head (R20, R21) and quarantine for coordinators.

Plain forms, one per action, each posting to its own URL and redirecting back; they work without
script. ``triage-keys.js`` adds the keyboard shortcuts and the undo countdown. After an action the
page shows the undo toast (from the database, so a reload keeps it); domain errors become messages.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.handover import selectors as handover_selectors
from supportdesk.mailbox import parsing, selectors, services
from supportdesk.mailbox.attachments import MailImage, inline_image_response, is_inline_image, is_listed_attachment
from supportdesk.mailbox.exceptions import MailNotFound
from supportdesk.mailbox.forms import AddToTicketForm, BulkForm, CreateTicketForm, ForwardForm, ReplyForm
from supportdesk.mailbox.models import InboundAttachment, InboundMail
from supportdesk.mailbox.quoting import extract_ticket_number, split_quoted
from supportdesk.tickets import selectors as ticket_selectors

logger = logging.getLogger(__name__)

PAGE_MAILS = 50
"""Mails shown on the triage page at once (each is parsed for its preview)."""


class Request(HttpRequest):
    user: User  # type: ignore[assignment]


@dataclass
class MailCard:
    mail: InboundMail
    visible: str
    quoted: str
    html: SafeString
    """Sanitised; its ``cid:`` images point at ``triage_image``."""
    attachments: list[InboundAttachment]
    """For download: everything but the inline images."""
    images: list[MailImage]
    """Inline images the HTML view does not show (a plain-text mail's, or ones it never references)."""
    prefill: selectors.TicketPrefill
    forward_to: User | None
    create_form: CreateTicketForm
    add_form: AddToTicketForm
    reply_form: ReplyForm
    forward_form: ForwardForm


def _card(mail: InboundMail, attachments: list[InboundAttachment]) -> MailCard:
    try:
        parsed = parsing.parse(bytes(mail.raw))
    except Exception:  # a preview must never break the page; the mail stays actionable
        logger.exception("preview of mail %s failed", mail.pk)
        parsed = None
    visible, quoted = split_quoted(parsed.text) if parsed else ("", "")
    images = [
        MailImage(attachment=a, url=reverse("mailbox:triage_image", args=[a.pk]))
        for a in attachments
        if is_inline_image(a)
    ]
    html = SafeString()
    shown: set[str] = set()
    if parsed and parsed.html:
        cid_map = {i.attachment.content_id.strip("<>"): i.url for i in images if i.attachment.content_id}
        markup = parsed.html.lower()
        shown = {cid for cid in cid_map if f"cid:{cid.lower()}" in markup}
        # sanitize_html returns markup that is safe to embed (no scripts, no remote content)
        html = mark_safe(parsing.sanitize_html(parsed.html, cid_map))  # noqa: S308
    prefill = selectors.triage_prefill(mail=mail)
    forward_to = selectors.forward_suggest(to=parsed.to, cc=parsed.cc, text=parsed.text) if parsed else None
    suggestion = prefill.suggestion
    prefix = f"m{mail.pk}"
    return MailCard(
        mail=mail,
        visible=visible,
        quoted=quoted,
        html=html,
        attachments=[a for a in attachments if is_listed_attachment(a)],
        images=[i for i in images if i.attachment.content_id.strip("<>") not in shown],
        prefill=prefill,
        forward_to=forward_to,
        create_form=CreateTicketForm(
            prefix=prefix, initial={"assignee": suggestion.assignee, "assignee_group": suggestion.group}
        ),
        add_form=AddToTicketForm(prefix=prefix),
        reply_form=ReplyForm(prefix=prefix),
        forward_form=ForwardForm(prefix=prefix, initial={"colleague": forward_to}),
    )


@login_required
@require_GET
def triage(request: Request) -> HttpResponse:
    mails = list(selectors.inbound_mail_triage_list().defer(None)[:PAGE_MAILS])
    attachments = selectors.attachments_by_mail(mail_ids=[m.pk for m in mails])
    cards = [_card(m, attachments.get(m.pk, [])) for m in mails]
    now = timezone.now()
    undo = selectors.triage_undo_offer(user=request.user, now=now)
    return render(
        request,
        "mailbox/triage.html",
        {
            "cards": cards,
            "total": selectors.inbound_mail_triage_list().count(),
            "owner": handover_selectors.triage_owner(now=now),
            "bulk_form": BulkForm(),
            "undo": undo,
            "undo_seconds": max(1, round((undo.undo_until - now).total_seconds())) if undo else 0,
        },
    )


def _act(request: Request, action: Any) -> HttpResponse:
    """Run one action; its outcome shows as the undo toast, an error as a message."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("mailbox:triage")


def _invalid(request: Request, form: Any) -> HttpResponse:
    errors = "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}" for f, e in form.errors.items()
    )
    messages.error(request, errors)
    return redirect("mailbox:triage")


@login_required
@require_POST
def triage_create_ticket(request: Request, pk: int) -> HttpResponse:
    form = CreateTicketForm(request.POST, prefix=f"m{pk}")
    if not form.is_valid():
        return _invalid(request, form)
    data = form.cleaned_data
    return _act(
        request,
        lambda: services.triage_create_ticket(
            actor=request.user,
            mail_id=pk,
            assignee=data["assignee"],
            assignee_group=data["assignee_group"],
            priority=data["priority"],
        ),
    )


@login_required
@require_POST
def triage_add_to_ticket(request: Request, pk: int) -> HttpResponse:
    form = AddToTicketForm(request.POST, prefix=f"m{pk}")
    if not form.is_valid():
        return _invalid(request, form)

    def action() -> InboundMail:
        text = form.cleaned_data["ticket"]
        number = extract_ticket_number(text) or text.strip().upper()
        ticket = ticket_selectors.ticket_get_for_user(user=request.user, number=number)
        return services.triage_add_to_ticket(
            actor=request.user, mail_id=pk, ticket=ticket, assignee=form.cleaned_data["assignee"]
        )

    return _act(request, action)


@login_required
@require_GET
def triage_ticket_candidates(request: Request, pk: int) -> HttpResponse:
    """The add-to-ticket finder's suggestions (htmx): by number, the sender's customer, full text."""
    try:
        mail = selectors.inbound_mail_get(pk=pk)
    except MailNotFound as exc:
        raise Http404(exc.message) from exc
    # htmx sends the field under its form name; ``q`` is for a plain link
    query = request.GET.get("q") or request.GET.get(f"m{pk}-ticket") or ""
    candidates = selectors.ticket_candidates(user=request.user, mail=mail, query=query)
    return render(
        request,
        "mailbox/triage.html#ticket-candidates",
        {"mail": mail, "candidates": candidates, "query": query.strip()},
    )


@login_required
@require_POST
def triage_reply(request: Request, pk: int) -> HttpResponse:
    form = ReplyForm(request.POST, prefix=f"m{pk}")
    if not form.is_valid():
        return _invalid(request, form)
    return _act(
        request,
        lambda: services.triage_reply(actor=request.user, mail_id=pk, body=form.cleaned_data["body"]),
    )


@login_required
@require_POST
def triage_forward(request: Request, pk: int) -> HttpResponse:
    form = ForwardForm(request.POST, prefix=f"m{pk}")
    if not form.is_valid():
        return _invalid(request, form)
    return _act(
        request,
        lambda: services.triage_forward(
            actor=request.user, mail_id=pk, colleague=form.cleaned_data["colleague"], note=form.cleaned_data["note"]
        ),
    )


@login_required
@require_POST
def triage_bulk(request: Request) -> HttpResponse:
    form = BulkForm(request.POST)
    mail_ids = [int(v) for v in request.POST.getlist("mails") if v.isdigit()]
    if not form.is_valid():
        return _invalid(request, form)
    action, colleague = form.cleaned_data["action"], form.cleaned_data["colleague"]
    if action == "forward" and colleague is None:
        messages.error(request, _("Choose the colleague to forward to."))
        return redirect("mailbox:triage")
    if not mail_ids:
        messages.error(request, _("Select the mails first."))
        return redirect("mailbox:triage")
    batch = uuid.uuid4()  # one undo for the whole bulk action
    for mail_id in mail_ids:
        try:  # each mail is its own transaction: one already handled does not stop the others
            if action == "forward":
                services.triage_forward(actor=request.user, mail_id=mail_id, colleague=colleague, batch=batch)
            else:
                services.triage_create_ticket(actor=request.user, mail_id=mail_id, batch=batch)
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("mailbox:triage")


@login_required
@require_POST
def triage_undo(request: Request) -> HttpResponse:
    record_ids = [int(v) for v in request.POST.getlist("records") if v.isdigit()]
    done, errors = services.triage_undo_many(actor=request.user, record_ids=record_ids)
    for error in errors:
        messages.error(request, error)
    if done:
        messages.success(
            request,
            ngettext(
                "Undone: the mail waits in triage again.",
                "Undone: %(count)s mails wait in triage again.",
                done,
            )
            % {"count": done},
        )
    return redirect("mailbox:triage")


@login_required
@require_GET
def attachment_download(request: Request, pk: int) -> HttpResponse:
    try:
        attachment = selectors.inbound_attachment_get(pk=pk)
    except MailNotFound as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(bytes(attachment.data), content_type="application/octet-stream")
    # never rendered inline: an attached HTML or SVG file must not run in our origin
    filename = attachment.filename or f"attachment-{attachment.pk}"
    response.headers["Content-Disposition"] = _content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def triage_image(request: Request, pk: int) -> HttpResponse:
    """An inline image of a mail waiting in triage (a ``cid:`` part), shown in the page: raster
    images only, as the ticket page's ``tickets:mail_image`` serves them."""
    try:
        image = selectors.triage_image_get(attachment_id=pk)
    except MailNotFound as exc:
        raise Http404(exc.message) from exc
    return inline_image_response(image)


def _content_disposition(filename: str) -> str:
    return content_disposition_header(as_attachment=True, filename=filename) or "attachment"


def _coordinator_only(request: Request) -> None:
    if not request.user.is_coordinator:
        raise Http404


@login_required
@require_GET
def quarantine(request: Request) -> HttpResponse:
    _coordinator_only(request)
    mails = list(selectors.inbound_mail_quarantine_list()[:200])
    return render(request, "mailbox/quarantine.html", {"mails": mails})


def _quarantine_act(request: Request, action: Any, success: str) -> HttpResponse:
    try:
        mail = action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(done)s (%(state)s)") % {"done": success, "state": mail.get_state_display()})
    return redirect("mailbox:quarantine")


@login_required
@require_POST
def quarantine_retry(request: Request, pk: int) -> HttpResponse:
    _coordinator_only(request)
    return _quarantine_act(
        request, lambda: services.quarantine_retry(actor=request.user, mail_id=pk), _("Mail read again.")
    )


@login_required
@require_POST
def quarantine_discard(request: Request, pk: int) -> HttpResponse:
    _coordinator_only(request)
    return _quarantine_act(
        request, lambda: services.quarantine_discard(actor=request.user, mail_id=pk), _("Mail discarded.")
    )
