"""The live part of the Today page, read with one ``DayReads``."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Window

from supportdesk.accounts.models import User
from supportdesk.handover.selectors.reads import DayReads, _reads_for
from supportdesk.handover.selectors.routing import _triage_owner_for
from supportdesk.handover.selectors.timeline import DayStatus, Status, day_status
from supportdesk.mailbox import selectors as mailbox_selectors
from supportdesk.mailbox.models import InboundMail
from supportdesk.roster.contacts import tel_uri
from supportdesk.roster.models import Duty
from supportdesk.tickets.models import Prio1Case
from supportdesk.tickets.selectors import IntakeCheckView, intake_check_current, prio1_cases_open

TODAY_TRIAGE_LIMIT = 5
"""The Today page lists this many waiting mails; the triage page has the rest."""


@dataclass(frozen=True)
class TodayBoard:
    """What the Today page refreshes every few seconds: who holds what now, the day's timeline,
    open triage items, open Prio 1 cases and, during the window, the hourly intake check."""

    status: DayStatus
    triage_owner: User | None
    standby: User | None
    """The day's published technical standby; None on days without a window or when open."""
    standby_number: str
    """The standby's number callers need (the duty's contact field, as on the duty cards; R16), or ""."""
    triage_waiting: int
    triage_mails: list[InboundMail]
    """The oldest waiting mails first, at most ``TODAY_TRIAGE_LIMIT``."""
    prio1_cases: list[Prio1Case]
    in_window: bool
    intake: IntakeCheckView | None
    """Today's latest due intake check while the window runs, else None."""

    @property
    def standby_tel(self) -> str:
        return tel_uri(self.standby_number) if self.standby_number else ""

    @property
    def readiness_state(self) -> Status:
        """The standby's check-in: ``done``, ``pending``, ``missed`` or ``none`` (no window today)."""
        step = next((s for s in self.status.steps if s.key == "readiness"), None)
        return step.status if step is not None else "none"


def today_board(*, now: datetime, reads: DayReads | None = None) -> TodayBoard:
    """The live part of the Today page; its query count does not grow with the data (the triage mails,
    cases and tickets it lists are limited and fetched with what they show)."""
    reads = _reads_for(reads, now=now)
    status = day_status(now, reads=reads)
    in_window = status.window is not None and status.window.contains(now)
    standby, standby_number = reads.contact(Duty.TECHNICAL_STANDBY) if status.window else (None, "")
    mails, waiting = _triage_head()
    return TodayBoard(
        status=status,
        triage_owner=_triage_owner_for(status.routing, reads=reads),
        standby=standby,
        standby_number=standby_number,
        triage_waiting=waiting,
        triage_mails=mails,
        prio1_cases=prio1_cases_open(),
        in_window=in_window,
        intake=intake_check_current(now, checks=reads.intake_checks) if in_window else None,
    )


def _triage_head() -> tuple[list[InboundMail], int]:
    """The oldest ``TODAY_TRIAGE_LIMIT`` waiting mails and how many wait in all, in one query (the count is
    a window over the whole triage list, taken before the limit)."""
    rows = list(
        mailbox_selectors.inbound_mail_triage_list()
        .annotate(waiting=Window(Count("pk")))
        .order_by("received_at", "id")[:TODAY_TRIAGE_LIMIT]
    )
    mails: list[InboundMail] = list(rows)
    return mails, (int(rows[0].waiting) if rows else 0)
