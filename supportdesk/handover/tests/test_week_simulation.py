"""A whole week of the process played through the real services, the clock pinned at each moment.

The coordinator drafts and publishes the week (R9), two people swap (R5), one reports sick and a
colleague takes the offered duty (R7), calls and mails become tickets (R12, R20, R21), a Prio 1
case is acknowledged by the standby (R13, R16), the mailbox head hands over every day and forgets
once (R22), the phone duty closes every window (R15). At the end every notice goes out over a
real SMTP server.
"""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest

from supportdesk.escalation import services as escalation_services
from supportdesk.escalation.models import Escalation, EscalationEvent, EventKind
from supportdesk.handover import selectors, services
from supportdesk.handover.models import ClosingCheck, Handover
from supportdesk.handover.tests.factories import MONDAY, at
from supportdesk.mailbox import services as mailbox_services
from supportdesk.mailbox.models import InboundMail, InboundState, Mailbox
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import delivery_attempt
from supportdesk.roster import business_hours as bh
from supportdesk.roster import services as roster_services
from supportdesk.roster.models import (
    AbsenceKind,
    Assignment,
    Duty,
    PoolMember,
    RosterWeek,
    SwapKind,
    SwapRequest,
    SwapStatus,
)
from supportdesk.roster.selectors import support_calendar, user_is_absent
from supportdesk.tickets import services as ticket_services
from supportdesk.tickets.models import Prio1Case, Priority, Ticket

pytestmark = pytest.mark.django_db

DAYS = [MONDAY + timedelta(days=i) for i in range(5)]
MON, TUE, WED, THU, FRI = DAYS
FORGOTTEN = THU
"""The mailbox head forgets to hand over on Thursday: the window start does it."""


def raw_mail(n: int, *, sent, subject: str, body: str, in_reply_to: str = "") -> tuple[bytes, str]:
    message = EmailMessage()
    message["From"] = f"Kunde {n} <kunde{n}@kunde.example>"
    message["To"] = "support@example.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message_id = make_msgid(idstring=f"week{n}", domain="kunde.example")
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes(), message_id.strip("<>")


def holder(day, code):
    return selectors.duty_holder(day=day, duty=code)


def test_a_whole_week(pool, coordinator, head, smtp_sink):
    phone_duty = Duty.objects.get(code=Duty.PHONE_DUTY)
    mailbox = Mailbox.objects.create(name="support", host="127.0.0.1", port=143, security="plain")

    # --- Friday before: the jour fixe drafts and publishes the week (R9) --------------------
    planning_moment = at(MONDAY - timedelta(days=3), 10)
    report = roster_services.plan_generate(actor=coordinator, start=MONDAY, end=FRI, now=planning_moment)
    assert report.complete, report.problems
    week = RosterWeek.objects.get(week_start=MONDAY)
    roster_services.week_publish(actor=coordinator, week=week, now=planning_moment + timedelta(minutes=30))
    assert Assignment.objects.filter(week=week, user__isnull=False).count() == 10

    # --- Monday morning: the two holders of Tuesday trade duties (R5) -----------------------
    tue_phone, tue_standby = holder(TUE, Duty.PHONE_DUTY), holder(TUE, Duty.TECHNICAL_STANDBY)
    swap = roster_services.swap_request_create(
        actor=tue_phone,
        day=TUE,
        duty=phone_duty,
        kind=SwapKind.SWAP,
        target_day=TUE,
        target_duty=Duty.objects.get(code=Duty.TECHNICAL_STANDBY),
        now=at(MON, 9, 30),
    )
    roster_services.swap_request_accept(actor=tue_standby, request=swap, now=at(MON, 10))
    assert (holder(TUE, Duty.PHONE_DUTY), holder(TUE, Duty.TECHNICAL_STANDBY)) == (tue_standby, tue_phone)

    # --- Tuesday evening: Wednesday's phone duty reports sick; a colleague takes it (R7) ------
    sick = holder(WED, Duty.PHONE_DUTY)
    roster_services.absence_create(actor=sick, user=sick, kind=AbsenceKind.SICK, start=WED, end=WED, now=at(TUE, 19))
    offer = SwapRequest.objects.get(date=WED, duty=phone_duty, status=SwapStatus.OPEN, absence__isnull=False)
    assert offer.offered_to
    taker = next(u for u in pool if u.pk == offer.offered_to[0])
    roster_services.swap_request_accept(actor=taker, request=offer, token=offer.token, now=at(TUE, 19, 20))
    assert holder(WED, Duty.PHONE_DUTY) == taker

    calls: list[Ticket] = []
    mails: list[InboundMail] = []
    first_mail_id = ""
    prio1: Ticket | None = None

    for n, day in enumerate(DAYS):
        phone = holder(day, Duty.PHONE_DUTY)
        standby = holder(day, Duty.TECHNICAL_STANDBY)

        # Morning: mails arrive and the mailbox head triages them into tickets (R20, R21).
        raw, message_id = raw_mail(n, sent=at(day, 9, 10), subject=f"Drucker {n} defekt", body="Hallo,\ngeht nicht.")
        [mail] = mailbox_services.mails_ingest(mailbox=mailbox, items=[(None, raw)], now=at(day, 9, 15))
        assert mail.state == InboundState.TRIAGE
        mailbox_services.triage_create_ticket(actor=head, mail_id=mail.pk, now=at(day, 9, 40))
        mails.append(mail)
        if n == 0:
            first_mail_id = message_id
        if day == TUE:
            # The customer of Monday answers in the thread: it goes straight to the ticket.
            raw, _mid = raw_mail(
                0, sent=at(day, 11), subject="Re: Drucker 0 defekt", body="Noch da?", in_reply_to=first_mail_id
            )
            [follow_up] = mailbox_services.mails_ingest(mailbox=mailbox, items=[(None, raw)], now=at(day, 11, 1))
            assert follow_up.state == InboundState.ARTICLE
            mails.append(follow_up)

        # Hand-over (R22): by the head at 15:30, except the forgotten day.
        services.readiness_request(now=at(day, 15, 55))
        if day == FORGOTTEN:
            assert services.handover_auto(now=at(day, 16)) is not None
        else:
            services.handover_perform(actor=head, now=at(day, 15, 30))
            assert services.handover_auto(now=at(day, 16)) is None
        handover = Handover.objects.get(date=day)
        assert handover.to_user == phone
        services.handover_acknowledge(handover=handover, actor=phone, now=at(day, 16, 2))
        services.readiness_checkin(actor=standby, reachable=True, computer=True, vpn=True, now=at(day, 16, 3))
        assert services.readiness_alert(now=at(day, 16, 5)) is None

        # Afternoon: a call becomes a ticket (R10, R12); on Wednesday it is a Prio 1 (R13).
        priority = Priority.P1 if day == WED else Priority.P3
        ticket = ticket_services.ticket_create_from_phone(
            actor=phone,
            subject=f"Anruf {n}: Kasse steht" if priority == Priority.P1 else f"Anruf {n}: Frage",
            note="Rückruf erbeten.",
            priority=priority,
            phone=f"+49 30 1234 56{n:02d}",
            caller_name=f"Anrufer {n}",
            now=at(day, 16, 30),
        )
        calls.append(ticket)
        if priority == Priority.P1:
            prio1 = ticket
            escalation = Escalation.objects.get(case__ticket=ticket)
            escalation_services.escalation_step_run(
                escalation_id=escalation.pk, step_token=escalation.step_token, now=at(day, 16, 30)
            )
            told = set(
                EscalationEvent.objects.filter(escalation=escalation, kind=EventKind.NOTIFIED).values_list(
                    "recipient_id", flat=True
                )
            )
            assert standby.pk in told
            ack = escalation_services.escalation_acknowledge(
                escalation=escalation, actor=standby, via="page", now=at(day, 16, 34)
            )
            assert ack.accepted
            escalation_services.escalation_resolve(
                escalation=escalation, actor=standby, summary="Kasse neu gestartet.", now=at(day, 17, 20)
            )

        # Every hour of the window the phone duty looks at the intake for Prio 1 tickets (R11).
        for hour in (16, 17):
            check = ticket_services.intake_check_open(due_at=at(day, hour))
            ticket_services.intake_check_done(check=check, actor=phone, now=at(day, hour, 5))

        # 18:00: the closing checklist (R15), confirmed by the phone duty.
        services.closing_request(now=at(day, 18))
        services.closing_confirm(actor=phone, now=at(day, 18, 4))
        assert services.closing_overdue(now=at(day, 18, 15)) is None
        assert selectors.day_status(at(day, 18, 30)).missed == []

    # --- The week in review ------------------------------------------------------------------
    cal = support_calendar()
    for day in DAYS:
        window = bh.window_on(cal, day)
        assert window is not None
        for code in (Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY):
            user = holder(day, code)
            assert user is not None, (day, code)
            member = PoolMember.objects.get(user=user, active=True)
            assert day.weekday() in member.weekdays, (day, code, user)
            assert not user_is_absent(user=user, day=day), (day, code, user)
        assert holder(day, Duty.PHONE_DUTY) != holder(day, Duty.TECHNICAL_STANDBY)
    assert sick not in {holder(WED, c) for c in (Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY)}

    # Every mail and call became a ticket or was added to one.
    for mail in InboundMail.objects.all():
        assert mail.state == InboundState.ARTICLE and mail.ticket_id is not None, mail
    assert InboundMail.objects.count() == len(mails) == 6
    assert all(Ticket.objects.filter(pk=t.pk).exists() for t in calls)
    assert Ticket.objects.count() == 5 + 5

    # Every Prio 1 case was acknowledged.
    assert prio1 is not None
    for case in Prio1Case.objects.select_related("escalation"):
        assert case.escalation.acknowledged_at is not None

    # Every hand-over happened, exactly one of them automatic; every window was closed.
    assert list(Handover.objects.order_by("date").values_list("automatic", flat=True)) == [
        day == FORGOTTEN for day in DAYS
    ]
    assert all(h.acknowledged_at for h in Handover.objects.all())
    assert ClosingCheck.objects.filter(confirmed_at__isnull=False).count() == 5

    # Every notice goes out over SMTP.
    pending = list(
        NotificationDelivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]).values_list(
            "pk", flat=True
        )
    )
    assert pending
    for pk in pending:
        delivery_attempt(delivery_id=pk, now=at(FRI, 19))
    assert NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).count() == 0
    total = NotificationDelivery.objects.count()
    assert len(smtp_sink.wait_for(total)) == total
    events = set(NotificationDelivery.objects.values_list("event", flat=True))
    assert {
        "roster/week_published",
        "roster/swap_accepted",
        "handover/handover_notice",
        "handover/handover_automatic",
        "handover/closing_checklist",
    } <= events
