from collections.abc import Iterable
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from supportdesk.accounts.models import ApiToken, Role, User, hash_token


def api_token_authenticate(*, raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: the hot path of the on-call lookup stays read-only.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_list_active() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("display_name", "username")


def user_list_coordinators(*, absent_user_ids: Iterable[int] = ()) -> list[User]:
    """Who receives the coordinator's notices now (R1).

    The coordinators who are not deputies, unless all of them are absent; then
    the deputies. Admins receive them only when no coordinator exists at all.
    """
    absent = set(absent_user_ids)
    coordinators = list(User.objects.filter(is_active=True, role=Role.COORDINATOR))
    primary = [u for u in coordinators if not u.is_deputy and u.pk not in absent]
    if primary:
        return primary
    deputies = [u for u in coordinators if u.is_deputy and u.pk not in absent]
    if deputies:
        return deputies
    if coordinators:
        return [u for u in coordinators if not u.is_deputy] or coordinators
    return list(User.objects.filter(is_active=True, role=Role.ADMIN))


def user_get_mailbox_head() -> User | None:
    return User.objects.filter(is_active=True, is_mailbox_head=True).first()
