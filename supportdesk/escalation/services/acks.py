"""Signed acknowledgement links: made for one case and one person, valid for the policy's hours."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext

from supportdesk.accounts.models import User
from supportdesk.escalation import selectors
from supportdesk.escalation.exceptions import InvalidAckLink
from supportdesk.escalation.models import Escalation

ACK_SALT = "supportdesk.escalation.ack"


def ack_token_make(*, escalation: Escalation, user: User) -> str:
    return signing.dumps({"e": escalation.pk, "u": user.pk}, salt=ACK_SALT, compress=True)


def ack_url(*, escalation: Escalation, user: User) -> str:
    return settings.SITE_URL + reverse("escalation:ack_link", args=[ack_token_make(escalation=escalation, user=user)])


def ack_token_resolve(*, token: str) -> tuple[Escalation, User]:
    """The escalation and person a link was made for; :class:`InvalidAckLink` says what is wrong."""
    hours = selectors.policy_get().ack_link_hours
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=timedelta(hours=hours))
    except signing.SignatureExpired as exc:
        raise InvalidAckLink(
            gettext(
                "This acknowledgement link has expired (links are valid for %(hours)s hours). "
                "Open the case page and acknowledge there."
            )
            % {"hours": hours}
        ) from exc
    except signing.BadSignature as exc:
        raise InvalidAckLink(
            gettext(
                "This acknowledgement link is not valid (it was changed or cut off). "
                "Open the link from the notice again, or acknowledge on the case page."
            )
        ) from exc
    escalation = Escalation.objects.select_related("case__ticket").filter(pk=data.get("e")).first()
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if escalation is None or user is None:
        raise InvalidAckLink(gettext("This acknowledgement link belongs to a case or person that no longer exists."))
    return escalation, user
