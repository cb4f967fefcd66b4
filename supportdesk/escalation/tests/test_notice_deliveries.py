"""The case page's notices: per recipient and channel the delivery state and its attempts, in the
reader's language, inside the live part (a retry shows on the next poll), in constant queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from supportdesk.escalation import selectors
from supportdesk.escalation.tests.factories import BERLIN, MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.escalation.tests.test_services import notices, run_next
from supportdesk.notifications.models import AttemptOutcome, DeliveryStatus, NotificationDelivery, UserChannel
from supportdesk.notifications.services import (
    DEFAULT_CHANNELS,
    URGENT_SENDING_LEASE,
    delivery_attempt,
    delivery_sweep,
    user_channel_create,
)
from supportdesk.roster.tests.plans import alternating, make_week

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL between the claim's commit and the outcome's."""


class DyingMailChannel:
    name = "email"

    def address_for(self, delivery):
        return delivery.recipient.email

    def send(self, delivery):
        raise WorkerKilled


@pytest.fixture
def case(pool, coordinator):
    """Tuesday 16:30: Anna is the technical standby, Bernd has phone duty; the first notice went out."""
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    return escalation


def _hms(moment) -> str:
    return moment.astimezone(BERLIN).strftime("%H:%M:%S")


def _notices(html: str) -> str:
    """The "Notices sent" part of the page or of the poll's answer."""
    start = html.index('<h3 id="notices-head">')
    return html[start : html.index("<h3>", start)]  # up to the timeline's heading


def _channel(html: str, label: str) -> str:
    """One channel's entry of the notices part, by its label."""
    [entry] = [part for part in _notices(html).split('<li class="esc-channel ')[1:] if f">{label}" in part]
    return entry


def _poll(client, escalation) -> str:
    url = reverse("escalation:detail", args=[escalation.pk])
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    # As handover/live.js compares answers: the CSRF field differs in every rendering.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_standby_mail_failed_twice_then_sent_german(client, case, pool, smtp_sink):
    anna, bernd = pool[0], pool[1]
    client.force_login(bernd)  # the phone duty reads German (the factory's language)
    [mail] = notices()
    smtp_sink.refuse = True
    t0 = timezone.now()
    delivery_attempt(delivery_id=mail.pk, now=t0)
    first_failure = _poll(client, case)
    delivery_attempt(delivery_id=mail.pk, now=t0 + timedelta(seconds=10))
    mail.refresh_from_db()
    assert mail.status == DeliveryStatus.RETRYING

    retrying = _poll(client, case)
    assert retrying != first_failure  # the second failure shows on the next poll, without a reload
    assert _poll(client, case) == retrying  # nothing new: the same answer, so live.js does not swap it
    entry = _channel(retrying, "Mail")
    assert "Anna Huber" in _notices(retrying) and anna.email in entry
    assert f"Fehlgeschlagen, nächster Versuch um {_hms(mail.next_attempt_at)}" in entry
    assert "data-latest=" in entry and " open>" in entry  # the latest attempt failed: the list is open
    assert "2 Versuche, 2 fehlgeschlagen" in entry
    assert entry.count("Fehlgeschlagen, wird erneut versucht") == 2
    assert "451" in entry  # the mail server's answer, as it came
    assert f">{_hms(t0)}</time>" in entry and f">{_hms(t0 + timedelta(seconds=10))}</time>" in entry

    smtp_sink.refuse = False
    delivery_attempt(delivery_id=mail.pk, now=t0 + timedelta(seconds=40))
    assert len(smtp_sink.wait_for(1)) == 1
    mail.refresh_from_db()
    sent = _poll(client, case)
    entry = _channel(sent, "Mail")
    assert f"Gesendet um {_hms(mail.sent_at)}" in entry
    assert " open>" not in entry  # sent: the attempts are there, but collapsed
    assert "3 Versuche, 2 fehlgeschlagen" in entry and "Gesendet</span>" in entry
    assert [a.outcome for a in mail.attempt_log.order_by("number")] == [
        AttemptOutcome.RETRY,
        AttemptOutcome.RETRY,
        AttemptOutcome.SENT,
    ]
    # The full page shows the same part as the poll.
    page = client.get(reverse("escalation:detail", args=[case.pk])).content.decode()
    assert _notices(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)) == _notices(sent)


def test_apprise_failed_for_good_and_mail_sent_english_and_german(client, pool, coordinator):
    anna, bernd = pool[0], pool[1]
    # A URL Apprise no longer understands (saved before a plugin went away): refused on the first try.
    UserChannel.objects.create(user=anna, position=0, kind="apprise", label="Handy", url="gone-plugin://topic")
    user_channel_create(user=anna, kind="email")
    make_week(MONDAY, alternating(anna, bernd), published=True)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    apprise, mail = notices()
    assert (apprise.channel, mail.channel) == ("apprise", "email")
    delivery_attempt(delivery_id=apprise.pk)
    delivery_attempt(delivery_id=mail.pk)
    apprise.refresh_from_db()
    mail.refresh_from_db()
    assert (apprise.status, mail.status) == (DeliveryStatus.FAILED, DeliveryStatus.SENT)

    bernd.language = "en"
    bernd.save(update_fields=["language"])
    client.force_login(bernd)
    html = _poll(client, escalation)
    entry = _channel(html, "Apprise URL")
    assert "Failed for good</span>" in entry and " open>" in entry
    assert "1 attempt, 1 failed" in entry
    assert "Apprise does not understand the URL" in entry
    assert "gone-plugin" not in html  # an Apprise URL carries tokens: never shown
    entry = _channel(html, "Mail")
    assert f"Sent at {_hms(mail.sent_at)}" in entry and " open>" not in entry and "1 attempt</summary>" in entry

    bernd.language = "de"
    bernd.save(update_fields=["language"])
    html = _poll(client, escalation)
    entry = _channel(html, "Apprise-URL")
    assert "Endgültig fehlgeschlagen</span>" in entry and "1 Versuch, 1 fehlgeschlagen" in entry
    assert "Apprise versteht die URL nicht" in entry
    assert f"Gesendet um {_hms(mail.sent_at)}" in _channel(html, "Mail")


def test_a_notice_lost_with_its_worker_says_so_and_is_open(client, case, pool, settings, smtp_sink):
    client.force_login(pool[1])
    [mail] = notices()
    settings.SUPPORTDESK_NOTIFICATION_CHANNELS = [f"{__name__}.DyingMailChannel"]
    t0 = timezone.now()
    with pytest.raises(WorkerKilled):
        delivery_attempt(delivery_id=mail.pk, now=t0)
    settings.SUPPORTDESK_NOTIFICATION_CHANNELS = DEFAULT_CHANNELS
    entry = _channel(_poll(client, case), "Mail")
    assert "Wird gesendet</span>" in entry and " open>" not in entry and "1 Versuch</summary>" in entry

    found = t0 + URGENT_SENDING_LEASE + timedelta(seconds=1)
    assert delivery_sweep(now=found, urgent_only=True) == 1
    entry = _channel(_poll(client, case), "Mail")
    assert f"Mit dem Worker verloren, erneut gesendet um {_hms(found)}" in entry
    assert "Mit dem Worker verloren, erneut eingereiht" in entry and " open>" in entry
    assert "1 Versuch, 1 mit dem Worker verloren" in entry

    delivery_attempt(delivery_id=mail.pk, now=found)
    mail.refresh_from_db()
    entry = _channel(_poll(client, case), "Mail")
    assert f"Gesendet um {_hms(mail.sent_at)}" in entry and " open>" not in entry
    assert "2 Versuche, 1 mit dem Worker verloren" in entry


def test_repeated_notices_are_listed_under_their_entry(client, case, pool, smtp_sink):
    """The standby notified again: the channel's state is the latest notice's; each notice's attempts under it."""
    client.force_login(pool[1])
    smtp_sink.refuse = True
    [first] = notices()
    delivery_attempt(delivery_id=first.pk)
    smtp_sink.refuse = False
    run_next(case, TUESDAY_1630 + timedelta(minutes=5))
    first_again, second = notices()
    assert first_again.pk == first.pk
    delivery_attempt(delivery_id=second.pk)
    second.refresh_from_db()
    entry = _channel(_poll(client, case), "Mail")
    assert f"Gesendet um {_hms(second.sent_at)}" in entry and " open>" not in entry
    assert "2 Versuche, 1 fehlgeschlagen" in entry
    assert entry.index("Benachrichtigt 16:30:00") < entry.index("Erneut benachrichtigt 16:35:00")
    [person] = selectors.escalation_notice_deliveries(escalation=case)
    [channel] = person.channels
    assert [n.delivery.pk for n in channel.notices] == [first.pk, second.pk] and channel.latest.pk == second.pk


def test_the_case_page_does_not_query_per_recipient_notice_or_attempt(client, case, pool, smtp_sink):
    client.force_login(pool[1])
    url = reverse("escalation:detail", args=[case.pk])
    [mail] = notices()
    delivery_attempt(delivery_id=mail.pk)

    def queries(**headers) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, headers=headers).status_code == 200
        return len(captured)

    few_page, few_poll = queries(), queries(HX_Request="true")
    # Three repeats and the escalation to the coordinators and the pool: many recipients and notices,
    # each tried three times.
    for minutes in (5, 10, 15, 20):
        run_next(case, TUESDAY_1630 + timedelta(minutes=minutes))
    smtp_sink.refuse = True
    for delivery in NotificationDelivery.objects.filter(attempts=0):
        for _ in range(3):
            delivery_attempt(delivery_id=delivery.pk)
    people = selectors.escalation_notice_deliveries(escalation=case)
    assert len(people) >= 5 and sum(len(c.attempts) for p in people for c in p.channels) >= 30
    assert (queries(), queries(HX_Request="true")) == (few_page, few_poll)
