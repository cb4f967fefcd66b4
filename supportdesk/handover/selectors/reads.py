"""The day's rows (hand-over, presence, check-in, closing) and ``DayReads``, which reads each once per request."""

from datetime import date, datetime
from functools import cached_property

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q

from supportdesk.accounts.models import User
from supportdesk.handover.models import ClosingCheck, DayFlowSettings, DayPresence, Handover, ReadinessCheck
from supportdesk.handover.selectors.flow_settings import day_flow_settings_get
from supportdesk.roster import business_hours as bh
from supportdesk.roster.models import Absence, Assignment
from supportdesk.roster.selectors import holders_on, support_calendar
from supportdesk.tickets.models import IntakeCheck
from supportdesk.tickets.selectors import intake_checks_of_day


def local_day(now: datetime, cal: bh.SupportCalendar | None = None) -> date:
    cal = cal or support_calendar()
    return now.astimezone(cal.tz).date()


def handover_on(*, day: date) -> Handover | None:
    return Handover.objects.select_related("from_user", "to_user").filter(date=day).first()


def handover_get(*, pk: int) -> Handover | None:
    return Handover.objects.select_related("from_user", "to_user").filter(pk=pk).first()


def presence_on(*, user: User, day: date) -> DayPresence | None:
    return DayPresence.objects.filter(user=user, date=day).first()


def readiness_on(*, day: date) -> ReadinessCheck | None:
    return ReadinessCheck.objects.select_related("user").filter(date=day).first()


def closing_on(*, day: date) -> ClosingCheck | None:
    return ClosingCheck.objects.select_related("user").filter(date=day).first()


class DayReads:
    """What one request reads about the local day of ``now``, each at most once.

    The Today page asks for the same day's flow settings, published holders, mailbox head and hand-over
    from the routing, the timeline, the triage owner and the standby card; passing one ``DayReads`` down
    reads each once. It lives for one request only: nothing is kept between requests.
    """

    def __init__(
        self,
        *,
        now: datetime,
        cal: bh.SupportCalendar | None = None,
        holders: dict[str, Assignment] | None = None,
    ) -> None:
        self.now = now
        self.cal = cal or support_calendar()
        self.day = local_day(now, self.cal)
        if holders is not None:
            # Already read by the caller (the Today page's duty cards): ``holders_on(day, published_only=True)``.
            self.__dict__["holders"] = holders

    @cached_property
    def flow(self) -> DayFlowSettings:
        return day_flow_settings_get()

    @cached_property
    def holders(self) -> dict[str, Assignment]:
        """The day's published cells by duty code (drafts never route calls)."""
        return holders_on(day=self.day, published_only=True)

    def holder(self, duty: str) -> User | None:
        assignment = self.holders.get(duty)
        return assignment.user if assignment is not None else None

    def contact(self, duty: str) -> tuple[User | None, str]:
        assignment = self.holders.get(duty)
        if assignment is None or assignment.user is None:
            return None, ""
        return assignment.user, str(getattr(assignment.user, assignment.duty.contact_field, "") or "")

    @cached_property
    def _head_day(self) -> tuple[User | None, DayPresence | None, bool]:
        """``user_get_mailbox_head()`` with her presence row of the day and whether the roster has her absent,
        in one query (her presence is unique per day, so the join adds no rows)."""
        head = (
            User.objects.filter(is_active=True, is_mailbox_head=True)
            .annotate(
                today=FilteredRelation("day_presences", condition=Q(day_presences__date=self.day)),
                presence_pk=F("today__pk"),
                presence_state=F("today__state"),
                presence_leaving_at=F("today__leaving_at"),
                presence_updated_at=F("today__updated_at"),
                absent_today=Exists(
                    Absence.objects.filter(user=OuterRef("pk"), start__lte=self.day, end__gte=self.day)
                ),
            )
            .first()
        )
        if head is None:
            return None, None, False
        presence = None
        if head.presence_pk is not None:
            presence = DayPresence(
                pk=head.presence_pk,
                user=head,
                date=self.day,
                state=head.presence_state,
                leaving_at=head.presence_leaving_at,
                updated_at=head.presence_updated_at,
            )
            presence._state.adding = False
        return head, presence, bool(head.absent_today)

    @property
    def head(self) -> User | None:
        return self._head_day[0]

    @property
    def head_presence(self) -> DayPresence | None:
        return self._head_day[1]

    @property
    def head_absent(self) -> bool:
        return self._head_day[2]

    @cached_property
    def handover(self) -> Handover | None:
        return handover_on(day=self.day)

    @cached_property
    def intake_checks(self) -> list[IntakeCheck]:
        """The day's intake checks and the latest one before the day, oldest first, in one query (what
        ``intake_check_current(checks=...)`` takes)."""
        return intake_checks_of_day(day=self.day, cal=self.cal)


def _reads_for(reads: DayReads | None, *, now: datetime, cal: bh.SupportCalendar | None = None) -> DayReads:
    """``reads`` when it was made for the same local day as ``now``, else fresh reads."""
    if reads is not None and reads.day == local_day(now, reads.cal):
        return reads
    return DayReads(now=now, cal=cal)
