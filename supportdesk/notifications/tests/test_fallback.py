"""An ordinary notice goes to the recipient's first channel; when it fails for good the next one
takes over, and when the last one fails the coordinators are told (once, never about their own
"could not reach" notice). Prio 1 notices, explicit channels and the test button never fall back."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.tasks import default_task_backend
from django.utils import timezone

from supportdesk.accounts.models import Role
from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery, UserChannel
from supportdesk.notifications.services import (
    FALLBACK_AFTER_RETRIES,
    RETRY_DELAYS,
    UNREACHABLE_TEMPLATE,
    delivery_attempt,
    notify,
    quiet_hours_set,
    user_channel_create,
    user_channel_test,
)

pytestmark = pytest.mark.django_db

DEAD_APPRISE_URL = "json://127.0.0.1:9/hook"
"""Apprise understands it (saving succeeds), but nothing listens on the discard port: every send fails."""


def _notice(user):
    [delivery] = notify(recipient=user, template="test_notice", context={"recipient": user})
    return delivery


def _fail_until_given_up(delivery):
    """Attempt ``delivery`` until it is no longer pending or retrying; the number of attempts."""
    attempts = 0
    while NotificationDelivery.objects.get(pk=delivery.pk).status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
        delivery_attempt(delivery_id=delivery.pk)
        attempts += 1
        assert attempts <= len(RETRY_DELAYS) + 1
    return attempts


def test_an_ordinary_notice_goes_to_the_first_channel_only(agent):
    user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    delivery = _notice(agent)
    assert (delivery.channel, delivery.falls_back, delivery.fallback_of) == ("apprise", True, None)
    assert NotificationDelivery.objects.count() == 1


def test_without_channels_an_ordinary_notice_goes_by_mail(agent):
    delivery = _notice(agent)
    assert (delivery.channel, delivery.address, delivery.falls_back) == ("email", agent.email, True)


def test_a_failing_apprise_url_falls_back_to_mail_delivered_once(agent, coordinator, smtp_sink):
    apprise = user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    first = _notice(agent)

    assert _fail_until_given_up(first) == FALLBACK_AFTER_RETRIES + 1  # a few retries, then the next channel
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED and first.last_error
    assert first.address == apprise.delivery_address
    fallback = first.fallback
    assert (fallback.channel, fallback.address, fallback.status) == ("email", agent.email, DeliveryStatus.PENDING)
    assert fallback.subject == first.subject and fallback.body_text == first.body_text
    assert default_task_backend.results[-1].kwargs == {"delivery_id": fallback.pk}

    delivery_attempt(delivery_id=fallback.pk)
    delivery_attempt(delivery_id=fallback.pk)  # a duplicate task sends nothing
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == agent.email and message["Subject"] == first.subject
    fallback.refresh_from_db()
    assert fallback.status == DeliveryStatus.SENT
    assert NotificationDelivery.objects.count() == 2  # nobody else was told anything
    assert len(smtp_sink.messages) == 1


def test_a_removed_channel_falls_back_at_once(agent):
    apprise = user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    first = _notice(agent)
    apprise.delete()  # a permanent failure: no retries
    delivery_attempt(delivery_id=first.pk)
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED and first.attempts == 1
    assert first.fallback.channel == "email"


def test_all_channels_failing_tell_the_coordinator_once(agent, coordinator, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    agent.email = ""  # mail fails for good at once
    agent.save()
    user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    first = _notice(agent)
    _fail_until_given_up(first)
    second = NotificationDelivery.objects.get(fallback_of=first)
    delivery_attempt(delivery_id=second.pk)
    second.refresh_from_db()
    assert second.status == DeliveryStatus.FAILED and "no mail address" in second.last_error

    [told] = NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE)
    assert told.recipient == coordinator and told.channel == "email"
    assert "Jonas Berger" in told.subject and first.subject in told.subject
    assert "Apprise" in told.body_text
    assert "die empfangende Person hat keine Mailadresse" in told.body_text  # our own error, in German
    assert "/notices/?status=failed" in told.body_text

    delivery_attempt(delivery_id=second.pk)  # a repeated task after the end changes nothing
    delivery_attempt(delivery_id=first.pk)
    assert NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE).count() == 1
    assert NotificationDelivery.objects.count() == 3


def test_the_deputy_is_told_when_no_coordinator_is_there(agent, settings):
    agent.email = ""
    agent.save()
    deputy = UserFactory(username="dora", email="dora@example.test", role=Role.COORDINATOR, is_deputy=True)
    delivery_attempt(delivery_id=_notice(agent).pk)
    [told] = NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE)
    assert told.recipient == deputy


def test_a_failed_could_not_reach_notice_is_not_reported_in_turn(agent, coordinator):
    agent.email = ""
    agent.save()
    coordinator.email = ""
    coordinator.save()
    delivery_attempt(delivery_id=_notice(agent).pk)
    [told] = NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE)
    delivery_attempt(delivery_id=told.pk)
    told.refresh_from_db()
    assert told.status == DeliveryStatus.FAILED
    assert NotificationDelivery.objects.count() == 2


def test_a_coordinator_who_cannot_be_reached_is_not_told_about_themselves(coordinator):
    coordinator.email = ""
    coordinator.save()
    delivery_attempt(delivery_id=_notice(coordinator).pk)
    assert not NotificationDelivery.objects.filter(event=UNREACHABLE_TEMPLATE).exists()


def test_the_test_button_tests_exactly_that_channel(agent, coordinator):
    apprise = user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    delivery = user_channel_test(channel=apprise)
    assert _fail_until_given_up(delivery) == len(RETRY_DELAYS) + 1  # every retry, then failed
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert NotificationDelivery.objects.count() == 1  # no mail instead, nobody told


def test_explicit_channels_do_not_fall_back(agent, coordinator):
    agent.email = ""
    agent.save()
    user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, channel_names=["email"])
    assert not delivery.falls_back
    delivery_attempt(delivery_id=delivery.pk)
    assert NotificationDelivery.objects.count() == 1


def test_urgent_notices_go_to_every_channel_at_once_without_fallback(agent):
    user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    deliveries = notify(
        recipient=agent, template="test_notice", context={"recipient": agent}, channel_names=None, urgent=True
    )
    assert [(d.channel, d.falls_back) for d in deliveries] == [("apprise", False), ("email", False)]


def test_the_next_channel_waits_for_quiet_hours_too(agent):
    apprise = user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    tz = ZoneInfo(agent.time_zone)
    local = timezone.now().astimezone(tz)
    quiet_hours_set(user=agent, start=(local - timedelta(hours=1)).time(), end=(local + timedelta(hours=1)).time())
    first = _notice(agent)
    assert first.next_attempt_at is not None  # held until the quiet hours end
    quiet_end = first.next_attempt_at
    apprise.delete()
    delivery_attempt(delivery_id=first.pk)  # as if the task ran early: the next channel still waits
    fallback = NotificationDelivery.objects.get(fallback_of=first)
    assert fallback.next_attempt_at == quiet_end
    assert default_task_backend.results[-1].task.run_after == quiet_end


def test_an_inactive_channel_is_skipped(agent):
    apprise = user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    webhook = user_channel_create(user=agent, kind="webhook", url="https://example.org/hook", secret="s" * 20)
    user_channel_create(user=agent, kind="email")
    UserChannel.objects.filter(pk=webhook.pk).update(active=False)
    first = _notice(agent)
    apprise.delete()
    delivery_attempt(delivery_id=first.pk)
    assert NotificationDelivery.objects.get(fallback_of=first).channel == "email"


def test_the_log_shows_the_way_through_the_channels(client, agent, coordinator, django_assert_max_num_queries):
    apprise = user_channel_create(user=agent, kind="apprise", url=DEAD_APPRISE_URL)
    user_channel_create(user=agent, kind="email")
    firsts = [_notice(agent) for _ in range(5)]
    apprise.delete()
    for first in firsts:
        delivery_attempt(delivery_id=first.pk)
    client.force_login(coordinator)
    with django_assert_max_num_queries(9):
        page = client.get("/notices/").content.decode()
    fallback = firsts[0].fallback
    assert f'id="delivery-{fallback.pk}"' in page
    assert f"statt Nr. {firsts[0].pk} (apprise)" in page  # on the fallback's row, in German
    assert f"weiter als Nr. {fallback.pk} (email)" in page  # on the failed row
