"""Writes of swaps and takeovers (R5) and of offers of open duties (R7)."""

import logging
import secrets
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_get_mailbox_head
from supportdesk.core.exceptions import Conflict, DomainError, PermissionDenied
from supportdesk.notifications.services import notify_many
from supportdesk.roster import selectors
from supportdesk.roster.models import Absence, Assignment, ChangeReason, Duty, SwapKind, SwapRequest, SwapStatus
from supportdesk.roster.services.common import (
    _cell_locked,
    _cells_reassign,
    _changes_record,
    _check_moves,
    _coordinators_on,
    _day,
    _require_coordinator,
)

logger = logging.getLogger(__name__)


def _offer_open_duty(*, cell: Assignment, absence: Absence | None, now: datetime) -> SwapRequest:
    """Ask everyone eligible, fairest first, to take an open duty; the first to accept takes it."""
    candidates = selectors.substitute_candidates(
        day=cell.date, duty_code=cell.duty.code, exclude=[absence.user_id] if absence else []
    )
    offer = SwapRequest.objects.create(
        requester=None,
        kind=SwapKind.TAKEOVER,
        date=cell.date,
        duty=cell.duty,
        absence=absence,
        offered_to=[u.pk for u in candidates],
        token=SwapRequest.generate_token(),
        created_at=now,
    )
    notify_many(recipients=candidates, template="roster/swap_requested", context={"request": offer})
    return offer


@transaction.atomic
def duty_offer_create(*, actor: User | None, day: date, duty: Duty, now: datetime | None = None) -> SwapRequest:
    """A coordinator (or the system) offers an open duty to everyone eligible."""
    _require_coordinator(actor)
    now = now or timezone.now()
    cell = _cell_locked(day=day, duty_id=duty.pk)
    if cell is None or cell.user_id is not None:
        raise DomainError(_("%(duty)s on %(day)s is not open.") % {"duty": duty.name, "day": _day(day)})
    if SwapRequest.objects.filter(date=day, duty=duty, status=SwapStatus.OPEN).exists():
        raise Conflict(_("%(duty)s on %(day)s is already offered.") % {"duty": duty.name, "day": _day(day)})
    return _offer_open_duty(cell=cell, absence=None, now=now)


def _check_not_past(*, day: date, now: datetime) -> None:
    if day < selectors.today(now):
        raise DomainError(_("%(day)s has passed; the request has expired.") % {"day": _day(day)})


@transaction.atomic
def swap_request_create(
    *,
    actor: User,
    day: date,
    duty: Duty,
    kind: str = SwapKind.TAKEOVER,
    candidate: User | None = None,
    target_day: date | None = None,
    target_duty: Duty | None = None,
    note: str = "",
    now: datetime | None = None,
) -> SwapRequest:
    """Ask a colleague (``candidate``) or everyone eligible to take over or swap one of my duties (R5)."""
    now = now or timezone.now()
    if kind not in SwapKind.values:
        raise DomainError(_("Unknown kind %(kind)r; use takeover or swap.") % {"kind": kind})
    _check_not_past(day=day, now=now)
    cell = _cell_locked(day=day, duty_id=duty.pk)
    if cell is None or cell.user_id != actor.pk:
        raise DomainError(_("You do not hold %(duty)s on %(day)s.") % {"duty": duty.name, "day": _day(day)})
    if candidate is not None and candidate.pk == actor.pk:
        raise DomainError(_("You cannot ask yourself."))
    target = None
    if kind == SwapKind.SWAP:
        if target_day is None or target_duty is None:
            raise DomainError(_("A swap needs the colleague's duty you take in return."))
        _check_not_past(day=target_day, now=now)
        target = _cell_locked(day=target_day, duty_id=target_duty.pk)
        if target is None or target.user is None or target.pk == cell.pk:
            raise DomainError(
                _("Nobody holds %(duty)s on %(day)s to swap with.")
                % {"duty": target_duty.name, "day": _day(target_day)}
            )
        if candidate is not None and candidate.pk != target.user_id:
            raise DomainError(
                _("%(duty)s on %(day)s is held by %(name)s.")
                % {"duty": target_duty.name, "day": _day(target_day), "name": target.user.name}
            )
        if target.user_id == actor.pk:
            raise DomainError(_("You cannot swap with yourself."))
        candidate = target.user
        _check_moves(targets=[(cell, candidate), (target, actor)])
    elif target_day is not None or target_duty is not None:
        raise DomainError(_("Only a swap has a target duty."))
    elif candidate is not None:
        _check_moves(targets=[(cell, candidate)])
    if SwapRequest.objects.filter(date=day, duty=duty, status=SwapStatus.OPEN).exists():
        raise Conflict(
            _("There is already an open request for %(duty)s on %(day)s; withdraw it first.")
            % {"duty": duty.name, "day": _day(day)}
        )
    if candidate is not None:
        asked = [candidate]
    else:
        asked = selectors.substitute_candidates(day=day, duty_code=duty.code, exclude=[actor.pk])
    request = SwapRequest.objects.create(
        requester=actor,
        kind=kind,
        date=day,
        duty=duty,
        candidate=candidate,
        target_date=target.date if target else None,
        target_duty=target.duty if target else None,
        offered_to=[u.pk for u in asked],
        note=note.strip()[:300],
        token=SwapRequest.generate_token(),
        created_at=now,
    )
    notify_many(recipients=asked, template="roster/swap_requested", context={"request": request})
    logger.info("swap request %s (%s) by %s for %s %s", request.pk, kind, actor.username, day, duty.code)
    return request


def _request_locked(*, request: SwapRequest, token: str | None) -> SwapRequest:
    locked = (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("requester", "candidate", "duty", "target_duty")
        .get(pk=request.pk)
    )
    if token is not None and not secrets.compare_digest(token, locked.token):
        raise PermissionDenied(_("This link is not valid."))
    if not locked.is_open:
        raise Conflict(_("This request is no longer open (%(status)s).") % {"status": locked.get_status_display()})
    return locked


@transaction.atomic
def swap_request_accept(
    *, actor: User, request: SwapRequest, token: str | None = None, now: datetime | None = None
) -> SwapRequest:
    """The first to accept takes the duty (and, for a swap, gives theirs); the plan changes at once.

    The request row is locked and its status checked inside the transaction, so an
    offer to everyone goes to exactly one taker even if two accept at the same moment.
    """
    now = now or timezone.now()
    req = _request_locked(request=request, token=token)
    _check_not_past(day=min(req.date, req.target_date or req.date), now=now)
    if req.requester_id == actor.pk:
        raise DomainError(_("You cannot accept your own request."))
    if req.candidate_id is not None and req.candidate_id != actor.pk:
        raise PermissionDenied(_("This request is addressed to %(name)s.") % {"name": req.candidate})
    cell = _cell_locked(day=req.date, duty_id=req.duty_id)
    if cell is None:
        raise Conflict(_("The duty is no longer in the plan."))
    if cell.user_id != req.requester_id:
        raise Conflict(
            (
                _("%(duty)s on %(day)s has been taken already.")
                if req.is_system_offer
                else _("%(duty)s on %(day)s has changed hands since the request.")
            )
            % {"duty": req.duty.name, "day": _day(req.date)}
        )
    targets: list[tuple[Assignment, User | None]] = [(cell, actor)]
    if req.kind == SwapKind.SWAP:
        target = _cell_locked(day=req.target_date, duty_id=req.target_duty_id)  # type: ignore[arg-type]
        if target is None or target.user_id != actor.pk:
            raise Conflict(_("You no longer hold the duty offered in exchange."))
        targets.append((target, req.requester))
    _check_moves(targets=targets)
    req.status = SwapStatus.ACCEPTED
    req.decided_at = now
    req.decided_by = actor
    req.save(update_fields=["status", "decided_at", "decided_by"])
    moves = _cells_reassign(targets=targets)
    _changes_record(
        moves=moves,
        actor=actor,
        reason_code=ChangeReason.SWAP_ACCEPTED if req.kind == SwapKind.SWAP else ChangeReason.TAKEOVER_ACCEPTED,
        reason_params={"request": req.pk},
        now=now,
        notify_template=None,
    )
    recipients = [u for u in (req.requester, actor) if u is not None]
    recipients += _coordinators_on(day=selectors.today(now))
    head = user_get_mailbox_head()
    if head is not None:
        recipients.append(head)
    notify_many(
        recipients=recipients,
        template="roster/swap_accepted",
        context={"request": req, "taker": actor, "changes": [(c.duty, c.date, b, a) for c, b, a in moves]},
    )
    logger.info("swap request %s accepted by %s", req.pk, actor.username)
    return req


@transaction.atomic
def swap_request_decline(
    *, actor: User, request: SwapRequest, token: str | None = None, now: datetime | None = None
) -> SwapRequest:
    """The colleague asked says no. An offer to everyone stays open for the others."""
    now = now or timezone.now()
    req = _request_locked(request=request, token=token)
    if req.candidate_id is None:
        if actor.pk not in req.declined_by:
            req.declined_by = [*req.declined_by, actor.pk]
            req.save(update_fields=["declined_by"])
        return req
    if req.candidate_id != actor.pk:
        raise PermissionDenied(_("This request is addressed to %(name)s.") % {"name": req.candidate})
    req.status = SwapStatus.DECLINED
    req.decided_at = now
    req.decided_by = actor
    req.save(update_fields=["status", "decided_at", "decided_by"])
    if req.requester is not None:
        notify_many(recipients=[req.requester], template="roster/swap_declined", context={"request": req})
    return req


@transaction.atomic
def swap_request_withdraw(*, actor: User, request: SwapRequest, now: datetime | None = None) -> SwapRequest:
    """The requester (or a coordinator; for a system offer only a coordinator) takes it back."""
    now = now or timezone.now()
    req = _request_locked(request=request, token=None)
    if req.requester_id != actor.pk and not actor.is_coordinator:
        raise PermissionDenied(_("Only the requester or a coordinator may withdraw a request."))
    req.status = SwapStatus.WITHDRAWN
    req.decided_at = now
    req.decided_by = actor
    req.save(update_fields=["status", "decided_at", "decided_by"])
    return req


@transaction.atomic
def swap_requests_expire(*, now: datetime | None = None) -> int:
    """Close open requests whose day (or swap target's day) has passed."""
    now = now or timezone.now()
    today = selectors.today(now)
    return SwapRequest.objects.filter(Q(date__lt=today) | Q(target_date__lt=today), status=SwapStatus.OPEN).update(
        status=SwapStatus.EXPIRED, decided_at=now
    )
