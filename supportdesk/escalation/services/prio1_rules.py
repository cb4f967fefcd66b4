"""The coordinator's Prio 1 keyword rules: saving one (matching lives in ``escalation/rules.py``)."""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext

from supportdesk.accounts.models import User
from supportdesk.escalation import rules
from supportdesk.escalation.exceptions import InvalidRule
from supportdesk.escalation.models import Prio1Rule
from supportdesk.tickets.models import Customer

logger = logging.getLogger(__name__)


@transaction.atomic
def prio1_rule_save(
    *,
    actor: User,
    rule: Prio1Rule | None = None,
    name: str,
    active: bool,
    customers: Iterable[Customer],
    only_24x7: bool,
    phrases: str,
    match_subject: bool,
    match_body: bool,
) -> Prio1Rule:
    """Create (``rule`` None) or change a keyword rule; a coordinator's job. Invalid phrases are refused."""
    if not actor.is_coordinator:
        raise InvalidRule(gettext("Only a coordinator may change the Prio 1 rules."))
    name = " ".join(name.split())
    if not name:
        raise InvalidRule(gettext("The rule needs a name."))
    try:
        parsed = rules.phrases_parse(phrases)
    except rules.InvalidPhrases as exc:
        raise InvalidRule(str(exc)) from exc
    if not (match_subject or match_body):
        raise InvalidRule(gettext("Look in the subject, the body or both."))
    same_name = Prio1Rule.objects.filter(name__iexact=name)
    if rule is not None:
        same_name = same_name.exclude(pk=rule.pk)
    if same_name.exists():
        raise InvalidRule(gettext("There is already a rule named “%(name)s”.") % {"name": name})
    fields = {
        "name": name,
        "active": active,
        "only_24x7": only_24x7,
        "phrases": "\n".join(parsed),
        "match_subject": match_subject,
        "match_body": match_body,
    }
    if rule is None:
        rule = Prio1Rule.objects.create(**fields)
    else:
        for key, value in fields.items():
            setattr(rule, key, value)
        rule.save(update_fields=list(fields))
    rule.customers.set(customers)
    logger.info("Prio 1 rule %s saved by %s", rule.pk, actor.pk)
    return rule
