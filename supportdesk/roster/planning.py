"""Plan generation for the afternoon duties (R4), free of Django and the database.

The service layer (``roster.services.plan_generate``) gathers a
:class:`PlanRequest` from the database, calls :func:`solve`, and writes the
:class:`PlanResult` back. Everything here is deterministic for the same input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

PHONE = "phone_duty"
STANDBY = "technical_standby"
DUTIES: tuple[str, str] = (PHONE, STANDBY)

Mode = Literal["weekly_pair", "daily"]


@dataclass(frozen=True)
class Person:
    id: int
    key: str
    """Stable tie-breaker (the username)."""
    weekdays: frozenset[int]
    """Weekdays (Monday = 0) the person can serve."""
    absent: frozenset[date] = frozenset()

    def can_serve(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.absent


@dataclass(frozen=True)
class History:
    """What people actually held over the fairness horizon before the plan starts."""

    counts: dict[tuple[int, str], int] = field(default_factory=dict)
    """(person id, duty) → duties held."""
    weekday_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    """(person id, weekday) → duties held on that weekday."""
    previous_day: dict[str, int] = field(default_factory=dict)
    """Duty → holder on the last support day before the plan starts (for alternation)."""
    previous_week_pair: frozenset[int] = frozenset()
    """Who served the week before the plan starts (nobody serves two weeks running)."""


@dataclass(frozen=True)
class PlanRequest:
    days: list[date]
    """Support days to plan, ascending (days without a window are not in it)."""
    people: list[Person]
    history: History = field(default_factory=History)
    mode: Mode = "weekly_pair"
    time_limit_seconds: float = 10.0


@dataclass(frozen=True)
class Problem:
    date: date
    duty: str
    reason: str
    """Plain English sentence; the service translates the known reasons."""


@dataclass
class PlanResult:
    cells: dict[tuple[date, str], int | None]
    """(day, duty) → person id, or None where the duty could not be filled."""
    substitutes: set[tuple[date, str]] = field(default_factory=set)
    """Cells held by a third person because one of the week's pair could not serve."""
    problems: list[Problem] = field(default_factory=list)


def solve(request: PlanRequest) -> PlanResult:
    raise NotImplementedError("implemented by the planning work package")
