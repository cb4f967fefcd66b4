"""The page of the iCalendar feed addresses."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.core.exceptions import DomainError
from supportdesk.roster import services
from supportdesk.roster.forms import FeedRenewForm
from supportdesk.roster.views.common import Request, _forbidden, _redirect

logger = logging.getLogger(__name__)


def _feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("roster:calendar_feed", args=[token])


def _webcal(url: str) -> str:
    """The same feed as a ``webcal://`` link, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


@login_required
@require_GET
def feeds(request: Request) -> HttpResponse:
    personal = services.feed_token_ensure(user=request.user)
    team = services.feed_token_ensure(user=None) if request.user.is_coordinator else None
    personal_url = _feed_url(personal.token)
    team_url = _feed_url(team.token) if team else ""
    return render(
        request,
        "roster/feeds.html",
        {
            "personal_url": personal_url,
            "personal_webcal": _webcal(personal_url),
            "team_url": team_url,
            "team_webcal": _webcal(team_url) if team_url else "",
        },
    )


@login_required
@require_POST
def feed_renew(request: Request) -> HttpResponse:
    form = FeedRenewForm(request.POST)
    team = form.is_valid() and form.cleaned_data["scope"] == "team"
    if team and not request.user.is_coordinator:
        return _forbidden(request)
    try:
        services.feed_token_renew(actor=request.user, team=team)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The team feed has a new address; the old one no longer works.")
            if team
            else _("Your feed has a new address; the old one no longer works."),
        )
    return _redirect(request, reverse("roster:feeds"))
