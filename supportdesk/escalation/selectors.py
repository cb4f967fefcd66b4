"""Reads of the escalation: who is to be told now, the timeline, access checks."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_coordinators
from supportdesk.escalation import event_texts, rules
from supportdesk.escalation.exceptions import EscalationNotFound
from supportdesk.escalation.models import (
    CustomerContract,
    CustomerEscalationPolicy,
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    EscalationStatus,
    EventDetail,
    EventKind,
    OutsideWindowMode,
    Prio1Rule,
    StatusMailTemplate,
)
from supportdesk.notifications.models import (
    AttemptOutcome,
    ChannelKind,
    DeliveryAttempt,
    NotificationDelivery,
)
from supportdesk.roster import business_hours as bh
from supportdesk.roster.contacts import Contact, tel_uri
from supportdesk.roster.models import Duty
from supportdesk.roster.selectors import (
    duty_list,
    eligible_users,
    holders_on,
    oncall_at,
    support_calendar,
)
from supportdesk.roster.selectors import today as roster_today
from supportdesk.tickets.models import Customer


def policy_get() -> EscalationPolicy:
    policy, _created = EscalationPolicy.objects.get_or_create(pk=1)
    return policy


def _local_day(at: datetime) -> "datetime":
    return at.astimezone(ZoneInfo(settings.TIME_ZONE))


def coordinators_at(*, at: datetime) -> list[User]:
    """The coordinators, or the deputies while all coordinators are absent (R1)."""
    return user_list_coordinators(day=_local_day(at).date())


@dataclass(frozen=True)
class Recipients:
    users: list[User]
    reason: EventDetail
    """Why these people (shown on the timeline): ``standby``, ``no_standby``, ``policy_person``,
    ``policy_coordinator``, or ``policy_nobody`` (then ``users`` is empty)."""


def recipients_at(*, escalation: Escalation, at: datetime) -> Recipients:
    """Who gets the notice of a step running at ``at``, read from the roster at that very moment.

    In a support window the published technical standby; outside, the customer's policy.
    """
    oncall = oncall_at(at=at)
    if oncall.window is not None:
        holder = oncall.holders.get(Duty.TECHNICAL_STANDBY)
        if holder is not None and holder.user is not None and holder.user.is_active:
            return Recipients(users=[holder.user], reason=EventDetail.STANDBY)
        return Recipients(users=coordinators_at(at=at), reason=EventDetail.NO_STANDBY)
    customer_id = escalation.case.ticket.customer_id
    policy = (
        CustomerEscalationPolicy.objects.select_related("person").filter(customer_id=customer_id).first()
        if customer_id
        else None
    )
    if policy is not None and policy.mode == OutsideWindowMode.NOBODY:
        return Recipients(users=[], reason=EventDetail.POLICY_NOBODY)
    if policy is not None and policy.mode == OutsideWindowMode.PERSON and policy.person and policy.person.is_active:
        return Recipients(users=[policy.person], reason=EventDetail.POLICY_PERSON)
    return Recipients(users=coordinators_at(at=at), reason=EventDetail.POLICY_COORDINATOR)


def escalation_targets_at(*, at: datetime, exclude: set[int], policy: EscalationPolicy) -> list[User]:
    """The last step's people: coordinators (or deputies) and the other available pool members."""
    users: list[User] = []
    if policy.escalate_to_coordinators:
        users += coordinators_at(at=at)
    if policy.escalate_to_pool:
        users += eligible_users(day=_local_day(at).date())
    seen = set(exclude)
    result = []
    for user in users:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            result.append(user)
    return result


def phone_duty_at(*, at: datetime) -> User | None:
    holder = oncall_at(at=at).holders.get(Duty.PHONE_DUTY)
    return holder.user if holder is not None and holder.user is not None and holder.user.is_active else None


@dataclass(frozen=True)
class CaseContact:
    """Someone to phone about the case (R16): their name and the number callers need, as a ``tel:`` link."""

    role: str
    """What they are to the case: the duty's name, or "acknowledged"."""
    code: str
    """The duty's code (``technical_standby``, ``phone_duty``) or ``acknowledged``: the CSS class."""
    user: User | None
    """None: the duty is open (nobody holds it today)."""
    number: str = ""
    number_kind: str = ""
    """Which number it is (mobile, office phone)."""
    tel: str = ""


def case_contacts(*, escalation: Escalation, now: datetime | None = None) -> list[CaseContact]:
    """Today's technical standby and phone duty with the numbers the Today page's duty cards show
    (the duty's ``contact_field``, read through ``roster.contacts.Contact``), then whoever
    acknowledged the case if it is someone else (their mobile, else their office number).

    No duty holders on a day without a support window: outside the windows nobody is on duty.
    """
    now = now or timezone.now()
    day = roster_today(now)
    contacts: list[CaseContact] = []
    if bh.window_on(support_calendar(), day) is not None:
        held = holders_on(day=day, published_only=True)
        order = {Duty.TECHNICAL_STANDBY: 0, Duty.PHONE_DUTY: 1}
        for duty in sorted((d for d in duty_list() if d.code in order), key=lambda d: order[d.code]):
            contact = Contact.of(duty, held.get(duty.code))
            contacts.append(
                CaseContact(
                    role=duty.name,
                    code=duty.code,
                    user=contact.user,
                    number=contact.number,
                    number_kind=str(duty.get_contact_field_display()) if contact.number else "",
                    tel=contact.tel,
                )
            )
    acker = escalation.acknowledged_by
    if acker is not None and all(c.user != acker for c in contacts):
        number = acker.mobile or acker.office_phone
        kind = gettext("mobile") if acker.mobile else gettext("office phone")
        contacts.append(
            CaseContact(
                role=gettext("Acknowledged the case"),
                code="acknowledged",
                user=acker,
                number=number,
                number_kind=str(kind) if number else "",
                tel=tel_uri(number) if number else "",
            )
        )
    return contacts


def escalation_get_for_user(*, user: User, escalation_id: int) -> Escalation:
    """Every active signed-in user works Prio 1 cases (as tickets); others see none."""
    if not user.is_authenticated or not user.is_active:
        raise EscalationNotFound(gettext("There is no Prio 1 case %(id)s.") % {"id": escalation_id})
    found = (
        Escalation.objects.select_related(
            "case__ticket__customer", "case__ticket__contact", "acknowledged_by", "resolved_by"
        )
        .filter(pk=escalation_id)
        .first()
    )
    if found is None:
        raise EscalationNotFound(gettext("There is no Prio 1 case %(id)s.") % {"id": escalation_id})
    return found


def escalation_timeline(*, escalation: Escalation) -> QuerySet[EscalationEvent]:
    return escalation.events.select_related("actor", "recipient").order_by("at", "id")


@dataclass(frozen=True)
class TimelineEntry:
    """One entry of the case page's timeline, worded for the reader."""

    event: EscalationEvent
    detail: str
    """What the services noted (the reason, the channel, the address …) in the active language; or ""."""
    own_words: str
    """A person's status update, call note or summary, as written; or ""."""


def escalation_timeline_entries(*, escalation: Escalation) -> list[TimelineEntry]:
    """The case's timeline, oldest first, in the active language; the stored rows keep their codes."""
    return [
        TimelineEntry(
            event=event,
            detail=event_texts.event_detail_text(event) if event.detail_code else "",
            own_words="" if event.detail_code else event.text,
        )
        for event in escalation_timeline(escalation=escalation)
    ]


NOTICE_KINDS = (EventKind.NOTIFIED, EventKind.RENOTIFIED, EventKind.ESCALATED)
"""The timeline entries that sent a recipient the Prio 1 notice (each with its deliveries)."""
ATTEMPT_TROUBLE = frozenset({AttemptOutcome.RETRY, AttemptOutcome.FAILED, AttemptOutcome.LOST})
"""Outcomes that open a channel's list of attempts on the case page."""


@dataclass(frozen=True)
class NoticeDelivery:
    """One Prio 1 notice on one channel: its delivery row and its attempts, oldest first."""

    event: EscalationEvent
    """The timeline entry that sent it (first notice, repeat, escalation)."""
    delivery: NotificationDelivery
    attempts: list[DeliveryAttempt]

    @property
    def attempts_not_listed(self) -> int:
        """Attempts counted on the delivery but no longer (or never) in its log."""
        return max(self.delivery.attempts - len(self.attempts), 0)


@dataclass(frozen=True)
class ChannelNotices:
    """A recipient's notices on one of their channels, oldest first; the last one's state is the channel's."""

    channel: str
    """The channel's code (``email``, ``apprise``, ``webhook``)."""
    label: str
    address: str
    """Shown for mail (the address); empty for Apprise and webhooks, whose rows name the channel, not its URL."""
    notices: list[NoticeDelivery]

    @property
    def latest(self) -> NotificationDelivery:
        return self.notices[-1].delivery

    @property
    def attempts(self) -> list[DeliveryAttempt]:
        return [attempt for notice in self.notices for attempt in notice.attempts]

    @property
    def last_attempt(self) -> DeliveryAttempt | None:
        attempts = self.attempts
        return attempts[-1] if attempts else None

    @property
    def expanded(self) -> bool:
        """The attempts are shown open when the latest one failed (for now or for good) or was lost."""
        last = self.last_attempt
        return last is not None and last.outcome in ATTEMPT_TROUBLE

    @property
    def failed_count(self) -> int:
        return sum(1 for a in self.attempts if a.outcome in (AttemptOutcome.RETRY, AttemptOutcome.FAILED))

    @property
    def lost_count(self) -> int:
        return sum(1 for a in self.attempts if a.outcome == AttemptOutcome.LOST)

    @property
    def dom_id(self) -> str:
        """Stable across polls: the first delivery of the channel names it."""
        return f"notice-attempts-{self.notices[0].delivery.pk}"


@dataclass(frozen=True)
class RecipientNotices:
    """Everyone the chain sent the Prio 1 notice, with the state of each of their channels."""

    user: User
    channels: list[ChannelNotices]


def escalation_notice_deliveries(*, escalation: Escalation) -> list[RecipientNotices]:
    """Per recipient of the Prio 1 notice (in the order they were first told) and channel (in the
    order of their channels): the notices sent, each delivery's state and its attempts.

    Three queries however many recipients, notices and attempts: the notice entries with their
    recipients, their deliveries (without the bodies), and the deliveries' attempts by ``number``.
    """
    events = (
        escalation.events.filter(kind__in=NOTICE_KINDS, recipient__isnull=False)
        .select_related("recipient")
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=NotificationDelivery.objects.defer("body_text", "body_html").prefetch_related(
                    Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number", "pk"))
                ),
            )
        )
        .order_by("at", "id")
    )
    people: dict[int, tuple[User, dict[tuple[str, str], list[NoticeDelivery]]]] = {}
    for event in events:
        assert event.recipient is not None  # noqa: S101 - filtered above
        _user, channels = people.setdefault(event.recipient.pk, (event.recipient, {}))
        for delivery in sorted(event.deliveries.all(), key=lambda d: d.pk):
            channels.setdefault((delivery.channel, delivery.address), []).append(
                NoticeDelivery(event=event, delivery=delivery, attempts=list(delivery.attempt_log.all()))
            )
    return [
        RecipientNotices(
            user=user,
            channels=[
                ChannelNotices(
                    channel=channel,
                    label=str(ChannelKind(channel).label) if channel in ChannelKind.values else channel,
                    address=address if channel == ChannelKind.EMAIL else "",
                    notices=notices,
                )
                for (channel, address), notices in channels.items()
            ],
        )
        for user, channels in people.values()
    ]


def status_mail_choices(*, escalation: Escalation, language: str) -> list[tuple[str, str]]:
    """(name, label) of the status mails, in the order they were created (the first fits a new case).

    The label is the mail's subject in ``language`` (else in the site's language, else the name)
    filled in for this case's ticket, so the phone duty sees what the customer will read.
    """
    from string import Template

    ticket = escalation.case.ticket
    values = {
        "number": ticket.number,
        "subject": ticket.subject,
        "customer": ticket.customer.name if ticket.customer is not None else "",
    }
    rows: dict[str, dict[str, str]] = {}
    for name, row_language, subject in StatusMailTemplate.objects.order_by("id").values_list(
        "name", "language", "subject"
    ):
        rows.setdefault(name, {})[row_language] = subject
    choices = []
    for name, subjects in rows.items():
        wording = subjects.get(language) or subjects.get(settings.LANGUAGE_CODE)
        choices.append((name, Template(wording).safe_substitute(values) if wording else name))
    return choices


def escalation_list_open() -> QuerySet[Escalation]:
    return (
        Escalation.objects.exclude(status=EscalationStatus.RESOLVED)
        .select_related("case__ticket__customer", "acknowledged_by")
        .order_by("-started_at")
    )


def silent_since(*, escalation: Escalation) -> datetime | None:
    """Start of the current silent period of an acknowledged case: its last status update, else the acknowledgement."""
    last = (
        escalation.events.filter(kind=EventKind.STATUS_UPDATE)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return last or escalation.acknowledged_at


def nudge_due(*, escalation: Escalation, now: datetime, policy: EscalationPolicy) -> bool:
    """R19: silent for ``nudge_after_minutes`` and not yet nudged in this silent period."""
    if escalation.status != EscalationStatus.ACKNOWLEDGED or not policy.nudge_after_minutes:
        return False
    since = silent_since(escalation=escalation)
    if since is None or now - since < timedelta(minutes=policy.nudge_after_minutes):
        return False
    return not escalation.events.filter(kind=EventKind.PHONE_DUTY_NUDGED, at__gte=since).exists()


# --- Prio 1 keyword rules ------------------------------------------------------------------


def customer_has_24x7(*, customer_id: int | None) -> bool:
    if customer_id is None:
        return False
    return CustomerContract.objects.filter(customer_id=customer_id, support_24x7=True).exists()


def prio1_rule_list() -> QuerySet[Prio1Rule]:
    return Prio1Rule.objects.prefetch_related("customers").order_by("name", "id")


def prio1_rule_for_mail(*, customer: Customer | None, subject: str, body: str) -> Prio1Rule | None:
    """The first active rule (by name) that makes this incoming mail a Prio 1, else None.

    Called by the mailbox intake; ``customer`` is the sender's customer when known.
    """
    customer_id = customer.pk if customer is not None else None
    has_24x7 = customer_has_24x7(customer_id=customer_id)
    for rule in prio1_rule_list().filter(active=True):
        if rules.rule_matches(rule, customer_id=customer_id, has_24x7=has_24x7, subject=subject, body=body):
            return rule
    return None


def prio1_rule_get(*, rule_id: int) -> Prio1Rule:
    found = prio1_rule_list().filter(pk=rule_id).first()
    if found is None:
        raise EscalationNotFound(gettext("There is no Prio 1 rule %(id)s.") % {"id": rule_id})
    return found


def prio1_rules_evaluate(
    *, draft: rules.RuleSpec | None, customer_id: int | None, subject: str, body: str, exclude_id: int | None = None
) -> tuple[rules.Evaluation | None, list[rules.Evaluation]]:
    """The test box: how the unsaved ``draft`` and every saved rule (but ``exclude_id``) treat a sample mail."""
    has_24x7 = customer_has_24x7(customer_id=customer_id)

    def run(spec: rules.RuleSpec) -> rules.Evaluation:
        return rules.evaluate(spec, customer_id=customer_id, has_24x7=has_24x7, subject=subject, body=body)

    saved = [
        run(rules.spec_of(rule, customer_ids=(c.pk for c in rule.customers.all())))
        for rule in prio1_rule_list()
        if rule.pk != exclude_id
    ]
    return (run(draft) if draft is not None else None), saved


# --- outside the support windows ----------------------------------------------------------


@dataclass(frozen=True)
class CustomerPolicyRow:
    """One customer on the coordinator's "Prio 1 outside the support windows" page."""

    customer: Customer
    mode: str
    """The mode in force: ``coordinator`` for a customer without a policy row (the model's default)."""
    person: User | None
    has_24x7: bool
    explicit: bool
    """A coordinator chose it (a row exists); otherwise it is the default."""

    @property
    def mode_label(self) -> str:
        return str(OutsideWindowMode(self.mode).label)


def customer_policy_rows() -> list[CustomerPolicyRow]:
    """Every customer by name with the policy in force, in three queries however many there are."""
    policies = {p.customer_id: p for p in CustomerEscalationPolicy.objects.select_related("person")}
    with_24x7 = set(CustomerContract.objects.filter(support_24x7=True).values_list("customer_id", flat=True))
    rows = []
    for customer in Customer.objects.order_by("name", "pk"):
        policy = policies.get(customer.pk)
        rows.append(
            CustomerPolicyRow(
                customer=customer,
                mode=policy.mode if policy else OutsideWindowMode.COORDINATOR,
                person=policy.person if policy else None,
                has_24x7=customer.pk in with_24x7,
                explicit=policy is not None,
            )
        )
    return rows


def customer_get(*, customer_id: int) -> Customer:
    found = Customer.objects.filter(pk=customer_id).first()
    if found is None:
        raise EscalationNotFound(gettext("There is no customer %(id)s.") % {"id": customer_id})
    return found


# --- browser notifications -----------------------------------------------------------------

POLL_KINDS = (EventKind.STARTED, EventKind.ACKNOWLEDGED)
POLL_LIMIT = 50
POLL_MAX_AGE = timedelta(minutes=15)
"""A browser back after a night away is not flooded with yesterday's cases."""


def poll_cursor() -> int:
    """The newest event id: a page that starts polling is told only of what happens from now on."""
    return EscalationEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def escalation_events_since(*, user: User, since: int, now: datetime | None = None) -> list[EscalationEvent]:
    """New Prio 1 cases and acknowledgements after event ``since`` that ``user`` should hear of.

    Every active signed-in user works Prio 1 cases; one's own acknowledgements are left out.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        EscalationEvent.objects.filter(
            id__gt=since, kind__in=POLL_KINDS, at__gte=(now or timezone.now()) - POLL_MAX_AGE
        )
        .exclude(kind=EventKind.ACKNOWLEDGED, actor=user)
        .select_related("escalation__case__ticket__customer", "actor")
        .order_by("id")[:POLL_LIMIT]
    )
