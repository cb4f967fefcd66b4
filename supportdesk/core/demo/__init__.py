"""Demo data: an invented team with six weeks of history, loaded once into an empty database.

``demo_load()`` writes everything through the apps' services, at the moments it happened:
the team and its customers, a published plan for the past six weeks and the next two with a
few swaps, a vacation and a sick day, three weeks of tickets, two Prio 1 cases last week and
the day's hand-overs and checks. The modules by topic:

- ``people``: the team, the pool, the logins;
- ``customers``: customers, projects, contacts, the mails waiting for triage;
- ``plans``: plans and plan changes;
- ``tickets`` and ``prio1``: the tickets and the Prio 1 cases;
- ``days``: hand-overs, readiness check-ins and closing checklists;
- ``timeline``: the moments, and the history's notices marked as delivered.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from supportdesk.core.demo.customers import CUSTOMERS, customers_create, mails_load
from supportdesk.core.demo.days import day_flows_load
from supportdesk.core.demo.people import (
    ADMIN,
    COORDINATOR,
    DEMO_PASSWORD,
    TEAM,
    DemoPerson,
    demo_present,
    people_create,
    print_logins,
)
from supportdesk.core.demo.plans import plan_changes, plans_publish
from supportdesk.core.demo.prio1 import prio1_cases_load
from supportdesk.core.demo.tickets import tickets_load
from supportdesk.core.demo.timeline import Timeline
from supportdesk.roster.models import RosterWeek

__all__ = [
    "ADMIN",
    "CUSTOMERS",
    "DEMO_PASSWORD",
    "TEAM",
    "DemoPerson",
    "DemoReport",
    "demo_load",
    "demo_present",
    "print_logins",
]

logger = logging.getLogger(__name__)


@dataclass
class DemoReport:
    weeks: list[RosterWeek] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    customers: int = 0
    tickets: int = 0
    prio1: int = 0
    days: int = 0
    """Support days with a hand-over and checks."""
    mails: int = 0
    """Mails waiting for triage."""
    tasks_dropped: int = 0


def demo_load(*, now: datetime | None = None) -> DemoReport:
    """Load the demo into an empty database (the caller checks that it is empty).

    The team, plans, changes, tickets and Prio 1 cases are one transaction. The day's flow and
    the triage mails follow in transactions of their own (their services are durable). Whatever
    happens, the notices the history queued are recorded as delivered and their tasks dropped,
    so that starting the demo sends nobody a mail about the invented past.
    """
    timeline = Timeline.start(now or timezone.now())
    report = DemoReport()
    try:
        with transaction.atomic():
            users = people_create()
            customers = customers_create(users)
            report.customers = len(customers)
            report.weeks = plans_publish(timeline=timeline, coordinator=users[COORDINATOR])
            report.changes = plan_changes(timeline=timeline)
            report.tickets = len(tickets_load(timeline=timeline, users=users, customers=customers))
            report.prio1 = len(prio1_cases_load(timeline=timeline, customers=customers))
        report.days = day_flows_load(timeline=timeline, users=users)
        report.mails = mails_load(now=timeline.now)
    finally:
        with transaction.atomic():
            report.tasks_dropped = timeline.finish()
    logger.info(
        "demo loaded: %d weeks, %d tickets, %d Prio 1 cases, %d days, %d tasks dropped",
        len(report.weeks),
        report.tickets,
        report.prio1,
        report.days,
        report.tasks_dropped,
    )
    return report
