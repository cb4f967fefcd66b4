import logging

from django.db import transaction
from django.utils import timezone

from supportdesk.accounts.models import ApiToken, User, hash_token
from supportdesk.core.exceptions import PermissionDenied

logger = logging.getLogger(__name__)


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is never stored."""
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
    logger.info("api token %s created for %s", token.prefix, user.username)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_coordinator:
        raise PermissionDenied("You may revoke only your own tokens.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def user_update_preferences(
    *, user: User, language: str, time_zone: str, display_name: str, office_phone: str, mobile: str
) -> User:
    user.language = language
    user.time_zone = time_zone
    user.display_name = display_name
    user.office_phone = office_phone
    user.mobile = mobile
    user.full_clean()
    user.save(update_fields=["language", "time_zone", "display_name", "office_phone", "mobile"])
    return user
