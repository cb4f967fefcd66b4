"""Writes of the iCalendar feed tokens."""

import logging

from django.db import transaction

from supportdesk.accounts.models import User
from supportdesk.roster import selectors
from supportdesk.roster.models import FeedToken
from supportdesk.roster.services.common import _require_coordinator

logger = logging.getLogger(__name__)


@transaction.atomic
def feed_token_renew(*, actor: User, team: bool = False) -> FeedToken:
    """Give ``actor`` (or, for a coordinator, the team) a new feed URL; the old one stops working."""
    if team:
        _require_coordinator(actor)
    owner = None if team else actor
    (FeedToken.objects.filter(user__isnull=True) if owner is None else FeedToken.objects.filter(user=owner)).delete()
    return FeedToken.objects.create(user=owner, token=FeedToken.generate())


@transaction.atomic
def feed_token_ensure(*, user: User | None) -> FeedToken:
    token = selectors.feed_token_for(user=user)
    if token is None:
        token = FeedToken.objects.create(user=user, token=FeedToken.generate())
    return token
