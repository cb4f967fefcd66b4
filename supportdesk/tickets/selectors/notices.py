"""Notice preferences and the pending digest."""

from supportdesk.accounts.models import User
from supportdesk.tickets.models import (
    DigestItem,
    NotificationPreference,
)


def wants_digest(*, user: User) -> bool:
    pref = NotificationPreference.objects.filter(user=user).first()
    return True if pref is None else pref.digest


def digest_pending() -> dict[int, list[DigestItem]]:
    """Pending digest items per user id, oldest first, with their tickets."""
    result: dict[int, list[DigestItem]] = {}
    items = (
        DigestItem.objects.filter(digested_at__isnull=True, user__is_active=True)
        .select_related("user", "ticket__customer")
        .order_by("user_id", "created_at", "id")
    )
    for item in items:
        result.setdefault(item.user_id, []).append(item)
    return result
