"""The coordinators' "could not reach" notice comes at most once per coordinator and person within
``SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES``: later failures are linked to it in the log instead."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from supportdesk.accounts.tests.factories import CoordinatorFactory, UserFactory
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import (
    UNREACHABLE_TEMPLATE,
    delivery_attempt,
    notify,
    unreachable_notice_period,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(agent):
    """Jonas, whose only channel (mail) fails for good at once: no address."""
    agent.email = ""
    agent.save()
    return agent


def fail_a_notice(user) -> NotificationDelivery:
    [delivery] = notify(recipient=user, template="test_notice", context={"recipient": user})
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    return delivery


def told(coordinator=None) -> list[NotificationDelivery]:
    rows = NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE).order_by("pk")
    if coordinator is not None:
        rows = rows.filter(recipient=coordinator)
    return list(rows)


def test_later_failures_within_the_hour_are_logged_but_not_told(broken, coordinator):
    first = fail_a_notice(broken)
    [notice] = told()
    assert (notice.recipient, notice.about) == (coordinator, first)
    later = [fail_a_notice(broken) for _ in range(3)]
    assert told() == [notice]  # no new notice
    for failure in later:
        assert list(failure.covered_by.all()) == [notice]
        assert not failure.unreachable_notices.exists()
    assert set(notice.coalesced.all()) == set(later)


def test_after_the_period_the_coordinator_is_told_again(broken, coordinator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail_a_notice(broken)
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        fail_a_notice(broken)
    assert len(told()) == 1
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        third = fail_a_notice(broken)
    assert len(told()) == 2
    assert told()[-1].about == third and not third.covered_by.exists()


def test_each_person_and_each_coordinator_counts_on_its_own(broken, coordinator):
    other = UserFactory(username="lena", display_name="Lena Roth", email="")
    fail_a_notice(broken)
    fail_a_notice(other)
    assert [n.about.recipient for n in told()] == [broken, other]  # another person: told at once
    late = CoordinatorFactory(username="ute", display_name="Ute Vogt", email="ute@example.test")
    failure = fail_a_notice(broken)
    # Horst heard of Jonas a moment ago; Ute, coordinator only since then, hears now.
    assert [n.recipient for n in failure.unreachable_notices.all()] == [late]
    assert [n.recipient for n in failure.covered_by.all()] == [coordinator]


def test_the_period_is_a_setting(broken, coordinator, settings):
    assert unreachable_notice_period() == timedelta(minutes=60)  # the default
    settings.SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES = 0  # tell of every failure
    fail_a_notice(broken)
    fail_a_notice(broken)
    assert len(told()) == 2
    settings.SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES = 5
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        fail_a_notice(broken)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        fail_a_notice(broken)
    assert len(told()) == 3


@pytest.mark.parametrize("value", [-1, "60", 1.5, None, True])
def test_a_bad_period_setting_says_what_is_wrong(settings, value):
    settings.SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES = value
    with pytest.raises(ImproperlyConfigured, match="SUPPORTDESK_UNREACHABLE_NOTICE_MINUTES must be a whole number"):
        unreachable_notice_period()


def test_the_notice_is_worded_in_each_coordinators_language(broken, coordinator):
    thomas = CoordinatorFactory(username="thomas", display_name="Thomas Hart", email="t@example.test", language="en")
    fail_a_notice(broken)
    german, english = told(coordinator)[0], told(thomas)[0]
    assert "die empfangende Person hat keine Mailadresse" in german.body_text
    assert "in den nächsten 60 Minuten nur protokolliert" in german.body_text
    assert "recipient has" not in german.body_text and "minutes" not in german.body_text
    assert "recipient has no mail address" in english.body_text
    assert "during the next 60 minutes are only logged" in english.body_text
    assert "keine Mailadresse" in german.body_html and "recipient has no mail address" in english.body_html


def test_the_log_shows_which_failures_a_notice_stands_for(client, broken, coordinator, django_assert_max_num_queries):
    first = fail_a_notice(broken)
    later = [fail_a_notice(broken) for _ in range(2)]
    [notice] = told()
    client.force_login(coordinator)
    with django_assert_max_num_queries(11):
        page = client.get("/notices/").content.decode()
    assert f"zu Nr. {first.pk}" in page  # on the notice's row
    assert "steht auch für 2 spätere fehlgeschlagene Benachrichtigungen (keine neue Benachrichtigung)" in page
    assert f'<a href="#delivery-{later[0].pk}">{later[0].pk}</a>' in page
    assert "kurz zuvor informiert, keine neue Benachrichtigung" in page  # on the later failures' rows
    assert f'<a href="#delivery-{notice.pk}">Nr. {notice.pk}</a>' in page
    assert "keine Mailadresse" in page and "recipient has no mail address" not in page  # errors worded too

    coordinator.language = "en"
    coordinator.save()
    page = client.get("/notices/").content.decode()
    assert "also stands for 2 later failures (no new notice)" in page
    assert "told shortly before, no new notice" in page and "recipient has no mail address" in page
