"""Background tasks of the roster: one-line wrappers around services (STYLE 15)."""

from datetime import datetime
from typing import Any

from django.tasks import task

from supportdesk.roster import services


@task
def draft_next_week(slot: str | None = None) -> dict[str, Any]:
    """The weekly draft (R9): propose next week's plan unless it is already published.

    ``slot`` is the ISO moment the job was due; the week is counted from it, not from when the task runs.
    """
    report = services.week_draft_next(now=datetime.fromisoformat(slot) if slot else None)
    return {
        "weeks": [week.week_start.isoformat() for week in report.weeks],
        "skipped_published": [monday.isoformat() for monday in report.skipped_published],
        "problems": len(report.problems),
    }


def _moment(slot: str | None) -> datetime | None:
    return datetime.fromisoformat(slot) if slot else None


@task
def remind_vacation_cover(slot: str | None = None) -> int:
    """Uncovered duties of absences 14 and 3 days ahead (R6); ``slot`` is when the job was due."""
    return len(services.vacation_cover_remind(now=_moment(slot)))


@task
def notify_open_duties(slot: str | None = None) -> int:
    """Duties of today still open shortly before the window (R7)."""
    return len(services.open_duties_notify(now=_moment(slot)))


@task
def expire_swap_requests(slot: str | None = None) -> int:
    """Close open swap requests whose day has passed (R5)."""
    return services.swap_requests_expire(now=_moment(slot))
