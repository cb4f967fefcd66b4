"""The demo's clock: moments on past days, and the notices of the invented past marked as sent.

The history is written through the apps' services with ``now=`` set to the moment each step
happened. Those services queue notices (and their delivery tasks) as they would have then;
nobody should receive them when the demo starts, so each step's notices are recorded as
delivered at the step's moment, and the tasks queued while loading are dropped.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from supportdesk.notifications.models import AttemptOutcome, DeliveryAttempt, DeliveryStatus, NotificationDelivery
from supportdesk.roster import business_hours as bh
from supportdesk.roster import selectors as roster_selectors
from supportdesk.tickets.models import DigestItem


@dataclass
class Timeline:
    now: datetime
    """The real moment the demo is loaded; nothing of the history happens at or after it."""
    tz: ZoneInfo
    today: date
    cal: bh.SupportCalendar
    queued_before: frozenset[UUID] = field(default_factory=frozenset)
    """Ids of the tasks that were queued before loading (normally none): they are left alone."""
    last_delivery: int = 0

    @classmethod
    def start(cls, now: datetime) -> "Timeline":
        cal = roster_selectors.support_calendar()
        queued = frozenset(DBTaskResult.objects.values_list("pk", flat=True))
        last = NotificationDelivery.objects.aggregate(last=Max("pk"))["last"] or 0
        return cls(
            now=now,
            tz=cal.tz,
            today=roster_selectors.today(now),
            cal=cal,
            queued_before=queued,
            last_delivery=last,
        )

    @property
    def monday(self) -> date:
        """Monday of the current week."""
        return bh.week_start(self.today)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """``hour:minute`` local time on ``day``, as an aware datetime."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def is_past(self, moment: datetime) -> bool:
        return moment < self.now

    def support_days(self, start: date, end: date) -> list[date]:
        return list(bh.support_days(self.cal, start, end))

    def past_support_days(self, weeks: int) -> list[date]:
        """Support days from the Monday ``weeks`` weeks back up to yesterday."""
        return self.support_days(self.monday - timedelta(weeks=weeks), self.today - timedelta(days=1))

    def settle(self, moment: datetime) -> int:
        """Notices queued since the last call were delivered at ``moment``."""
        rows = NotificationDelivery.objects.filter(pk__gt=self.last_delivery)
        last = rows.aggregate(last=Max("pk"))["last"]
        if last is None:
            return 0
        settled = rows.filter(pk__lte=last)
        count = settled.update(
            status=DeliveryStatus.SENT, attempts=1, created_at=moment, sent_at=moment, next_attempt_at=None
        )
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                delivery_id=pk, number=1, started_at=moment, finished_at=moment, outcome=AttemptOutcome.SENT
            )
            for pk in settled.values_list("pk", flat=True)
        )
        self.last_delivery = last
        return count

    def finish(self) -> int:
        """Mark what is still pending as delivered, digest the digest items, drop the queued tasks.

        Returns the number of tasks dropped.
        """
        self.settle(self.now)
        DigestItem.objects.filter(digested_at__isnull=True).update(digested_at=self.now)
        dropped = DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(pk__in=self.queued_before)
        count, _per_model = dropped.delete()
        return count
