"""Who hears of a customer's Prio 1 outside the support windows: the coordinator's page sets it per customer."""

import logging

from django.db import transaction
from django.utils.translation import gettext

from supportdesk.accounts.models import User
from supportdesk.escalation.exceptions import InvalidPolicy
from supportdesk.escalation.models import CustomerEscalationPolicy, OutsideWindowMode
from supportdesk.tickets.models import Customer

logger = logging.getLogger(__name__)


@transaction.atomic
def customer_escalation_policy_set(
    *, actor: User, customer: Customer, mode: str, person: User | None = None
) -> CustomerEscalationPolicy:
    """Set ``customer``'s outside-window policy; a coordinator's job.

    ``person`` is required (and must be an active account) for "a named person" and dropped for the
    other modes, so a later switch back to "named person" asks again instead of reviving an old name.
    """
    if not actor.is_coordinator:
        raise InvalidPolicy(gettext("Only a coordinator may change who hears of a Prio 1 outside the windows."))
    if mode not in OutsideWindowMode.values:
        raise InvalidPolicy(gettext("Unknown choice %(mode)r.") % {"mode": mode})
    if mode == OutsideWindowMode.PERSON:
        if person is None:
            raise InvalidPolicy(gettext("Choose the person who is to be notified."))
        if not person.is_active:
            raise InvalidPolicy(gettext("%(name)s can no longer sign in; choose someone else.") % {"name": person.name})
    else:
        person = None
    policy, _created = CustomerEscalationPolicy.objects.update_or_create(
        customer=customer, defaults={"mode": mode, "person": person}
    )
    logger.info("outside-window policy of customer %s set to %s by %s", customer.pk, mode, actor.pk)
    return policy
