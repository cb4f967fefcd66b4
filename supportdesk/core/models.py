from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    """UTC, set once."""
    updated_at = models.DateTimeField(auto_now=True)
    """UTC, bumped on every save."""

    class Meta:
        abstract = True


class SchedulerLease(models.Model):
    """The one row a scheduler process must hold to fire periodic jobs.

    Several machines may run the scheduler; only the holder of an unexpired
    lease enqueues anything, so a job never fires twice.
    """

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    """UTC."""

    class Meta:
        verbose_name = _("scheduler lease")

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or '-'} until {self.expires_at}"


class JobRun(models.Model):
    """One firing of a periodic job for one slot; unique, so a slot fires once."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    """UTC moment the job was due."""
    fired_at = models.DateTimeField(auto_now_add=True)
    fired_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobrun_once_per_slot")]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot}"
