"""Three weeks of tickets: phone and mail on every working day, a few from the web form and the API.

Each ticket is created through the intake service at the moment it came in (so its number,
due time and suggested assignee are what the rules gave then) and then worked as a team
would: opened the next morning, notes and calls, sometimes a question to the customer,
resolved, closed a few days later. Older tickets are mostly closed; the last days' are still
open, and a few of them are overdue.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from supportdesk.accounts.models import User
from supportdesk.core.demo.people import COORDINATOR, MAILBOX_HEAD
from supportdesk.core.demo.timeline import Timeline
from supportdesk.roster import selectors as roster_selectors
from supportdesk.roster.models import Duty
from supportdesk.tickets import services as ticket_services
from supportdesk.tickets.models import ArticleKind, Channel, Customer, Status, Team, Ticket

SEED = 20261130
"""The demo is the same every time it is loaded (relative to the day it is loaded on)."""
HISTORY_WEEKS = 3


@dataclass(frozen=True)
class Request:
    customer: str
    """Customer code; empty for a caller who is not a customer yet."""
    subject: str
    body: str
    priority: int = 3
    service: bool = False
    """Accounts, licences, master data: the intake gives it to Service management."""
    solution: str = "Ursache gefunden und behoben, Kunde informiert."


REQUESTS = [
    Request("stadtwerke-moosach", "Passwort-Reset-Mail kommt nicht an", "Mehrere Kunden erhalten keine Reset-Mail."),
    Request(
        "stadtwerke-moosach",
        "Zählerstandserfassung zeigt falsches Datum",
        "Im Portal steht beim Ablesedatum der Vortag.",
        priority=2,
        solution="Zeitzone im Importjob korrigiert, Daten neu berechnet.",
    ),
    Request("stadtwerke-moosach", "Neuer Zugang für Abteilung Abrechnung", "Bitte zwei Zugänge anlegen.", 4, True),
    Request("stadtwerke-moosach", "Abschlagsänderung wird nicht gespeichert", "Fehlermeldung beim Speichern."),
    Request(
        "brauerei-hofmeier",
        "Lieferschein druckt ohne Logo",
        "Seit dem Update fehlt das Logo auf den Lieferscheinen.",
        solution="Vorlage neu hinterlegt, Druck geprüft.",
    ),
    Request("brauerei-hofmeier", "Inventur: Bestände weichen ab", "Leergut wird doppelt gezählt.", priority=2),
    Request("brauerei-hofmeier", "Lizenz für neuen Lagerplatz", "Wir brauchen einen weiteren Arbeitsplatz.", 4, True),
    Request("brauerei-hofmeier", "Preisliste für Gastronomie importieren", "Import meldet Zeile 214 als fehlerhaft."),
    Request(
        "klinikum-isartal",
        "Online-Terminbuchung sehr langsam",
        "Die Buchungsseite lädt über 20 Sekunden.",
        priority=2,
        solution="Index auf der Terminbelegung ergänzt; Ladezeit wieder unter einer Sekunde.",
    ),
    Request("klinikum-isartal", "Erinnerungs-SMS doppelt versendet", "Patienten bekommen die SMS zweimal."),
    Request("klinikum-isartal", "Neue Ambulanz als Standort anlegen", "Ab nächstem Monat: Ambulanz Süd.", 4, True),
    Request("klinikum-isartal", "Export der Termine als PDF", "Bitte um Rückruf wegen des PDF-Exports."),
    Request("spedition-roth", "Tour lässt sich nicht freigeben", "Freigabe-Knopf bleibt grau.", priority=2),
    Request("spedition-roth", "Neue Benutzerin anlegen", "Frau Berger braucht einen Zugang.", 4, True),
    Request("spedition-roth", "Kartenansicht zeigt alte Baustellen", "Die Sperrung der B12 ist längst aufgehoben."),
    Request("spedition-roth", "Fahrerapp meldet Synchronisationsfehler", "Drei Fahrer betroffen, Android."),
    Request(
        "verlag-sonnenhang",
        "Renewal letters missing for December",
        "The renewal run did not create letters for December.",
        priority=2,
        solution="Renewal run restarted for December; letters created.",
    ),
    Request("verlag-sonnenhang", "Change of billing address", "Please update our billing address.", 4, True),
    Request("verlag-sonnenhang", "Subscription count in dashboard", "The dashboard shows 0 active subscriptions."),
    Request("", "Anfrage zu Wartungsvertrag", "Interessent fragt nach Konditionen für einen Wartungsvertrag.", 4),
    Request(
        "", "Rückruf erbeten: Schnittstelle zu DATEV", "Anrufer möchte wissen, ob es eine DATEV-Schnittstelle gibt."
    ),
]

FRESH = [
    Request("stadtwerke-moosach", "Login im Kundenportal schlägt fehl", "Seit heute früh kein Login möglich.", 2),
    Request("klinikum-isartal", "Export der Termine als PDF", "Bitte um Rückruf wegen des PDF-Exports."),
    Request("spedition-roth", "Neue Benutzerin anlegen", "Frau Berger braucht einen Zugang.", 4, True),
]
"""Calls of the last half hour, not looked at yet."""

API_REQUESTS = [
    Request(
        "stadtwerke-moosach",
        "Monitoring: Zertifikat portal.stadtwerke-moosach.example läuft in 14 Tagen ab",
        "Automatische Meldung des Monitorings.",
        service=True,
        solution="Zertifikat erneuert.",
    ),
    Request(
        "klinikum-isartal",
        "Monitoring: Festplatte termine-db zu 85 % belegt",
        "Automatische Meldung des Monitorings.",
        solution="Alte Protokolle archiviert, 40 % frei.",
    ),
]

NOTES = [
    "Beim Kunden angerufen, Fehler nachgestellt.",
    "Logdateien geprüft, Ursache eingegrenzt.",
    "Mit der Entwicklung abgestimmt, Korrektur ist in Arbeit.",
    "Rückruf beim Kunden: Workaround erklärt.",
]


@dataclass
class _Context:
    timeline: Timeline
    users: dict[str, User]
    customers: dict[str, Customer]
    teams: dict[str, Team]
    rng: random.Random


def _phone_duty(day: date) -> User | None:
    cell = roster_selectors.holders_on(day=day, published_only=True).get(Duty.PHONE_DUTY)
    return cell.user if cell is not None else None


def _next_morning(ctx: _Context, moment: datetime) -> datetime:
    """09:00–10:59 of the next support day after ``moment``'s day."""
    day = moment.astimezone(ctx.timeline.tz).date() + timedelta(days=1)
    while not ctx.timeline.support_days(day, day):
        day += timedelta(days=1)
    return ctx.timeline.at(day, 9, ctx.rng.randint(0, 119) % 60) + timedelta(hours=ctx.rng.randint(0, 1))


def _office_hours(ctx: _Context, moment: datetime) -> datetime:
    """``moment`` if it lies between 08:00 and 17:30 of a support day, else the next such time
    (keeping the minutes, so that the day does not start with everyone at 08:00 sharp)."""
    local = moment.astimezone(ctx.timeline.tz)
    day = local.date()
    if ctx.timeline.support_days(day, day) and (8, 0) <= (local.hour, local.minute) < (17, 30):
        return moment
    if not ctx.timeline.support_days(day, day) or local.hour >= 8:
        day += timedelta(days=1)
        while not ctx.timeline.support_days(day, day):
            day += timedelta(days=1)
    return ctx.timeline.at(day, 8, local.minute)


def _final_state(ctx: _Context, age_days: float) -> str:
    """How far the ticket has come by now, by its age."""
    roll = ctx.rng.random()
    if age_days >= 7:
        table = [(0.8, Status.CLOSED), (0.95, Status.RESOLVED), (0.98, Status.WAITING), (1.0, Status.OPEN)]
    elif age_days >= 2:
        table = [(0.35, Status.CLOSED), (0.8, Status.RESOLVED), (0.92, Status.WAITING), (1.0, Status.OPEN)]
    else:
        table = [(0.15, Status.NEW), (0.6, Status.OPEN), (0.95, Status.RESOLVED), (1.0, Status.WAITING)]
    return next(state for limit, state in table if roll <= limit)


def _work(ctx: _Context, ticket: Ticket, request: Request, goal: str) -> Ticket:
    """Work ``ticket`` towards ``goal``; every step after the demo's "now" is left for the real team."""
    if goal == Status.NEW:
        return ticket
    timeline, rng = ctx.timeline, ctx.rng
    members = list(ticket.assignee_group.members.order_by("username")) if ticket.assignee_group else []
    worker = ticket.assignee or (rng.choice(members) if members else ctx.users[COORDINATOR])
    moment = (
        ticket.created_at + timedelta(minutes=rng.randint(15, 80))
        if ticket.priority <= 2
        and timeline.at(ticket.created_at.astimezone(timeline.tz).date(), 15, 0) > ticket.created_at
        else _next_morning(ctx, ticket.created_at)
    )

    def update(at: datetime, **changes: object) -> bool:
        nonlocal ticket
        if not timeline.is_past(at):
            return False
        ticket = ticket_services.ticket_update(worker, ticket, ticket.version, now=at, **changes)
        return True

    def note(at: datetime, kind: str, body: str) -> bool:
        if not timeline.is_past(at):
            return False
        ticket_services.article_add(actor=worker, ticket=ticket, kind=kind, body=body, now=at)
        return True

    changes: dict[str, object] = {"status": Status.OPEN}
    if ticket.assignee is None:
        changes["assignee"] = worker
    if not update(moment, **changes) or goal == Status.OPEN:
        return ticket
    moment = _office_hours(ctx, moment + timedelta(minutes=rng.randint(20, 150)))
    if not note(moment, rng.choice([ArticleKind.INTERNAL_NOTE, ArticleKind.PHONE_NOTE]), rng.choice(NOTES)):
        return ticket
    if goal == Status.WAITING or rng.random() < 0.25:
        moment = _office_hours(ctx, moment + timedelta(minutes=rng.randint(10, 60)))
        if not note(moment, ArticleKind.PHONE_NOTE, "Rückfrage an den Kunden: Beispiel und Uhrzeit erbeten."):
            return ticket
        if not update(moment + timedelta(minutes=1), status=Status.WAITING) or goal == Status.WAITING:
            return ticket
        moment = _next_morning(ctx, moment)
        kind = ArticleKind.MAIL_IN if ticket.channel == Channel.MAIL else ArticleKind.PHONE_NOTE
        if not note(moment, kind, "Kunde hat die erbetenen Angaben geschickt.") or not update(
            moment + timedelta(minutes=5), status=Status.OPEN
        ):
            return ticket
    moment = _office_hours(ctx, moment + timedelta(hours=rng.randint(1, 20)))
    if not note(moment, ArticleKind.INTERNAL_NOTE, request.solution) or not update(
        moment + timedelta(minutes=2), status=Status.RESOLVED
    ):
        return ticket
    if goal == Status.CLOSED:
        update(_office_hours(ctx, moment + timedelta(days=rng.randint(2, 4))), status=Status.CLOSED)
    return ticket


def _create(ctx: _Context, *, request: Request, at: datetime, channel: str, actor: User | None) -> Ticket:
    customer = ctx.customers.get(request.customer)
    contact = customer.contacts.first() if customer is not None else None
    body = request.body
    if customer is None:
        body += "\nAnrufer: Herr Maier, +49 30 23125 999"
    ticket = ticket_services.ticket_create(
        actor=actor,
        subject=request.subject,
        body=body,
        priority=request.priority,
        channel=channel,
        customer=customer,
        contact=contact,
        project=customer.projects.first() if customer is not None else None,
        assignee_group=ctx.teams.get(Team.SERVICE_MANAGEMENT) if request.service else None,
        now=at,
    )
    ctx.timeline.settle(at)
    return ticket


def tickets_load(*, timeline: Timeline, users: dict[str, User], customers: dict[str, Customer]) -> list[Ticket]:
    """Tickets on every support day of the last ``HISTORY_WEEKS`` weeks up to this morning, worked until now."""
    ctx = _Context(
        timeline=timeline,
        users=users,
        customers=customers,
        teams={team.slug: team for team in Team.objects.all()},
        rng=random.Random(SEED),  # noqa: S311 - invented data, the same every time
    )
    head, office = users[MAILBOX_HEAD], [users[COORDINATOR], users["mbrandt"]]
    days = timeline.past_support_days(HISTORY_WEEKS)
    if timeline.support_days(timeline.today, timeline.today):
        days.append(timeline.today)
    created = []
    for day in days:
        phone_duty = _phone_duty(day)
        count = ctx.rng.randint(3, 6)
        for slot in sorted(ctx.rng.sample(range(8 * 60 + 30, 17 * 60 + 50, 10), count)):
            at = timeline.at(day, slot // 60, slot % 60)
            if not timeline.is_past(at + timedelta(minutes=30)):
                continue
            roll = ctx.rng.random()
            if slot >= 16 * 60:
                channel, actor = Channel.PHONE, phone_duty or head
            elif roll < 0.45:
                channel, actor = Channel.PHONE, ctx.rng.choice([head, *office])
            elif roll < 0.85:
                channel, actor = Channel.MAIL, head
            elif roll < 0.95:
                channel, actor = Channel.WEB, ctx.rng.choice(office)
            else:
                channel, actor = Channel.API, None
            if channel == Channel.API:
                pool = API_REQUESTS
            else:  # only a caller can be someone who is not a customer yet
                pool = [r for r in REQUESTS if r.customer or channel == Channel.PHONE]
            request = ctx.rng.choice(pool)
            ticket = _create(ctx, request=request, at=at, channel=channel, actor=actor)
            age_days = (timeline.now - at).total_seconds() / 86400
            created.append(_work(ctx, ticket, request, _final_state(ctx, age_days)))
    for minutes, request in zip((25, 15, 5), FRESH, strict=True):
        created.append(
            _create(
                ctx, request=request, at=timeline.now - timedelta(minutes=minutes), channel=Channel.PHONE, actor=head
            )
        )
    return created
