"""Two Prio 1 cases of last week, worked from the first notice to the resolution (R13, R14, R16–R19).

Each runs through the escalation services at the moments it happened: the phone duty creates
the ticket, the chain notifies the technical standby on duty (once again when she does not
answer within the re-notification time), the standby acknowledges, posts status updates while
the phone duty keeps the customer informed by phone, and resolves the case.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from supportdesk.accounts.models import User
from supportdesk.core.demo.timeline import Timeline
from supportdesk.escalation import selectors as escalation_selectors
from supportdesk.escalation import services as escalation_services
from supportdesk.escalation.models import Escalation
from supportdesk.roster import selectors as roster_selectors
from supportdesk.roster.models import Duty
from supportdesk.tickets import services as ticket_services
from supportdesk.tickets.models import Channel, Customer, Priority, Status, Ticket


@dataclass(frozen=True)
class Case:
    customer: str
    subject: str
    body: str
    channel: str
    start: tuple[int, int]
    """Local time the ticket was created."""
    unanswered_notices: int
    """Notices before the standby acknowledges (1: the first one is acknowledged)."""
    timeline: tuple[tuple[int, str, str], ...]
    """(minutes after the start, "update" by the standby or "call" by the phone duty, text)."""
    resolved_after: int
    summary: str


CASES = [
    Case(
        customer="stadtwerke-moosach",
        subject="Kundenportal nicht erreichbar (HTTP 502)",
        body="Frau Lindner ruft an: das Kundenportal zeigt seit 16:15 nur noch „502 Bad Gateway“.",
        channel=Channel.PHONE,
        start=(16, 22),
        unanswered_notices=0,
        timeline=(
            (9, "call", "Frau Lindner informiert: wir arbeiten daran, Rückmeldung bis 17:15."),
            (18, "update", "Ein Knoten hinter dem Load Balancer hängt; neu gestartet, ich beobachte."),
            (34, "update", "Portal wieder erreichbar. Ursache: Platte voll, die Log-Rotation lief nicht."),
            (41, "call", "Frau Lindner bestätigt, dass Login und Zählerstandserfassung wieder gehen."),
        ),
        resolved_after=47,
        summary="Log-Rotation auf dem Portal-Knoten repariert, Speicher freigegeben, Knoten neu gestartet.",
    ),
    Case(
        customer="klinikum-isartal",
        subject="Terminbuchung: keine Buchungen mehr möglich",
        body="Dr. Keller per Mail: Jede Buchung endet mit „Termin konnte nicht gespeichert werden“.",
        channel=Channel.MAIL,
        start=(16, 48),
        unanswered_notices=1,
        timeline=(
            (12, "call", "Dr. Keller zurückgerufen: Fehler bestätigt, Patienten sollen vorerst anrufen."),
            (26, "update", "Datenbank nimmt keine Schreibzugriffe an: Replikation hängt, Primärknoten read-only."),
            (53, "update", "Failover auf den zweiten Knoten durchgeführt, Buchungen gehen wieder."),
            (61, "call", "Dr. Keller informiert: Buchen funktioniert, Nachbericht folgt."),
        ),
        resolved_after=72,
        summary="Replikation nach vollem WAL-Volume gestoppt; Failover, Volume vergrößert, Alarm ergänzt.",
    ),
]


def _holder(day: date, duty: str) -> User | None:
    cell = roster_selectors.holders_on(day=day, published_only=True).get(duty)
    return cell.user if cell is not None else None


def _case(*, timeline: Timeline, case: Case, day: date, customer: Customer) -> Ticket | None:
    phone, standby = _holder(day, Duty.PHONE_DUTY), _holder(day, Duty.TECHNICAL_STANDBY)
    if phone is None or standby is None:
        return None
    start = timeline.at(day, *case.start)
    ticket = ticket_services.ticket_create(
        actor=phone,
        subject=case.subject,
        body=case.body,
        priority=Priority.P1,
        channel=case.channel,
        customer=customer,
        contact=customer.contacts.first(),
        project=customer.projects.first(),
        now=start,
    )
    timeline.settle(start)
    escalation = Escalation.objects.get(case__ticket=ticket)
    policy = escalation_selectors.policy_get()
    step_at = start + timedelta(seconds=15)
    for _notice in range(case.unanswered_notices + 1):
        escalation.refresh_from_db()
        escalation_services.escalation_step_run(
            escalation_id=escalation.pk, step_token=escalation.step_token, now=step_at
        )
        timeline.settle(step_at)
        step_at += timedelta(seconds=policy.renotify_seconds)
    acknowledged_at = step_at - timedelta(seconds=policy.renotify_seconds) + timedelta(minutes=4, seconds=40)
    escalation_services.escalation_acknowledge(escalation=escalation, actor=standby, via="link", now=acknowledged_at)
    timeline.settle(acknowledged_at)
    for minutes, kind, text in case.timeline:
        at = start + timedelta(minutes=minutes)
        if kind == "call":
            escalation_services.escalation_phone_call_log(escalation=escalation, actor=phone, text=text, now=at)
        else:
            escalation_services.escalation_status_update_post(escalation=escalation, actor=standby, text=text, now=at)
        timeline.settle(at)
    resolved_at = start + timedelta(minutes=case.resolved_after)
    escalation_services.escalation_resolve(escalation=escalation, actor=standby, summary=case.summary, now=resolved_at)
    timeline.settle(resolved_at)
    ticket.refresh_from_db()
    next_days = timeline.support_days(day + timedelta(days=1), day + timedelta(days=14))
    closed_at = timeline.at(next_days[0], 9, 15) if next_days else timeline.now
    if timeline.is_past(closed_at):
        ticket = ticket_services.ticket_update(standby, ticket, ticket.version, now=closed_at, status=Status.CLOSED)
        timeline.settle(closed_at)
    return ticket


def prio1_cases_load(*, timeline: Timeline, customers: dict[str, Customer]) -> list[Ticket]:
    """The cases on last week's third and fourth support day (or the last ones it had)."""
    days = timeline.support_days(timeline.monday - timedelta(weeks=1), timeline.monday - timedelta(days=1))
    chosen = days[2:4] if len(days) >= 4 else days[-2:]
    tickets = []
    for case, day in zip(CASES, chosen, strict=False):
        ticket = _case(timeline=timeline, case=case, day=day, customer=customers[case.customer])
        if ticket is not None:
            tickets.append(ticket)
    return tickets
