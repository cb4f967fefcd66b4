from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Value
from django.utils import timezone

from supportdesk.accounts.models import ApiToken, Role, User, hash_token
from supportdesk.roster.models import Absence


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


def user_list_coordinators(*, day: date | None = None, absent_user_ids: Iterable[int] = ()) -> list[User]:
    """Who receives the coordinator's notices now (R1).

    The coordinators who are not deputies, unless all of them are absent; then
    the deputies. Admins receive them only when no coordinator exists at all.
    Absent are the roster's absences on ``day`` (read in the same query) and
    ``absent_user_ids``. One query, ordered by name.
    """
    absent_ids = set(absent_user_ids)
    absent_on_day = (
        Exists(Absence.objects.filter(user=OuterRef("pk"), start__lte=day, end__gte=day))
        if day is not None
        else Value(False)
    )
    users = User.objects.filter(is_active=True, role__in=(Role.COORDINATOR, Role.ADMIN)).annotate(
        absent_on_day=absent_on_day
    )
    coordinators: list[User] = []
    admins: list[User] = []
    absent: set[int] = set()
    for user in users:
        (coordinators if user.role == Role.COORDINATOR else admins).append(user)
        if user.absent_on_day or user.pk in absent_ids:
            absent.add(user.pk)
    primary = [u for u in coordinators if not u.is_deputy and u.pk not in absent]
    if primary:
        return primary
    deputies = [u for u in coordinators if u.is_deputy and u.pk not in absent]
    if deputies:
        return deputies
    if coordinators:
        return [u for u in coordinators if not u.is_deputy] or coordinators
    return admins


def user_get_mailbox_head() -> User | None:
    return User.objects.filter(is_active=True, is_mailbox_head=True).first()
