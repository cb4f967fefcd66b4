"""The duty holder's number as callers need it (R10, R16): ``roster.contacts``."""

from datetime import date

import pytest

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.roster.contacts import Contact, tel_uri
from supportdesk.roster.models import Assignment, Duty
from supportdesk.roster.tests.plans import make_week

MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("typed", "uri"),
    [
        ("0941 555-0100", "tel:+499415550100"),
        ("+49 170 5550014", "tel:+491705550014"),
        ("(0941) 55 50 100", "tel:+499415550100"),
        ("+43 1 5555 0100", "tel:+43155550100"),
        ("Zentrale: +49 ?", "tel:+49"),  # not a number phonenumbers can read: keep only digits and "+"
    ],
)
def test_tel_uri_gives_e164_for_what_people_type(typed, uri):
    assert tel_uri(typed) == uri


@pytest.mark.django_db
def test_contact_of_reads_the_number_the_duty_names():
    phone_holder = UserFactory(office_phone="0941 555-0101", mobile="0170 5550101")
    standby_holder = UserFactory(office_phone="0941 555-0102", mobile="0170 5550102")
    make_week(MONDAY, [(phone_holder, standby_holder)], published=True)
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    standby = Duty.objects.get(code=Duty.TECHNICAL_STANDBY)
    standby.contact_field = "mobile"
    standby.save(update_fields=["contact_field"])

    at_desk = Contact.of(phone, Assignment.objects.get(date=MONDAY, duty=phone))
    assert (at_desk.user, at_desk.number, at_desk.tel) == (phone_holder, "0941 555-0101", "tel:+499415550101")
    assert at_desk.planned and not at_desk.is_substitute
    on_the_road = Contact.of(standby, Assignment.objects.get(date=MONDAY, duty=standby))
    assert (on_the_road.user, on_the_road.number, on_the_road.tel) == (
        standby_holder,
        "0170 5550102",
        "tel:+491705550102",
    )


@pytest.mark.django_db
def test_contact_of_an_open_or_unplanned_duty_or_a_holder_without_number():
    nobody_reachable = UserFactory(office_phone="", mobile="")
    make_week(MONDAY, [(None, nobody_reachable)])
    phone = Duty.objects.get(code=Duty.PHONE_DUTY)
    standby = Duty.objects.get(code=Duty.TECHNICAL_STANDBY)

    open_duty = Contact.of(phone, Assignment.objects.get(date=MONDAY, duty=phone))
    assert (open_duty.user, open_duty.number, open_duty.tel, open_duty.planned) == (None, "", "", True)
    unplanned = Contact.of(phone, None)
    assert (unplanned.user, unplanned.planned) == (None, False)
    no_number = Contact.of(standby, Assignment.objects.get(date=MONDAY, duty=standby))
    assert (no_number.user, no_number.number, no_number.tel) == (nobody_reachable, "", "")


@pytest.mark.django_db
def test_contact_of_marks_a_substitute():
    regular, substitute = UserFactory(), UserFactory()
    make_week(MONDAY, [(regular, substitute)])
    standby = Duty.objects.get(code=Duty.TECHNICAL_STANDBY)
    Assignment.objects.filter(date=MONDAY, duty=standby).update(is_substitute=True)
    assert Contact.of(standby, Assignment.objects.get(date=MONDAY, duty=standby)).is_substitute
