"""Background tasks of the roster: one-line wrappers around services (STYLE 15)."""

from typing import Any

from django.tasks import task

from supportdesk.roster import services


@task
def draft_next_week() -> dict[str, Any]:
    """The weekly draft (R9): propose next week's plan unless it is already published."""
    report = services.week_draft_next()
    return {
        "weeks": [week.week_start.isoformat() for week in report.weeks],
        "skipped_published": [monday.isoformat() for monday in report.skipped_published],
        "problems": len(report.problems),
    }
