"""The application's own clock for periodic jobs (STYLE 18).

One loop, run by ``manage.py run_scheduler``: it holds a lease row in the
database so that several machines never fire a job twice, and for each job
records the slot in ``JobRun`` (unique per job and slot) in the same
transaction as the tasks the job enqueues. Jobs only enqueue; the task worker
does the work.

Apps declare jobs in a ``jobs.py`` module with :func:`periodic`.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from supportdesk.core.models import JobRun, SchedulerLease

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_SECONDS = 30


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    last_slot: Callable[[datetime], datetime | None]
    """Latest moment at or before ``now`` when the job was due (aware), or None."""
    run: Callable[[datetime], None]
    """Enqueue the job's tasks for a slot; runs inside the scheduler's transaction."""
    grace: timedelta
    """A slot older than this when first seen (downtime) is skipped, not fired late."""


_registry: dict[str, PeriodicJob] = {}


def periodic(
    *, name: str, last_slot: Callable[[datetime], datetime | None], grace: timedelta
) -> Callable[[Callable[[datetime], None]], Callable[[datetime], None]]:
    def register(func: Callable[[datetime], None]) -> Callable[[datetime], None]:
        _registry[name] = PeriodicJob(name=name, last_slot=last_slot, run=func, grace=grace)
        return func

    return register


def registered_jobs() -> dict[str, PeriodicJob]:
    autodiscover_modules("jobs")
    return dict(_registry)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def lease_acquire(*, holder: str, now: datetime) -> bool:
    """Take or renew the lease; True when ``holder`` holds it afterwards."""
    SchedulerLease.objects.get_or_create(name=LEASE_NAME)
    updated = SchedulerLease.objects.filter(
        Q(holder=holder) | Q(expires_at__isnull=True) | Q(expires_at__lt=now),
        name=LEASE_NAME,
    ).update(holder=holder, expires_at=now + timedelta(seconds=LEASE_SECONDS))
    return updated == 1


def lease_release(*, holder: str) -> None:
    SchedulerLease.objects.filter(name=LEASE_NAME, holder=holder).update(expires_at=None)


def run_due_jobs(*, now: datetime, holder: str, jobs: dict[str, PeriodicJob] | None = None) -> list[str]:
    """Fire every job whose latest slot has not fired yet; returns the names fired.

    The slot is claimed in a savepoint of its own, so only a duplicate claim
    counts as "fired already"; the job's own errors roll back its claim too and
    are retried on the next tick, without stopping the other jobs.
    """
    fired = []
    for job in (jobs if jobs is not None else registered_jobs()).values():
        slot = job.last_slot(now)
        if slot is None or now - slot > job.grace:
            continue
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        JobRun.objects.create(job=job.name, slot=slot, fired_by=holder)
                except IntegrityError:
                    continue  # this slot already fired
                job.run(slot)
        except Exception:
            # One broken job must not stop the clock for the others (or, under
            # `supportdesk run`, the whole process group); it is retried next tick.
            logger.exception("job %s for slot %s failed; retrying on the next tick", job.name, slot.isoformat())
            continue
        logger.info("fired job %s for slot %s", job.name, slot.isoformat())
        fired.append(job.name)
    return fired


def scheduler_tick(*, holder: str, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    if not lease_acquire(holder=holder, now=now):
        return []
    return run_due_jobs(now=now, holder=holder)
