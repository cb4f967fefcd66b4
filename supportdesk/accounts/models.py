import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    COORDINATOR = "coordinator", _("Coordinator")
    ADMIN = "admin", _("Administrator")


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="de")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    is_deputy = models.BooleanField(
        _("deputy coordinator"),
        default=False,
        help_text=_("Receives the coordinator's notices while the coordinators are absent (R1)."),
    )
    is_mailbox_head = models.BooleanField(_("mailbox head"), default=False)

    class Meta:
        ordering = ["display_name", "username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_coordinator(self) -> bool:
        """May edit and publish the roster and see everything (R1)."""
        return self.role in {Role.COORDINATOR, Role.ADMIN} or self.is_superuser


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user API token; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate_raw() -> str:
        return "sd_" + secrets.token_urlsafe(32)
