"""Build plans directly in tests, without the solver."""

from collections.abc import Iterable
from datetime import date, timedelta

from supportdesk.accounts.models import User
from supportdesk.roster.business_hours import week_start
from supportdesk.roster.models import Assignment, Duty, RosterWeek, WeekStatus


def make_week(monday: date, pairs: Iterable[tuple[User | None, User | None]], *, published: bool = False) -> RosterWeek:
    """One week from Monday; ``pairs`` gives (phone duty, standby) per day from Monday on."""
    assert monday == week_start(monday)
    week, _created = RosterWeek.objects.get_or_create(week_start=monday)
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    standby = Duty.objects.get(code=Duty.TECHNICAL_STANDBY)
    for offset, (phone_user, standby_user) in enumerate(pairs):
        day = monday + timedelta(days=offset)
        Assignment.objects.update_or_create(date=day, duty=phone, defaults={"week": week, "user": phone_user})
        Assignment.objects.update_or_create(date=day, duty=standby, defaults={"week": week, "user": standby_user})
    if published:
        week.status = WeekStatus.PUBLISHED
        week.version = 1
        week.save()
    return week


def alternating(a: User, b: User, days: int = 5) -> list[tuple[User, User]]:
    return [(a, b) if i % 2 == 0 else (b, a) for i in range(days)]
