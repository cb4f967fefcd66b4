"""Absences (R6, R7): cover state of vacations, sick reports, the iCalendar import."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.core.exceptions import DomainError, PermissionDenied
from supportdesk.roster import selectors, services
from supportdesk.roster.models import (
    Absence,
    AssignmentChange,
    ChangeReason,
    Duty,
    RosterWeek,
    SwapRequest,
    SwapStatus,
)
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)
PHONE, STANDBY = Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def week(pool):
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


def holder(day: date, code: str):
    return selectors.holders_on(day=day)[code].user


def test_vacation_hitting_no_duty_is_confirmed(pool, week):
    absence = services.absence_create(actor=pool[2], user=pool[2], kind="vacation", start=MONDAY, end=TUESDAY)
    cover = selectors.absence_cover(absence)
    assert (cover.status, cover.uncovered) == ("confirmed", [])


def test_vacation_is_cover_missing_until_a_takeover_covers_it(pool, week):
    anna, clara = pool[0], pool[2]
    absence = services.absence_create(actor=anna, user=anna, kind="vacation", start=MONDAY, end=TUESDAY, now=NOW)

    cover = selectors.absence_cover(absence)
    assert cover.status == "cover_missing"
    assert cover.uncovered == [(MONDAY, PHONE), (TUESDAY, STANDBY)]
    assert holder(MONDAY, PHONE) == anna  # a vacation keeps the duties until someone takes them (R6)

    request = services.swap_request_create(actor=anna, day=MONDAY, duty=Duty.objects.get(code=PHONE), now=NOW)
    services.swap_request_accept(actor=clara, request=request, now=NOW)
    assert selectors.absence_cover(absence).uncovered == [(TUESDAY, STANDBY)]

    request = services.swap_request_create(
        actor=anna, day=TUESDAY, duty=Duty.objects.get(code=STANDBY), candidate=clara, now=NOW
    )
    services.swap_request_accept(actor=clara, request=request, now=NOW)
    cover = selectors.absence_cover(absence)
    assert (cover.status, cover.uncovered) == ("covered", [])


def test_a_duty_opened_by_the_coordinator_is_still_uncovered(coordinator, pool, week):
    anna = pool[0]
    absence = services.absence_create(actor=coordinator, user=anna, kind="other", start=MONDAY, end=MONDAY)
    services.assignment_set(
        actor=coordinator, day=MONDAY, duty=Duty.objects.get(code=PHONE), user=None, reason="Anna weg"
    )
    assert selectors.absence_cover(absence).uncovered == [(MONDAY, PHONE)]
    services.assignment_set(
        actor=coordinator, day=MONDAY, duty=Duty.objects.get(code=PHONE), user=pool[3], reason="David"
    )
    assert selectors.absence_cover(absence).status == "covered"


def test_only_the_person_or_a_coordinator_enters_an_absence(pool, coordinator):
    with pytest.raises(PermissionDenied):
        services.absence_create(actor=pool[1], user=pool[0], kind="vacation", start=MONDAY, end=MONDAY)
    services.absence_create(actor=coordinator, user=pool[0], kind="vacation", start=MONDAY, end=MONDAY)
    assert Absence.objects.count() == 1


def test_overlapping_absence_is_refused_and_nothing_written(pool):
    anna = pool[0]
    services.absence_create(actor=anna, user=anna, kind="vacation", start=MONDAY, end=TUESDAY)
    with pytest.raises(DomainError, match="overlap"):
        services.absence_create(actor=anna, user=anna, kind="sick", start=TUESDAY, end=date(2026, 12, 4))
    assert Absence.objects.count() == 1


def test_end_before_start_is_refused(pool):
    with pytest.raises(DomainError, match="before it starts"):
        services.absence_create(actor=pool[0], user=pool[0], kind="vacation", start=TUESDAY, end=MONDAY)
    with pytest.raises(DomainError, match="kind"):
        services.absence_create(actor=pool[0], user=pool[0], kind="holiday", start=MONDAY, end=MONDAY)
    assert not Absence.objects.exists()


def test_sick_report_frees_duties_at_once_and_offers_them_fairest_first(coordinator, pool, week):
    anna, bernd = pool[0], pool[1]
    # Clara already served twice this month: the others come first.
    make_week(date(2026, 11, 16), [(pool[2], pool[3]), (pool[3], pool[2])], published=True)

    absence = services.absence_create(actor=anna, user=anna, kind="sick", start=MONDAY, end=TUESDAY, now=NOW)

    assert holder(MONDAY, PHONE) is None and holder(TUESDAY, STANDBY) is None
    assert holder(MONDAY, STANDBY) == bernd
    assert {(a.date, a.duty.code) for a in selectors.open_assignments(start=MONDAY, end=TUESDAY)} == {
        (MONDAY, PHONE),
        (TUESDAY, STANDBY),
    }
    week = RosterWeek.objects.get(pk=week.pk)
    assert week.version == 2
    changes = AssignmentChange.objects.order_by("date")
    assert [(c.date, c.old_user, c.new_user, c.version) for c in changes] == [
        (MONDAY, anna, None, 2),
        (TUESDAY, anna, None, 2),
    ]
    assert {(c.reason_code, c.reason) for c in changes} == {(ChangeReason.SICK_REPORT, "")}
    assert changes[0].reason_params == {"start": absence.start.isoformat(), "end": absence.end.isoformat()}
    offers = SwapRequest.objects.filter(absence=absence).order_by("date")
    assert [(o.date, o.duty.code, o.status, o.requester) for o in offers] == [
        (MONDAY, PHONE, "open", None),
        (TUESDAY, STANDBY, "open", None),
    ]
    ranked = [pool_user.username for pk in offers[0].offered_to for pool_user in pool if pool_user.pk == pk]
    assert "anna" not in ranked and "bernd" not in ranked  # the sick one and the day's other holder
    assert ranked[-2:] == ["clara", "david"]  # most duties over the horizon come last
    assert set(ranked[:2]) == {"eva", "felix"}
    assert pool[4].notifications.filter(event="roster/swap_requested").count() == 2
    assert coordinator.notifications.filter(event="roster/duty_opened").exists()
    assert selectors.absence_cover(absence).status == "cover_missing"

    services.swap_request_accept(actor=pool[4], request=offers[0], now=NOW)
    services.swap_request_accept(actor=pool[3], request=offers[1], now=NOW)
    assert holder(MONDAY, PHONE) == pool[4]
    assert selectors.absence_cover(absence).status == "covered"


def test_sick_report_withdraws_the_sick_persons_open_requests(pool, week):
    anna = pool[0]
    request = services.swap_request_create(actor=anna, day=MONDAY, duty=Duty.objects.get(code=PHONE), now=NOW)
    services.absence_create(actor=anna, user=anna, kind="sick", start=MONDAY, end=MONDAY, now=NOW)
    request.refresh_from_db()
    assert request.status == SwapStatus.WITHDRAWN
    assert SwapRequest.objects.filter(status="open", date=MONDAY, requester__isnull=True).count() == 1


# --- iCalendar import ----------------------------------------------------------------------------

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:urlaub-1@example.test\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20261130\r
DTEND;VALUE=DATE:20261202\r
SUMMARY:Urlaub\r
ORGANIZER:mailto:ANNA@example.test\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:urlaub-2@example.test\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20261207\r
DTEND;VALUE=DATE:20261208\r
SUMMARY:Urlaub clara@example.test\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:urlaub-3@example.test\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20261207\r
SUMMARY:Urlaub\r
ATTENDEE;CN=Fremd:mailto:nobody@elsewhere.test\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:meeting-4@example.test\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261207T100000Z\r
DTEND:20261207T110000Z\r
SUMMARY:Termin bernd@example.test\r
END:VEVENT\r
END:VCALENDAR\r
"""


def absences():
    return sorted((a.user.username, a.start, a.end, a.external_uid) for a in Absence.objects.all())


def test_ical_import_twice_gives_the_same_absences(coordinator, pool, week):
    report = services.absences_import_ical(actor=coordinator, data=ICS, now=NOW)
    assert [a.user.username for a in report.created] == ["anna", "clara"]
    assert {u["uid"]: u["reason"] for u in report.unmatched} == {
        "urlaub-3@example.test": "no user with that mail address",
        "meeting-4@example.test": "not an all-day event",
    }
    first = absences()
    assert first == [
        ("anna", MONDAY, TUESDAY, "urlaub-1@example.test"),  # DTEND is exclusive
        ("clara", date(2026, 12, 7), date(2026, 12, 7), "urlaub-2@example.test"),
    ]
    anna_absence = Absence.objects.get(user=pool[0])
    assert selectors.absence_cover(anna_absence).status == "cover_missing"

    again = services.absences_import_ical(actor=coordinator, data=ICS, now=NOW)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 2)
    assert absences() == first


def test_ical_import_moves_a_changed_event(coordinator, pool):
    services.absences_import_ical(actor=coordinator, data=ICS)
    moved = ICS.replace(b"DTEND;VALUE=DATE:20261202", b"DTEND;VALUE=DATE:20261204")
    report = services.absences_import_ical(actor=coordinator, data=moved)
    assert [a.external_uid for a in report.updated] == ["urlaub-1@example.test"]
    assert Absence.objects.get(user=pool[0]).end == date(2026, 12, 3)
    assert Absence.objects.count() == 2


@pytest.mark.parametrize("data", [b"", b"hello world", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nnonsense"])
def test_a_file_that_is_not_icalendar_is_refused_and_nothing_written(coordinator, pool, data):
    with pytest.raises(DomainError, match="iCalendar"):
        services.absences_import_ical(actor=coordinator, data=data)
    assert not Absence.objects.exists()


def test_ical_import_needs_a_coordinator(pool):
    with pytest.raises(PermissionDenied):
        services.absences_import_ical(actor=pool[0], data=ICS)


def test_import_absences_command(tmp_path, pool, capsys):
    UserFactory(username="x", email="x@example.test")
    path = tmp_path / "urlaub.ics"
    path.write_bytes(ICS)
    call_command("import_absences", str(path))
    out = capsys.readouterr().out
    assert "2 created" in out
    assert Absence.objects.count() == 2
