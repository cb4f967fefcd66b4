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
