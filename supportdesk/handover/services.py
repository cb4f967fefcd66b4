"""Writes of the day's flow: presence, hand-over, readiness, closing and the routing webhook (R10, R15–R17, R22)."""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_get_mailbox_head, user_list_coordinators
from supportdesk.handover import conf, selectors
from supportdesk.handover import tasks as handover_tasks
from supportdesk.handover.afterhours import after_hours_acknowledge as after_hours_acknowledge  # R15, for the intake
from supportdesk.handover.exceptions import AlreadyHandedOver, DomainError, NotAllowed, NothingToDo
from supportdesk.handover.models import (
    ChecklistText,
    ClosingCheck,
    DayFlowSettings,
    DayPresence,
    Handover,
    HandoverReason,
    PresenceState,
    ReadinessCheck,
    RoutingDelivery,
    RoutingState,
    RoutingTarget,
    RoutingWebhook,
)
from supportdesk.notifications.services import notify, notify_many
from supportdesk.roster import business_hours as bh
from supportdesk.roster.models import Duty
from supportdesk.roster.selectors import support_calendar

logger = logging.getLogger(__name__)

ACK_SALT = "supportdesk.handover.ack"
ACK_LINK_MAX_AGE = timedelta(hours=12)


def _day(now: datetime) -> date:
    return selectors.local_day(now)


def _coordinators(day: date) -> list[User]:
    return user_list_coordinators(day=day)


def _url(name: str, *args: object) -> str:
    return settings.SITE_URL + reverse(name, args=args)


# --- presence -------------------------------------------------------------------------------


@transaction.atomic
def presence_set(*, actor: User, state: str, leaving_at: time | None = None, now: datetime) -> DayPresence:
    """The mailbox head says how her day looks (present, away, leaving at HH:MM).

    "Away" hands over at once, "leaving at" a time already past too; a later "leaving at" is handed
    over at that time by the ``handover.leaving`` job, unless she ends her day before (R22).
    """
    head = user_get_mailbox_head()
    if head is None or head.pk != actor.pk:
        raise NotAllowed(_("Only the mailbox head sets the presence of the day."))
    if state not in PresenceState.values:
        raise DomainError(_("Unknown presence."))
    if state == PresenceState.LEAVING and leaving_at is None:
        raise DomainError(_("Give the time you are leaving at."))
    day = _day(now)
    presence, _created = DayPresence.objects.update_or_create(
        user=actor,
        date=day,
        defaults={"state": state, "leaving_at": leaving_at if state == PresenceState.LEAVING else None},
    )
    gone = state == PresenceState.AWAY or (
        state == PresenceState.LEAVING and selectors.leaving_moment(presence=presence) <= now
    )
    if gone and _head_part_open(day=day, now=now) and not Handover.objects.filter(date=day).exists():
        reason = HandoverReason.AWAY if state == PresenceState.AWAY else HandoverReason.LEAVING
        _handover_perform(actor=actor, now=now, automatic=False, reason=reason)
    else:
        routing_sync(now=now)
    return presence


def _head_part_open(*, day: date, now: datetime) -> bool:
    """Whether a hand-over still means something at ``now``: the day has a window that has not ended, or
    is a working day whose core hours have not ended."""
    cal = support_calendar()
    window = bh.window_on(cal, day)
    if window is not None:
        return now < window.end
    return bh.is_working_day(cal, day) and now < datetime.combine(day, cal.core_hours[1], tzinfo=cal.tz)


# --- the coordinators' day's flow settings ------------------------------------------------------


@transaction.atomic
def day_flow_settings_update(
    *, actor: User, values: Mapping[str, object], checklists: Mapping[str, str]
) -> DayFlowSettings:
    """Save the day's flow settings and the closing checklist per language (blank or the built-in text:
    the built-in one is used). Invalid values raise ``DomainError`` and change nothing."""
    if not actor.is_coordinator:
        raise NotAllowed(_("Only a coordinator changes the day's flow settings."))
    row = selectors.day_flow_settings_get()
    unknown = set(values) - set(DAY_FLOW_FIELDS)
    if unknown:
        raise DomainError(_("Unknown setting: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by = actor
    try:
        row.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    row.save()
    languages = dict(settings.LANGUAGES)
    for language, raw in checklists.items():
        if language not in languages:
            raise DomainError(_("Unknown language: %(language)s.") % {"language": language})
        text = "\n".join(line.strip() for line in raw.splitlines() if line.strip())
        if not text or text == selectors.DEFAULT_CHECKLIST.get(language):
            ChecklistText.objects.filter(language=language).delete()
        else:
            ChecklistText.objects.update_or_create(language=language, defaults={"text": text})
    logger.info("day's flow settings changed by %s", actor)
    return row


DAY_FLOW_FIELDS = (
    "readiness_lead_minutes",
    "readiness_grace_minutes",
    "auto_handover",
    "handover_repeat_minutes",
    "handover_repeat_count",
    "closing_grace_minutes",
    "triage_owner",
)


# --- hand-over (R22) ------------------------------------------------------------------------


def ack_token_make(*, handover: Handover) -> str:
    return signing.dumps({"h": handover.pk, "u": handover.to_user_id}, salt=ACK_SALT)


def ack_token_resolve(*, token: str) -> Handover:
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=ACK_LINK_MAX_AGE)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise NothingToDo(_("This link is not valid or has expired; acknowledge on the My day page.")) from exc
    handover = selectors.handover_get(pk=int(data.get("h", 0)))
    if handover is None or handover.to_user_id != data.get("u"):
        raise NothingToDo(_("This hand-over no longer exists or went to someone else."))
    return handover


def _handover_context(handover: Handover, now: datetime) -> dict[str, object]:
    cal = support_calendar()
    window = bh.window_on(cal, handover.date)
    core_start = datetime.combine(handover.date, cal.core_hours[0], tzinfo=cal.tz)
    standby, standby_number = (
        selectors.duty_contact(day=handover.date, duty=Duty.TECHNICAL_STANDBY) if window else (None, "")
    )
    return {
        "handover": handover,
        # who holds what (R22): the line from the hand-over (not before core hours) to the window's end
        "line_from": max(handover.performed_at, core_start).astimezone(cal.tz),
        "window": window,
        "standby": standby,
        "standby_number": standby_number,
        "items": selectors.open_items(now=now),
        "page_url": _url("handover:my_day"),
        "ack_url": _url("handover:ack_link", ack_token_make(handover=handover)) if handover.to_user_id else "",
    }


@transaction.atomic(durable=True)
def handover_perform(*, actor: User | None, now: datetime, automatic: bool = False) -> Handover:
    """Hand the triage inbox, the intake watch and the support line to the day's phone duty (R22).

    ``actor`` None is the automatic hand-over at the window start. On a day
    without a window nobody takes over: the line goes to voicemail (after-hours mode).
    """
    reason = HandoverReason.WINDOW_START if automatic else HandoverReason.END_OF_DAY
    return _handover_perform(actor=actor, now=now, automatic=automatic, reason=reason)


def _handover_recipient(*, day: date, window: bh.Window | None, reason: str) -> tuple[str, User | None]:
    """Who takes over, as the routing decides (``selectors.line_fallback``): the day's published phone
    duty, else the first coordinator present. At the end of a day without a window nobody does (after-hours
    mode); while the head is away or gone on such a day the routing's fallback holds the line."""
    if window is None and reason in (HandoverReason.END_OF_DAY, HandoverReason.WINDOW_START):
        return RoutingTarget.PHONE_DUTY, None
    routing = selectors.line_fallback(day=day, until=None)
    if routing.target == RoutingTarget.VOICEMAIL:
        return RoutingTarget.PHONE_DUTY, None
    return routing.target, routing.user


def _handover_perform(*, actor: User | None, now: datetime, automatic: bool, reason: str) -> Handover:
    head = user_get_mailbox_head()
    if not automatic:
        allowed = actor is not None and (
            (head is not None and head.pk == actor.pk) or getattr(actor, "is_coordinator", False)
        )
        if not allowed:
            raise NotAllowed(_("Only the mailbox head (or a coordinator) ends the mailbox day."))
    day = _day(now)
    if Handover.objects.filter(date=day).exists():
        raise AlreadyHandedOver(_("Today's hand-over happened already."))
    window = bh.window_on(support_calendar(), day)
    target, receiver = _handover_recipient(day=day, window=window, reason=reason)
    handover = Handover.objects.create(
        date=day,
        from_user=head,
        to_user=receiver,
        to_target=target,
        reason=reason,
        performed_at=now,
        automatic=automatic,
    )
    context = _handover_context(handover, now)
    if receiver is not None:
        notify(recipient=receiver, template="handover/handover_notice", context={**context, "recipient": receiver})
        standby = context["standby"]
        if isinstance(standby, User) and standby.pk != receiver.pk:
            notify(recipient=standby, template="handover/handover_info", context={**context, "recipient": standby})
    elif window is not None or reason != HandoverReason.END_OF_DAY:
        logger.warning("hand-over %s: nobody to take over (no published phone duty, no coordinator)", day)
    if automatic and head is not None and head.is_active:
        notify(recipient=head, template="handover/handover_automatic", context={**context, "recipient": head})
    logger.info("hand-over %s: %s → %s %s (%s)", day, head, target, receiver, reason)
    routing_sync(now=now)
    return handover


# Not durable: the task may run inside the scheduler's transaction (an immediate task backend).
@transaction.atomic
def handover_auto(*, now: datetime) -> Handover | None:
    """At the window start: hand over if the mailbox head has not (notice to both), unless a coordinator
    switched the automatic hand-over off in the day's flow settings."""
    if not selectors.day_flow_settings_get().auto_handover:
        return None
    if Handover.objects.filter(date=_day(now)).exists():
        return None
    return _handover_perform(actor=None, now=now, automatic=True, reason=HandoverReason.WINDOW_START)


@transaction.atomic
def handover_leaving(*, now: datetime) -> Handover | None:
    """The mailbox head's part of the day is over: at her "leaving at" time, or at the start of core hours
    when the roster has her absent (sick, vacation) and she said nothing, hand over, unless she ended her
    day before or changed her word since (the ``handover.leaving`` job fires at that moment)."""
    head = user_get_mailbox_head()
    day = _day(now)
    if head is None or selectors.leaving_due(now=now) is None:
        return None
    if Handover.objects.filter(date=day).exists() or not _head_part_open(day=day, now=now):
        return None
    presence = selectors.presence_on(user=head, day=day)
    reason = HandoverReason.LEAVING if presence is not None else HandoverReason.AWAY
    return _handover_perform(actor=head, now=now, automatic=False, reason=reason)


@transaction.atomic
def handover_acknowledge(*, handover: Handover, actor: User, now: datetime) -> Handover:
    """The phone duty confirms she has the line, the intake and the mailbox; the first click counts."""
    if handover.to_user_id != actor.pk:
        raise NotAllowed(_("Only the phone duty who received the hand-over acknowledges it."))
    Handover.objects.filter(pk=handover.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
    handover.refresh_from_db()
    return handover


@transaction.atomic
def handover_escalate(*, now: datetime) -> list[Handover]:
    """Repeat an unacknowledged notice every interval as often as the day's flow settings say (10 minutes,
    once by default), then tell the coordinator one interval later (once)."""
    flow = selectors.day_flow_settings_get()
    repeat = flow.handover_repeat
    touched = []
    for handover in (
        Handover.objects.select_for_update(of=("self",))
        .select_related("from_user", "to_user")
        .filter(acknowledged_at__isnull=True, coordinator_notified_at__isnull=True, to_user__isnull=False)
        .filter(performed_at__gte=now - timedelta(days=1), performed_at__lte=now - repeat)
    ):
        if now < (handover.reminded_at or handover.performed_at) + repeat:
            continue
        context = _handover_context(handover, now)
        if handover.reminders_sent < flow.handover_repeat_count:
            assert handover.to_user is not None  # noqa: S101 -- filtered above
            notify(
                recipient=handover.to_user,
                template="handover/handover_notice",
                context={**context, "recipient": handover.to_user, "repeated": True},
            )
            handover.reminded_at = now
            handover.reminders_sent += 1
            handover.save(update_fields=["reminded_at", "reminders_sent"])
            touched.append(handover)
        else:
            notify_many(
                recipients=_coordinators(handover.date), template="handover/handover_unacknowledged", context=context
            )
            handover.coordinator_notified_at = now
            handover.save(update_fields=["coordinator_notified_at"])
            touched.append(handover)
    return touched


# --- readiness (R16, R17) -------------------------------------------------------------------


@transaction.atomic
def readiness_request(*, now: datetime) -> ReadinessCheck | None:
    """Ask the day's technical standby to check in; a second call does nothing."""
    day = _day(now)
    standby = selectors.duty_holder(day=day, duty=Duty.TECHNICAL_STANDBY)
    if standby is None:
        logger.warning("readiness %s: no published technical standby to ask", day)
        return None
    check, created = ReadinessCheck.objects.get_or_create(date=day, defaults={"user": standby, "requested_at": now})
    if created:
        notify(
            recipient=standby,
            template="handover/readiness_request",
            context={"recipient": standby, "check": check, "page_url": _url("handover:my_day")},
        )
    return check


@transaction.atomic
def readiness_checkin(*, actor: User, reachable: bool, computer: bool, vpn: bool, now: datetime) -> ReadinessCheck:
    """The standby confirms: reachable at the known number, computer at hand, VPN tested."""
    day = _day(now)
    if selectors.duty_holder(day=day, duty=Duty.TECHNICAL_STANDBY) != actor:
        raise NotAllowed(_("Only today's technical standby checks in."))
    check, _created = ReadinessCheck.objects.get_or_create(date=day, defaults={"user": actor, "requested_at": now})
    check.user = actor
    check.checked_in_at = now
    check.reachable, check.computer, check.vpn = reachable, computer, vpn
    check.save(update_fields=["user", "checked_in_at", "reachable", "computer", "vpn"])
    return check


@transaction.atomic
def readiness_alert(*, now: datetime) -> ReadinessCheck | None:
    """Not checked in (or not ready) by the window start + 5 min: tell the phone duty and the coordinator, once."""
    day = _day(now)
    check = ReadinessCheck.objects.select_for_update().filter(date=day).first()
    if check is not None and (check.ready or check.alerted_at is not None):
        return None
    standby = check.user if check else selectors.duty_holder(day=day, duty=Duty.TECHNICAL_STANDBY)
    if check is None:
        if standby is None:
            return None
        check = ReadinessCheck.objects.create(date=day, user=standby, requested_at=now)
    recipients = [u for u in [selectors.duty_holder(day=day, duty=Duty.PHONE_DUTY), *_coordinators(day)] if u]
    notify_many(
        recipients=recipients,
        template="handover/readiness_alert",
        context={"check": check, "standby": standby, "page_url": _url("handover:my_day")},
    )
    check.alerted_at = now
    check.save(update_fields=["alerted_at"])
    return check


# --- closing (R15) --------------------------------------------------------------------------


@transaction.atomic
def closing_request(*, now: datetime) -> ClosingCheck | None:
    """At the window end: the phone duty gets the closing checklist; a second call does nothing."""
    day = _day(now)
    phone = selectors.duty_holder(day=day, duty=Duty.PHONE_DUTY)
    check, created = ClosingCheck.objects.get_or_create(date=day, defaults={"user": phone, "requested_at": now})
    if created and phone is not None:
        notify(
            recipient=phone,
            template="handover/closing_checklist",
            context={
                "recipient": phone,
                "items": selectors.closing_checklist_text(language=phone.language),
                "page_url": _url("handover:my_day"),
            },
        )
    routing_sync(now=now)
    return check


@transaction.atomic
def closing_confirm(*, actor: User, now: datetime) -> ClosingCheck:
    day = _day(now)
    check = ClosingCheck.objects.filter(date=day).first()
    if check is None:
        raise NothingToDo(_("There is no closing checklist today yet."))
    if check.user_id != actor.pk and not actor.is_coordinator:
        raise NotAllowed(_("Only today's phone duty confirms the closing checklist."))
    ClosingCheck.objects.filter(pk=check.pk, confirmed_at__isnull=True).update(confirmed_at=now)
    check.refresh_from_db()
    return check


@transaction.atomic
def closing_overdue(*, now: datetime) -> ClosingCheck | None:
    """Closing checklist not confirmed 15 minutes after the window end: the coordinator is told, once."""
    check = (
        ClosingCheck.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(date=_day(now), confirmed_at__isnull=True, coordinator_notified_at__isnull=True)
        .first()
    )
    if check is None:
        return None
    notify_many(
        recipients=_coordinators(check.date),
        template="handover/closing_overdue",
        context={"check": check, "page_url": _url("handover:my_day")},
    )
    check.coordinator_notified_at = now
    check.save(update_fields=["coordinator_notified_at"])
    return check


# --- routing webhook (R10) ------------------------------------------------------------------


def webhook_signature(*, secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact request body with the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@transaction.atomic
def routing_sync(*, now: datetime) -> RoutingState | None:
    """Record and announce a change of where the line rings; also re-queue failed deliveries.

    A change is a new target or a new number. Returns the new state, or None when nothing changed.
    """
    routing = selectors.routing_at(now=now)
    last = RoutingState.objects.select_for_update().order_by("-changed_at", "-id").first()
    _retry_deliveries(now=now)
    if last is not None and (last.target, last.number) == (routing.target, routing.number):
        return None
    state = RoutingState.objects.create(
        target=routing.target, name=routing.name, number=routing.number, until=routing.until, changed_at=now
    )
    body = json.dumps({**routing.payload(), "changed_at": now.isoformat()}, sort_keys=True)
    for webhook in RoutingWebhook.objects.filter(active=True):
        delivery = RoutingDelivery.objects.create(webhook=webhook, state=state, body=body, created_at=now)
        handover_tasks.routing_webhook_send.enqueue(delivery_id=delivery.pk)
    logger.info("support line now rings at %s %s", routing.target, routing.number or "-")
    return state


def _retry_deliveries(*, now: datetime) -> None:
    for pk in RoutingDelivery.objects.filter(
        sent_at__isnull=True,
        attempts__gte=1,
        attempts__lt=conf.WEBHOOK_MAX_ATTEMPTS,
        created_at__gt=now - timedelta(days=1),
    ).values_list("pk", flat=True):
        handover_tasks.routing_webhook_send.enqueue(delivery_id=pk)


def routing_webhook_send(*, delivery_id: int, now: datetime | None = None) -> RoutingDelivery | None:
    """POST one change; on failure log it and leave it for the next minute's retry. Runs outside transactions."""
    delivery = RoutingDelivery.objects.select_related("webhook").filter(pk=delivery_id, sent_at__isnull=True).first()
    if delivery is None:
        return None
    body = delivery.body.encode()
    request = urllib.request.Request(  # noqa: S310 -- the admin configures http(s) URLs only (URLField)
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Supportdesk",
            "X-Supportdesk-Signature": webhook_signature(secret=delivery.webhook.secret, body=body),
        },
    )
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=conf.webhook_timeout()) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                error = f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        error = str(exc)[:300]
    delivery.attempts += 1
    if error:
        delivery.last_error = error
        logger.warning("routing webhook %s failed (attempt %s): %s", delivery.webhook.url, delivery.attempts, error)
    else:
        delivery.sent_at = now or timezone.now()
        delivery.last_error = ""
    delivery.save(update_fields=["attempts", "last_error", "sent_at"])
    return delivery
