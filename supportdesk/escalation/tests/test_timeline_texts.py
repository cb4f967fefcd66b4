"""The timeline in the reader's language: the services store codes with parameters, the case page
and the coordinators' notices word them in German or English; people's own words stay as written;
the English texts stored before the codes are mapped back by the data migration."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation

from supportdesk.accounts.tests.factories import CoordinatorFactory
from supportdesk.escalation import services
from supportdesk.escalation.event_texts import detail_text
from supportdesk.escalation.models import EscalationEvent, EscalationPolicy, EventDetail, EventKind
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.notifications.channels import NO_MAIL_ADDRESS
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery, UserChannel
from supportdesk.roster.tests.plans import alternating, make_week

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("supportdesk.escalation.migrations.0007_escalationevent_detail_codes_data")


def run_next(escalation, now):
    escalation.refresh_from_db()
    return services.escalation_step_run(escalation_id=escalation.pk, step_token=escalation.step_token, now=now)


@pytest.fixture
def thomas(db):
    """An English-speaking coordinator next to the German one."""
    return CoordinatorFactory(username="thomas", display_name="Thomas Hart", email="thomas@example.test", language="en")


@pytest.fixture
def full_case(pool, coordinator, thomas):
    """A case through notice, repeat, a failed channel, escalation, two acknowledgements, a status
    update, a call, the nudge and the resolution."""
    anna, bernd = pool[0], pool[1]
    make_week(MONDAY, alternating(anna, bernd), published=True)
    EscalationPolicy.objects.create(pk=1, renotify_seconds=300, renotify_count=1, nudge_after_minutes=20)
    UserChannel.objects.create(user=anna, kind="email", position=0)
    UserChannel.objects.create(user=anna, kind="apprise", url="json://127.0.0.1:9/", position=1)
    escalation = escalation_of(prio1_ticket(actor=bernd, now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    run_next(escalation, TUESDAY_1630 + timedelta(minutes=5))
    NotificationDelivery.objects.filter(event="escalation/prio1_notice", channel="email").update(
        status=DeliveryStatus.FAILED, attempts=1, last_error=NO_MAIL_ADDRESS
    )
    NotificationDelivery.objects.filter(event="escalation/prio1_notice", channel="apprise").update(
        status=DeliveryStatus.FAILED, attempts=1, last_error="Connection refused by 127.0.0.1:9"
    )
    services.escalation_deliveries_check(escalation_id=escalation.pk, now=TUESDAY_1630 + timedelta(minutes=6))
    run_next(escalation, TUESDAY_1630 + timedelta(minutes=10))
    services.escalation_acknowledge(
        escalation=escalation, actor=anna, via="link", now=TUESDAY_1630 + timedelta(minutes=11)
    )
    services.escalation_acknowledge(
        escalation=escalation, actor=bernd, via="page", now=TUESDAY_1630 + timedelta(minutes=12)
    )
    services.escalation_status_update_post(
        escalation=escalation, actor=anna, text="VPN steht, schaue Logs", now=TUESDAY_1630 + timedelta(minutes=13)
    )
    services.escalation_phone_call_log(
        escalation=escalation, actor=bernd, text="Kunde informiert", now=TUESDAY_1630 + timedelta(minutes=14)
    )
    services.escalation_nudge_run(escalation_id=escalation.pk, now=TUESDAY_1630 + timedelta(minutes=38))
    services.escalation_resolve(
        escalation=escalation, actor=anna, summary="Dienst neu gestartet", now=TUESDAY_1630 + timedelta(minutes=40)
    )
    return escalation


def test_the_services_store_codes_and_keep_peoples_words(full_case, pool, coordinator):
    anna = pool[0]
    rows = list(full_case.events.order_by("at", "id").values_list("kind", "detail_code", "detail_params", "text"))
    by_kind: dict[str, list[tuple[str, dict, str]]] = {}
    for kind, code, params, text in rows:
        by_kind.setdefault(kind, []).append((code, params, text))
    assert by_kind[EventKind.NOTIFIED] == [(EventDetail.STANDBY, {}, "")]
    assert by_kind[EventKind.RENOTIFIED] == [(EventDetail.STANDBY, {}, "")]
    assert by_kind[EventKind.UNREACHABLE] == [(EventDetail.ALL_CHANNELS_FAILED, {}, "")]
    escalated = {
        code for code, _params, _text in by_kind[EventKind.ESCALATED]
    }  # Anna hears again, the others for the first time
    assert escalated == {EventDetail.TOLD_BEFORE, EventDetail.ESCALATION}
    assert full_case.events.get(kind=EventKind.ESCALATED, detail_code=EventDetail.TOLD_BEFORE).recipient == anna
    assert by_kind[EventKind.ACKNOWLEDGED] == [(EventDetail.ACK_VIA, {"via": "link"}, "")]
    [(code, params, text)] = by_kind[EventKind.ACK_IGNORED]
    assert (code, params["via"], params["name"], text) == (EventDetail.ACK_AFTER_ACK, "page", "Anna Huber", "")
    assert by_kind[EventKind.PHONE_DUTY_NUDGED] == [(EventDetail.SILENT_MINUTES, {"minutes": 25}, "")]
    assert by_kind[EventKind.STATUS_UPDATE] == [("", {}, "VPN steht, schaue Logs")]
    assert by_kind[EventKind.PHONE_CALL] == [("", {}, "Kunde informiert")]
    assert by_kind[EventKind.RESOLVED] == [("", {}, "Dienst neu gestartet")]


def _timeline_html(client, user, escalation) -> str:
    client.force_login(user)
    response = client.get(reverse("escalation:detail", args=[escalation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # From the timeline on: the "Who to call" list above it carries duty codes in its CSS classes.
    return html[html.index('<ol class="timeline esc-timeline"') :]


def test_the_case_page_words_the_timeline_in_german(client, full_case, coordinator):
    html = _timeline_html(client, coordinator, full_case)
    for german in (
        "die diensthabende technische Bereitschaft",
        "alle Benachrichtigungskanäle sind fehlgeschlagen",
        "schon vorher benachrichtigt; erfährt jetzt, dass der Fall eskaliert ist",
        "erste Benachrichtigung, in der Eskalation",
        "über den Link in der Benachrichtigung",
        "über die Fallseite; Anna Huber hatte den Fall bereits um 16:41:00 quittiert, nichts geändert.",
        "Seit 25 Minuten keine Statusmeldung.",
        "VPN steht, schaue Logs",  # people's words as written
        "Dienst neu gestartet",
    ):
        assert german in html, german
    for english in ("told before", "every notice channel failed", "via link", "standby", "No status update"):
        assert english not in html, english


def test_the_case_page_words_the_timeline_in_english(client, full_case, thomas):
    html = _timeline_html(client, thomas, full_case)
    for english in (
        "the technical standby on duty",
        "every notice channel failed",
        "notified before; now told that the case is escalated",
        "first notice, in the escalation",
        "via the link in the notice",
        "via the case page; Anna Huber had acknowledged the case already at 16:41:00, nothing changed.",
        "No status update for 25 minutes.",
        "VPN steht, schaue Logs",  # as written, in whatever language it was written
    ):
        assert english in html, english
    for german in ("Bereitschaft", "fehlgeschlagen", "über den Link", "Statusmeldung."):
        assert german not in html, german


def test_the_unreachable_notice_is_worded_for_each_coordinator(full_case, coordinator, thomas):
    told = {d.recipient: d for d in NotificationDelivery.objects.filter(event="escalation/unreachable")}
    german, english = told[coordinator], told[thomas]
    assert "konnte nicht zugestellt werden: alle Benachrichtigungskanäle sind fehlgeschlagen." in german.body_text
    assert "die empfangende Person hat keine Mailadresse" in german.body_text  # the channel's own error, worded
    assert "Connection refused by 127.0.0.1:9" in german.body_text  # a server's error, as it came
    assert "every notice channel failed" not in german.body_text and "recipient has" not in german.body_text
    assert "could not be delivered: every notice channel failed." in english.body_text
    assert "recipient has no mail address" in english.body_text
    assert "alle Benachrichtigungskanäle" not in english.body_text
    assert "keine Mailadresse" in german.body_html and "no mail address" in english.body_html


def test_no_channel_at_all_is_worded_in_the_coordinators_language(pool, coordinator, thomas):
    anna = pool[0]
    anna.email = ""
    anna.save()
    make_week(MONDAY, alternating(anna, pool[1]), published=True)
    escalation = escalation_of(prio1_ticket(actor=pool[1], now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    told = {d.recipient: d for d in NotificationDelivery.objects.filter(event="escalation/unreachable")}
    assert "kein funktionierender Benachrichtigungskanal (keine Mailadresse)" in told[coordinator].body_text
    assert "no working notice channel (no mail address)" in told[thomas].body_text
    event = escalation.events.get(kind=EventKind.UNREACHABLE)
    assert (event.detail_code, event.text) == (EventDetail.NO_CHANNEL, "")


@pytest.mark.parametrize(
    ("code", "params", "german", "english"),
    [
        (EventDetail.NO_STANDBY, {}, "keine technische Bereitschaft veröffentlicht", "no technical standby published"),
        (
            EventDetail.NOBODY_TO_NOTIFY,
            {"reason": "policy_coordinator"},
            "Niemand zu benachrichtigen (außerhalb der Supportzeiten: die Koordinator/innen).",
            "Nobody to notify (outside the support windows: the coordinators).",
        ),
        (EventDetail.NOBODY_TO_ESCALATE, {}, "Niemand, an den eskaliert werden kann.", "Nobody to escalate to."),
        (EventDetail.POLICY_NOBODY, {}, "der Kunde erhält die automatische Antwort", "the customer gets the automatic"),
        (EventDetail.ACK_VIA, {"via": "api"}, "über die API", "via the API"),
        (EventDetail.ACK_VIA, {"via": "Telefonanlage"}, "über Telefonanlage", "via Telefonanlage"),
        (
            EventDetail.ACK_AFTER_RESOLVED,
            {"via": "link"},
            "über den Link in der Benachrichtigung; der Fall war bereits gelöst",
            "via the link in the notice; the case was already resolved",
        ),
        (
            EventDetail.ACK_AFTER_ACK,
            {"via": "page", "name": "Anna", "time": "16:31:00"},  # as the migration keeps an old entry
            "Anna hatte den Fall bereits um 16:31:00 quittiert",
            "Anna had acknowledged the case already at 16:31:00",
        ),
        (EventDetail.SILENT_MINUTES, {"minutes": 1}, "Seit 1 Minute keine", "No status update for 1 minute."),
        (
            EventDetail.STATUS_MAIL_SENT,
            {"subject": "[SD-1] Behoben", "to": ["a@x.example", "b@x.example"]},
            "„[SD-1] Behoben“ an a@x.example, b@x.example",
            "“[SD-1] Behoben” to a@x.example, b@x.example",
        ),
        (
            EventDetail.AUTO_ANSWER_SENT,
            {"subject": "Re: Ausfall", "to": ["eva@swr.example"], "resumes": "2026-12-02T08:00:00+00:00"},
            "„Re: Ausfall“ an eva@swr.example; der Support geht weiter am 2. Dezember 2026 09:00.",
            "“Re: Ausfall” to eva@swr.example; support resumes",
        ),
        (
            EventDetail.AUTO_ANSWER_NO_ADDRESS,
            {},
            "Nicht gesendet: der Ansprechpartner",
            "Not sent: the ticket's contact",
        ),
        (EventDetail.AUTO_ANSWER_REFUSED, {}, "nie automatisch beantwortet", "never answered automatically"),
        (EventDetail.AUTO_ANSWER_NOT_SENT, {"error": "550 no"}, "Nicht gesendet: 550 no", "Not sent: 550 no"),
    ],
)
def test_each_code_is_worded_in_both_languages(code, params, german, english):
    with translation.override("de"):
        assert german in detail_text(code=code, params=params)
    with translation.override("en"):
        assert english in detail_text(code=code, params=params)


def test_broken_parameters_fall_back_instead_of_failing():
    with translation.override("de"):
        assert detail_text(code=EventDetail.SILENT_MINUTES, params={}) == "Einige Minuten ohne Statusmeldung"
        assert detail_text(code=EventDetail.SILENT_MINUTES, params={"minutes": "viele"}, text="alt") == "alt"
        assert detail_text(code="gone_code", params={}, text="kept") == "kept"
        assert detail_text(code="", params=None, text="Eigene Worte") == "Eigene Worte"


LEGACY = [
    (EventKind.NOTIFIED, "standby", EventDetail.STANDBY, {}),
    (EventKind.RENOTIFIED, "no standby published: coordinator", EventDetail.NO_STANDBY, {}),
    (EventKind.NOTIFIED, "person", EventDetail.POLICY_PERSON, {}),
    (EventKind.NOTIFIED, "coordinator", EventDetail.POLICY_COORDINATOR, {}),
    (EventKind.ESCALATED, "told before", EventDetail.TOLD_BEFORE, {}),
    (EventKind.ESCALATED, "escalation", EventDetail.ESCALATION, {}),
    (
        EventKind.NO_RECIPIENT,
        "Outside the support windows the customer's policy names nobody: the customer gets the automatic answer.",
        EventDetail.POLICY_NOBODY,
        {},
    ),
    (
        EventKind.NO_RECIPIENT,
        "Nobody to notify (no standby published: coordinator).",
        EventDetail.NOBODY_TO_NOTIFY,
        {"reason": "no_standby"},
    ),
    (EventKind.NO_RECIPIENT, "Nobody to escalate to.", EventDetail.NOBODY_TO_ESCALATE, {}),
    (EventKind.UNREACHABLE, "no working notice channel (no mail address)", EventDetail.NO_CHANNEL, {}),
    (EventKind.UNREACHABLE, "every notice channel failed", EventDetail.ALL_CHANNELS_FAILED, {}),
    (EventKind.ACKNOWLEDGED, "via case page", EventDetail.ACK_VIA, {"via": "page"}),
    (EventKind.ACKNOWLEDGED, "via API", EventDetail.ACK_VIA, {"via": "api"}),
    (EventKind.ACK_IGNORED, "via link: The case is already resolved.", EventDetail.ACK_AFTER_RESOLVED, {"via": "link"}),
    (
        EventKind.ACK_IGNORED,
        "via case page: Anna Huber hat diesen Fall bereits um 16:31:00 quittiert; nichts geändert.",
        EventDetail.ACK_AFTER_ACK,
        {"via": "page", "name": "Anna Huber", "time": "16:31:00"},
    ),
    (EventKind.PHONE_DUTY_NUDGED, "No status update for 25 minutes.", EventDetail.SILENT_MINUTES, {"minutes": 25}),
    (
        EventKind.STATUS_MAIL,
        "[SD-2026-00001] Wir arbeiten daran: Leitsystem steht → eva@acme.example, max@acme.example",
        EventDetail.STATUS_MAIL_SENT,
        {
            "subject": "[SD-2026-00001] Wir arbeiten daran: Leitsystem steht",
            "to": ["eva@acme.example", "max@acme.example"],
        },
    ),
    (
        EventKind.AUTO_ANSWER,
        "Not sent: the ticket's contact has no mail address.",
        EventDetail.AUTO_ANSWER_NO_ADDRESS,
        {},
    ),
    (
        EventKind.AUTO_ANSWER,
        "Not sent: Eine automatische Mail wird nie automatisch beantwortet.",
        EventDetail.AUTO_ANSWER_REFUSED,
        {},
    ),
    (
        EventKind.AUTO_ANSWER,
        "Not sent: Der Mailserver hat die Mail nicht angenommen: 451",
        EventDetail.AUTO_ANSWER_NOT_SENT,
        {"error": "Der Mailserver hat die Mail nicht angenommen: 451"},
    ),
    (
        EventKind.AUTO_ANSWER,
        "Ihre Meldung mit Prio 1: Ausfall → eva@swr.example (support resumes 2026-12-02T09:00:00+01:00)",
        EventDetail.AUTO_ANSWER_SENT,
        {
            "subject": "Ihre Meldung mit Prio 1: Ausfall",
            "to": ["eva@swr.example"],
            "resumes": "2026-12-02T09:00:00+01:00",
        },
    ),
]
KEPT = [
    (EventKind.STATUS_UPDATE, "told before"),  # a person's words, even when they look like a code's
    (EventKind.PHONE_CALL, "Kunde informiert"),
    (EventKind.RESOLVED, "Dienst neu gestartet"),
    (EventKind.NO_RECIPIENT, "Nobody to notify (someone new)."),  # an unknown reason: kept as it was
    (EventKind.ACKNOWLEDGED, "via carrier pigeon"),
    (EventKind.ACK_IGNORED, "via link: something else"),
]


def test_the_data_migration_maps_the_old_english_texts_and_keeps_the_rest(pool, coordinator, client):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    rows = [(kind, text) for kind, text, _code, _params in LEGACY] + KEPT
    events = [
        EscalationEvent.objects.create(escalation=escalation, kind=kind, at=TUESDAY_1630, text=text)
        for kind, text in rows
    ]
    MIGRATION.forwards(django_apps, None)
    for event, (_kind, _text, code, params) in zip(events, LEGACY, strict=False):
        event.refresh_from_db()
        assert (event.detail_code, event.detail_params, event.text) == (code, params, "")
    for event, (_kind, text) in zip(events[len(LEGACY) :], KEPT, strict=True):
        event.refresh_from_db()
        assert (event.detail_code, event.text) == ("", text)
    html = _timeline_html(client, coordinator, escalation)  # every mapped entry reads in German
    assert html.count("told before") == 1  # only the status update that says so
    assert "every notice channel failed" not in html and "schon vorher benachrichtigt" in html
    assert "Der Mailserver hat die Mail nicht angenommen: 451" in html
    assert "Anna Huber hatte den Fall bereits um 16:31:00 quittiert" in html

    MIGRATION.backwards(django_apps, None)
    for event, (_kind, text) in zip(events, rows, strict=True):
        event.refresh_from_db()
        expected = text
        if text.startswith("via case page: Anna Huber hat"):  # the German message comes back in English
            expected = "via case page: Anna Huber acknowledged this case already at 16:31:00; nothing changed."
        if text == "Not sent: Eine automatische Mail wird nie automatisch beantwortet.":
            expected = "Not sent: An automatic mail is never answered automatically."
        assert (event.detail_code, event.text) == ("", expected)


def test_nobody_to_notify_names_why_in_the_readers_language(pool, client):
    make_week(MONDAY, [(pool[1], None)] * 5, published=True)  # no standby, and no coordinator at all
    escalation = escalation_of(prio1_ticket(actor=pool[1], now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    event = EscalationEvent.objects.get(escalation=escalation, kind=EventKind.NO_RECIPIENT)
    event.refresh_from_db()  # as stored (JSON), not as built
    assert (event.detail_code, event.detail_params) == (EventDetail.NOBODY_TO_NOTIFY, {"reason": "no_standby"})
    html = _timeline_html(client, pool[1], escalation)
    assert "Niemand zu benachrichtigen (keine technische Bereitschaft veröffentlicht: die Koordinator/innen)." in html
