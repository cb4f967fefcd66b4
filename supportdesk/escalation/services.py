"""Writes of the Prio 1 escalation (R13, R14, R16–R19), modelled on OnCall's escalate_alert_group.

Every step is a task carrying the escalation's ``step_token``. It re-reads the row under a
lock and exits when the token changed (the step ran already, or the chain stopped) or the
case was acknowledged. Its notices are delivery rows written in the same transaction as the
step's state change, and the next step is enqueued with ``run_after`` in it too: a worker
killed at any moment loses no step (the sweep re-enqueues an overdue one) and sends no
notice twice (the token makes a repeated step a no-op).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from supportdesk.accounts.models import User
from supportdesk.escalation import rules, selectors
from supportdesk.escalation import tasks as escalation_tasks
from supportdesk.escalation.exceptions import EscalationClosed, InvalidAckLink, InvalidEntry, InvalidRule
from supportdesk.escalation.models import (
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    EscalationStatus,
    EventKind,
    Prio1Rule,
    new_token,
)
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import notify, recipient_channels
from supportdesk.tickets.models import OPEN_STATUSES, Customer, Prio1Case, Prio1Status, Status, Ticket

logger = logging.getLogger(__name__)

STEP_GRACE = timedelta(seconds=30)
"""A step overdue by more than this was lost (worker killed, task dropped): the sweep re-enqueues it."""
DELIVERY_CHECK_DELAY = timedelta(seconds=20)
"""After a step, look this much later whether every channel of a recipient failed."""
ACK_SALT = "supportdesk.escalation.ack"
NOTICE_KINDS = (EventKind.NOTIFIED, EventKind.RENOTIFIED, EventKind.ESCALATED)


# --- acknowledgement links ----------------------------------------------------------------


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
            f"This acknowledgement link has expired (links are valid for {hours} hours). "
            "Open the case page and acknowledge there."
        ) from exc
    except signing.BadSignature as exc:
        raise InvalidAckLink(
            "This acknowledgement link is not valid (it was changed or cut off). "
            "Open the link from the notice again, or acknowledge on the case page."
        ) from exc
    escalation = Escalation.objects.select_related("case__ticket").filter(pk=data.get("e")).first()
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if escalation is None or user is None:
        raise InvalidAckLink("This acknowledgement link belongs to a case or person that no longer exists.")
    return escalation, user


# --- starting and stepping -------------------------------------------------------------


def _event(escalation: Escalation, kind: str, now: datetime, **fields: object) -> EscalationEvent:
    return EscalationEvent.objects.create(escalation=escalation, kind=kind, at=now, **fields)  # type: ignore[arg-type]


@transaction.atomic
def escalation_start(*, case: Prio1Case, now: datetime | None = None) -> Escalation:
    """Open the chain of a new Prio 1 case; its first step is enqueued in the caller's transaction."""
    now = now or timezone.now()
    escalation, created = Escalation.objects.get_or_create(
        case=case, defaults={"started_at": now, "next_step_at": now, "step_token": new_token()}
    )
    if created:
        _event(escalation, EventKind.STARTED, now, actor=case.opened_by)
        escalation_tasks.escalation_step.enqueue(escalation_id=escalation.pk, step_token=escalation.step_token)
        logger.warning("escalation %s started for %s", escalation.pk, case.ticket_id)
    return escalation


def _has_usable_channel(user: User) -> bool:
    return any(address for _name, address in recipient_channels(recipient=user))


def _tell_coordinators_unreachable(
    *, escalation: Escalation, user: User, now: datetime, reason: str
) -> EscalationEvent | None:
    """Once per case and person: the coordinators hear that ``user`` cannot be reached."""
    if escalation.events.filter(kind=EventKind.UNREACHABLE, recipient=user).exists():
        return None
    event = _event(escalation, EventKind.UNREACHABLE, now, recipient=user, text=reason)
    deliveries = []
    for coordinator in selectors.coordinators_at(at=now):
        if coordinator.pk == user.pk:
            continue
        deliveries += notify(
            recipient=coordinator,
            template="escalation/unreachable",
            context={
                "recipient": coordinator,
                "person": user,
                "reason": reason,
                "ticket": escalation.case.ticket,
                "case_url": settings.SITE_URL + escalation.get_absolute_url(),
            },
            channel_names=None,
            urgent=True,
        )
    event.deliveries.set(deliveries)
    logger.warning("escalation %s: %s unreachable (%s)", escalation.pk, user.pk, reason)
    return event


def _notice(*, escalation: Escalation, user: User, kind: str, step: int, reason: str, now: datetime) -> None:
    event = _event(escalation, kind, now, step=step, recipient=user, text=reason)
    if not _has_usable_channel(user):
        _tell_coordinators_unreachable(
            escalation=escalation, user=user, now=now, reason="no working notice channel (no mail address)"
        )
        return
    deliveries = notify(
        recipient=user,
        template="escalation/prio1_notice",
        context={
            "recipient": user,
            "ticket": escalation.case.ticket,
            "escalation": escalation,
            "kind": kind,
            "attempt": step + 1,
            "ack_url": ack_url(escalation=escalation, user=user),
            "case_url": settings.SITE_URL + escalation.get_absolute_url(),
        },
        channel_names=None,
        urgent=True,
    )
    event.deliveries.set(deliveries)


def _last_step(policy: EscalationPolicy) -> int:
    escalates = policy.escalate_to_coordinators or policy.escalate_to_pool
    return policy.renotify_count + (1 if escalates else 0)


@transaction.atomic
def escalation_step_run(*, escalation_id: int, step_token: str, now: datetime | None = None) -> Escalation | None:
    """Run the step the token names, once; anything stale or already acknowledged does nothing."""
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket__customer")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or escalation.status != EscalationStatus.ACTIVE or escalation.step_token != step_token:
        return escalation
    policy = selectors.policy_get()
    step = escalation.step
    chain_goes_on = step < _last_step(policy)
    if step <= policy.renotify_count:
        found = selectors.recipients_at(escalation=escalation, at=now)
        kind = EventKind.NOTIFIED if step == 0 else EventKind.RENOTIFIED
        if not found.users:
            text = (
                "Outside the support windows the customer's policy names nobody: "
                "the customer gets the automatic answer."
                if found.reason == "nobody"
                else f"Nobody to notify ({found.reason})."
            )
            _event(escalation, EventKind.NO_RECIPIENT, now, step=step, text=text)
            chain_goes_on = chain_goes_on and found.reason != "nobody"
            if found.reason == "nobody":
                escalation_tasks.escalation_auto_answer.enqueue(escalation_id=escalation.pk)
        for user in found.users:
            _notice(escalation=escalation, user=user, kind=kind, step=step, reason=found.reason, now=now)
    else:
        notified = set(
            escalation.events.filter(kind__in=NOTICE_KINDS, recipient__isnull=False).values_list(
                "recipient_id", flat=True
            )
        )
        # The people told so far hear again too: the escalation notice says that others were told.
        targets = selectors.escalation_targets_at(at=now, exclude=set(), policy=policy)
        for user in targets:
            reason = "told before" if user.pk in notified else "escalation"
            _notice(escalation=escalation, user=user, kind=EventKind.ESCALATED, step=step, reason=reason, now=now)
        if not targets:
            _event(escalation, EventKind.NO_RECIPIENT, now, step=step, text="Nobody to escalate to.")
    escalation.step = step + 1
    escalation.step_token = new_token()
    if chain_goes_on:
        escalation.next_step_at = now + timedelta(seconds=policy.renotify_seconds)
        escalation_tasks.escalation_step.using(run_after=escalation.next_step_at).enqueue(
            escalation_id=escalation.pk, step_token=escalation.step_token
        )
    else:
        escalation.next_step_at = None
    escalation.save(update_fields=["step", "step_token", "next_step_at"])
    escalation_tasks.escalation_deliveries_check.using(run_after=now + DELIVERY_CHECK_DELAY).enqueue(
        escalation_id=escalation.pk
    )
    return escalation


def _failed_everywhere(deliveries: list[NotificationDelivery]) -> bool:
    """Every channel has failed at least once and none got through (retries may still follow)."""
    return bool(deliveries) and all(
        d.status == DeliveryStatus.FAILED or (d.status == DeliveryStatus.RETRYING and d.attempts >= 1)
        for d in deliveries
    )


@transaction.atomic
def escalation_deliveries_check(*, escalation_id: int, now: datetime | None = None) -> list[EscalationEvent]:
    """Tell the coordinators about each recipient whose latest notice failed on all channels."""
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or escalation.status == EscalationStatus.RESOLVED:
        return []
    latest: dict[int, EscalationEvent] = {}
    for event in (
        escalation.events.filter(kind__in=NOTICE_KINDS, recipient__isnull=False)
        .select_related("recipient")
        .prefetch_related("deliveries")
        .order_by("at", "id")
    ):
        latest[event.recipient_id] = event  # type: ignore[index]
    told = []
    for event in latest.values():
        if _failed_everywhere(list(event.deliveries.all())):
            assert event.recipient is not None  # noqa: S101 - filtered above
            result = _tell_coordinators_unreachable(
                escalation=escalation, user=event.recipient, now=now, reason="every notice channel failed"
            )
            if result is not None:
                told.append(result)
    return told


def escalation_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue steps overdue by more than :data:`STEP_GRACE`; check the deliveries of open chains."""
    now = now or timezone.now()
    overdue = list(
        Escalation.objects.filter(status=EscalationStatus.ACTIVE, next_step_at__lt=now - STEP_GRACE).values_list(
            "pk", "step_token"
        )
    )
    for pk, token in overdue:
        with transaction.atomic():
            escalation_tasks.escalation_step.enqueue(escalation_id=pk, step_token=token)
        logger.warning("escalation %s: step overdue, re-enqueued", pk)
    for pk in Escalation.objects.filter(status=EscalationStatus.ACTIVE).values_list("pk", flat=True):
        escalation_deliveries_check(escalation_id=pk, now=now)
    return len(overdue)


# --- acknowledgement, updates, resolution -----------------------------------------------------


@dataclass(frozen=True)
class Acknowledgement:
    escalation: Escalation
    accepted: bool
    """False when someone else (or the same person) acknowledged first, or the case is resolved."""
    message: str


@transaction.atomic
def escalation_acknowledge(
    *, escalation: Escalation, actor: User, via: str = "page", now: datetime | None = None
) -> Acknowledgement:
    """The first acknowledgement stops the chain and tells the phone duty; later ones are only recorded."""
    now = now or timezone.now()
    locked = Escalation.objects.select_for_update(of=("self",)).select_related("case__ticket").get(pk=escalation.pk)
    if locked.status != EscalationStatus.ACTIVE:
        if locked.status == EscalationStatus.RESOLVED:
            message = "The case is already resolved."
        else:
            who = locked.acknowledged_by.name if locked.acknowledged_by else "someone"
            when = timezone.localtime(locked.acknowledged_at).strftime("%H:%M:%S") if locked.acknowledged_at else ""
            message = f"{who} acknowledged this case already at {when}; nothing changed."
        _event(locked, EventKind.ACK_IGNORED, now, actor=actor, text=f"via {via}: {message}")
        return Acknowledgement(escalation=locked, accepted=False, message=message)
    locked.status = EscalationStatus.ACKNOWLEDGED
    locked.acknowledged_at = now
    locked.acknowledged_by = actor
    locked.step_token = new_token()  # a queued step finds a stale token and exits
    locked.next_step_at = None
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "step_token", "next_step_at"])
    Prio1Case.objects.filter(pk=locked.case_id, status=Prio1Status.OPEN).update(status=Prio1Status.ACKNOWLEDGED)
    _event(locked, EventKind.ACKNOWLEDGED, now, actor=actor, text=f"via {via}")
    phone_duty = selectors.phone_duty_at(at=now)
    if phone_duty is not None and phone_duty.pk != actor.pk:
        deliveries = notify(
            recipient=phone_duty,
            template="escalation/acknowledged",
            context={
                "recipient": phone_duty,
                "actor": actor,
                "ticket": locked.case.ticket,
                "case_url": settings.SITE_URL + locked.get_absolute_url(),
            },
            channel_names=None,
            urgent=True,
        )
        event = _event(locked, EventKind.PHONE_DUTY_TOLD, now, recipient=phone_duty)
        event.deliveries.set(deliveries)
    logger.info("escalation %s acknowledged by %s via %s", locked.pk, actor.pk, via)
    return Acknowledgement(escalation=locked, accepted=True, message="Acknowledged: the escalation stops.")


def _open_escalation(escalation: Escalation) -> Escalation:
    locked = Escalation.objects.select_for_update(of=("self",)).select_related("case__ticket").get(pk=escalation.pk)
    if locked.status == EscalationStatus.RESOLVED:
        raise EscalationClosed("The case is resolved: nothing more can be added.")
    return locked


@transaction.atomic
def escalation_status_update_post(
    *, escalation: Escalation, actor: User, text: str, now: datetime | None = None
) -> EscalationEvent:
    """The standby keeps the phone duty informed (R19): an entry on the live timeline."""
    now = now or timezone.now()
    if not text.strip():
        raise InvalidEntry("The status update must not be empty.")
    locked = _open_escalation(escalation)
    return _event(locked, EventKind.STATUS_UPDATE, now, actor=actor, text=text.strip())


@transaction.atomic
def escalation_phone_call_log(
    *, escalation: Escalation, actor: User, text: str, now: datetime | None = None
) -> EscalationEvent:
    """The phone duty owns the customer communication (R14): a call with the customer, logged."""
    now = now or timezone.now()
    if not text.strip():
        raise InvalidEntry("Describe the call.")
    locked = _open_escalation(escalation)
    return _event(locked, EventKind.PHONE_CALL, now, actor=actor, text=text.strip())


@transaction.atomic
def escalation_resolve(*, escalation: Escalation, actor: User, summary: str, now: datetime | None = None) -> Escalation:
    """Close the case with a summary (R18): the chain stops, the Prio 1 case and the ticket are resolved."""
    from supportdesk.tickets.services import ticket_update

    now = now or timezone.now()
    if not summary.strip():
        raise InvalidEntry("Write a short summary of the cause and the fix.")
    locked = _open_escalation(escalation)
    locked.status = EscalationStatus.RESOLVED
    locked.resolved_at = now
    locked.resolved_by = actor
    locked.summary = summary.strip()
    locked.step_token = new_token()
    locked.next_step_at = None
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "summary", "step_token", "next_step_at"])
    Prio1Case.objects.filter(pk=locked.case_id).update(status=Prio1Status.RESOLVED)
    ticket = Ticket.objects.get(pk=locked.case.ticket_id)
    if ticket.status in OPEN_STATUSES:
        ticket_update(actor, ticket, ticket.version, now=now, status=Status.RESOLVED)
    _event(locked, EventKind.RESOLVED, now, actor=actor, text=locked.summary)
    return locked


# --- R19: nudge the phone duty when the case goes silent -------------------------------------


def escalation_nudge_sweep(*, now: datetime | None = None) -> int:
    """Enqueue a nudge task for every acknowledged case silent for too long; the task re-checks."""
    now = now or timezone.now()
    policy = selectors.policy_get()
    due = [
        escalation.pk
        for escalation in Escalation.objects.filter(status=EscalationStatus.ACKNOWLEDGED)
        if selectors.nudge_due(escalation=escalation, now=now, policy=policy)
    ]
    for pk in due:
        with transaction.atomic():
            escalation_tasks.escalation_nudge.enqueue(escalation_id=pk)
    return len(due)


@transaction.atomic
def escalation_nudge_run(*, escalation_id: int, now: datetime | None = None) -> EscalationEvent | None:
    """Nudge the phone duty once per silent period (R19); a duplicate task finds it done and exits."""
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket", "acknowledged_by")
        .filter(pk=escalation_id)
        .first()
    )
    policy = selectors.policy_get()
    if escalation is None or not selectors.nudge_due(escalation=escalation, now=now, policy=policy):
        return None
    since = selectors.silent_since(escalation=escalation)
    minutes = int((now - since).total_seconds() // 60) if since else policy.nudge_after_minutes
    phone_duty = selectors.phone_duty_at(at=now)
    recipients = [phone_duty] if phone_duty is not None else selectors.coordinators_at(at=now)
    event = _event(
        escalation,
        EventKind.PHONE_DUTY_NUDGED,
        now,
        recipient=phone_duty,
        text=f"No status update for {minutes} minutes.",
    )
    deliveries = []
    for user in recipients:
        deliveries += notify(
            recipient=user,
            template="escalation/silence_nudge",
            context={
                "recipient": user,
                "minutes": minutes,
                "worker": escalation.acknowledged_by,
                "ticket": escalation.case.ticket,
                "case_url": settings.SITE_URL + escalation.get_absolute_url(),
            },
            channel_names=None,
            urgent=True,
            now=now,
        )
    event.deliveries.set(deliveries)
    logger.info("escalation %s: phone duty nudged after %s silent minutes", escalation.pk, minutes)
    return event


# --- R14: status mails to the customer ---------------------------------------------------------


def status_mail_recipients(*, escalation: Escalation) -> list[str]:
    """Mail addresses of the ticket's contact and of every contact of its customer, deduplicated."""
    from supportdesk.tickets.models import ContactEmail

    ticket = escalation.case.ticket
    rows = ContactEmail.objects.none()
    if ticket.customer_id:
        rows = ContactEmail.objects.filter(contact__customer_id=ticket.customer_id)
    if ticket.contact_id:
        rows = rows | ContactEmail.objects.filter(contact_id=ticket.contact_id)
    return list(dict.fromkeys(a.lower() for a in rows.order_by("contact_id", "id").values_list("address", flat=True)))


@transaction.atomic
def escalation_status_mail_send(
    *, escalation: Escalation, actor: User, name: str, language: str, now: datetime | None = None
) -> EscalationEvent:
    """Send a templated status mail to the customer's contacts (R14), threaded into the ticket."""
    from string import Template

    from supportdesk.escalation.models import StatusMailTemplate
    from supportdesk.mailbox.models import InboundMail
    from supportdesk.mailbox.services.outbound import mail_send

    now = now or timezone.now()
    locked = _open_escalation(escalation)
    template = StatusMailTemplate.objects.filter(name=name, language=language).first()
    if template is None:
        raise InvalidEntry(f"There is no status mail {name!r} in language {language!r}.")
    to = status_mail_recipients(escalation=locked)
    if not to:
        raise InvalidEntry("The customer has no contact with a mail address.")
    ticket = locked.case.ticket
    values = {
        "number": ticket.number,
        "subject": ticket.subject,
        "customer": ticket.customer.name if ticket.customer is not None else "",
        "sender": actor.name,
    }
    references = list(
        InboundMail.objects.filter(ticket=ticket)
        .exclude(message_id="")
        .order_by("received_at", "id")
        .values_list("message_id", flat=True)
    )
    outbound = mail_send(
        actor=actor,
        to=to,
        subject=Template(template.subject).safe_substitute(values),
        body=Template(template.body).safe_substitute(values),
        ticket=ticket,
        references=references,
        now=now,
    )
    return _event(locked, EventKind.STATUS_MAIL, now, actor=actor, text=f"{outbound.subject} → {', '.join(to)}")


# --- Prio 1 keyword rules ---------------------------------------------------------------------


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
        raise InvalidRule("Only a coordinator may change the Prio 1 rules.")
    name = " ".join(name.split())
    if not name:
        raise InvalidRule("The rule needs a name.")
    try:
        parsed = rules.phrases_parse(phrases)
    except rules.InvalidPhrases as exc:
        raise InvalidRule(str(exc)) from exc
    if not (match_subject or match_body):
        raise InvalidRule("Look in the subject, the body or both.")
    same_name = Prio1Rule.objects.filter(name__iexact=name)
    if rule is not None:
        same_name = same_name.exclude(pk=rule.pk)
    if same_name.exists():
        raise InvalidRule(f"There is already a rule named {name!r}.")
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


# --- outside the windows, policy "nobody": the automatic answer --------------------------------

AUTO_ANSWER_SUBJECT = gettext_noop("Your Prio 1 report: {subject}")
AUTO_ANSWER_BODY = gettext_noop("""Hello,

we received your report "{subject}" ({number}) outside our support hours.
Nobody is on call for it right now: support resumes on {resumes}, and we will work on it first.

This is an automatic answer.
""")


def auto_answer_address(*, ticket: Ticket) -> str | None:
    """The first mail address of the ticket's contact."""
    if ticket.contact is None:
        return None
    return ticket.contact.emails.order_by("id").values_list("address", flat=True).first()


@transaction.atomic
def escalation_auto_answer_send(*, escalation_id: int, now: datetime | None = None) -> EscalationEvent | None:
    """Tell the customer when support resumes (policy "nobody"), once per case; recorded on the timeline."""
    from django.utils import translation
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    from supportdesk.mailbox.exceptions import AutoAnswerRefused, MailCannotBeSent
    from supportdesk.mailbox.models import InboundMail
    from supportdesk.mailbox.services import mail_send
    from supportdesk.roster import business_hours
    from supportdesk.roster.selectors import support_calendar

    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__ticket__contact")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or escalation.status != EscalationStatus.ACTIVE:
        return None
    if escalation.events.filter(kind=EventKind.AUTO_ANSWER).exists():
        return None
    ticket = escalation.case.ticket
    address = auto_answer_address(ticket=ticket)
    if address is None:
        return _event(
            escalation, EventKind.AUTO_ANSWER, now, text="Not sent: the ticket's contact has no mail address."
        )
    cal = support_calendar()
    resumes = business_hours.next_working_day_start(cal, now)
    mails = InboundMail.objects.filter(ticket=ticket).order_by("received_at", "id")
    references = list(mails.exclude(message_id="").values_list("message_id", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "subject": ticket.subject,
            "number": ticket.number,
            "resumes": date_format(resumes.astimezone(cal.tz), "DATETIME_FORMAT"),
        }
        subject = gettext(AUTO_ANSWER_SUBJECT).format(**values)
        body = gettext(AUTO_ANSWER_BODY).format(**values)
    try:
        # A savepoint: a refused mail must not roll the timeline entry back with it.
        with transaction.atomic():
            outbound = mail_send(
                actor=None,
                to=[address],
                subject=subject,
                body=body,
                ticket=ticket,
                inbound=mails.last(),
                references=references,
                automatic=True,
                now=now,
            )
    except (AutoAnswerRefused, MailCannotBeSent) as exc:
        logger.warning("escalation %s: automatic answer not sent: %s", escalation.pk, exc.message)
        return _event(escalation, EventKind.AUTO_ANSWER, now, text=f"Not sent: {exc.message}")
    logger.info("escalation %s: automatic answer to %s", escalation.pk, address)
    return _event(
        escalation,
        EventKind.AUTO_ANSWER,
        now,
        text=f"{outbound.subject} → {address} (support resumes {resumes.isoformat()})",
    )
