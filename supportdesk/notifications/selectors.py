"""Reads of the delivery log: what was sent to whom, and what failed."""

from django.db.models import Prefetch, QuerySet

from supportdesk.accounts.models import User
from supportdesk.notifications.channels import error_text
from supportdesk.notifications.models import DeliveryAttempt, DeliveryStatus, NotificationDelivery, UserChannel

PAGE_SIZE = 100


def delivery_list(*, status: str = "", page: int = 1) -> list[NotificationDelivery]:
    """One page of the log, newest first; ``PAGE_SIZE + 1`` rows tell whether more follow.

    Each row carries the delivery it stands in for (``fallback_of``) and the one that took over
    from it (``fallback``), so the page shows a notice's way through the recipient's channels;
    and the coordinators' "could not reach" notices that tell of a failure (``unreachable_notices``,
    or ``covered_by`` when they were sent shortly before), or the later failures a notice stands
    for (``coalesced``); and its attempts, oldest first (``attempt_log``).
    """
    qs: QuerySet[NotificationDelivery] = NotificationDelivery.objects.select_related(
        "recipient", "fallback_of", "fallback"
    ).defer(
        "body_text",
        "body_html",
        "fallback_of__body_text",
        "fallback_of__body_html",
        "fallback__body_text",
        "fallback__body_html",
    )
    # What a row says about the coordinators' "could not reach" notices: sent about it, standing for
    # it (sent shortly before), or standing for later failures too. Three queries for the whole page;
    # a fourth brings every row's attempts.
    qs = qs.prefetch_related(
        Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number", "pk")),
        Prefetch("unreachable_notices", queryset=NotificationDelivery.objects.only("pk", "about_id")),
        Prefetch("covered_by", queryset=NotificationDelivery.objects.only("pk")),
        Prefetch("coalesced", queryset=NotificationDelivery.objects.only("pk")),
    )
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    start = (max(page, 1) - 1) * PAGE_SIZE
    return list(qs.order_by("-created_at", "-pk")[start : start + PAGE_SIZE + 1])


def delivery_problem_count() -> int:
    """Deliveries that failed for good or are still being retried."""
    return NotificationDelivery.objects.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING]).count()


def user_channel_list(*, user: User) -> list[UserChannel]:
    return list(UserChannel.objects.filter(user=user).order_by("position", "id"))


def user_channel_get_for_user(*, user: User, channel_id: int) -> UserChannel | None:
    """Only the owner reaches a channel."""
    return UserChannel.objects.select_related("user").filter(pk=channel_id, user=user).first()


def user_test_delivery_get(*, user: User, delivery_id: int) -> NotificationDelivery | None:
    return NotificationDelivery.objects.filter(pk=delivery_id, recipient=user, event="test_notice").first()


def delivery_error_text(error: str) -> str:
    """A delivery's ``last_error`` for the reader: the channels' own errors in the active language."""
    return error_text(error)
