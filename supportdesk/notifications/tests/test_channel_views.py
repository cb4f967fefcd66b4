"""The "My notification channels" page: list, add, reorder, remove, test."""

import pytest
from django.tasks import default_task_backend
from django.urls import reverse

from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery, UserChannel
from supportdesk.notifications.services import delivery_attempt, user_channel_create

pytestmark = pytest.mark.django_db
URL = "/notices/channels/"


def test_login_required(client):
    assert client.get(URL).status_code == 302


def test_add_mail_apprise_and_webhook_secret_shown_once(client, agent):
    client.force_login(agent)
    client.post(URL, {"kind": "email"})
    client.post(URL, {"kind": "apprise", "url": "ntfy://ntfy.sh/sd-test", "label": "Handy"})
    page = client.post(URL, {"kind": "webhook", "url": "https://example.org/hook"}).content.decode()
    rows = list(UserChannel.objects.filter(user=agent).order_by("position"))
    assert [r.kind for r in rows] == ["email", "apprise", "webhook"]
    assert [r.position for r in rows] == [0, 1, 2]
    secret = rows[2].secret
    assert len(secret) >= 16 and secret in page
    again = client.get(URL).content.decode()
    assert secret not in again and "Handy" in again
    assert "<script>" not in again and " style=" not in again and "hx-on" not in again


def test_unparseable_apprise_url_is_refused_with_the_reason(client, agent):
    client.force_login(agent)
    response = client.post(URL, {"kind": "apprise", "url": "nonsense://nowhere"})
    assert response.status_code == 400
    assert "Apprise versteht diese URL nicht" in response.content.decode()  # the reason, in German
    assert not UserChannel.objects.filter(user=agent).exists()


def test_reorder_and_remove(client, agent):
    a = user_channel_create(user=agent, kind="email")
    b = user_channel_create(user=agent, kind="apprise", url="ntfy://ntfy.sh/sd-test")
    client.force_login(agent)
    client.post(reverse("notifications:channel_move", args=[b.pk, "up"]))
    assert list(UserChannel.objects.filter(user=agent).order_by("position").values_list("pk", flat=True)) == [
        b.pk,
        a.pk,
    ]
    client.post(reverse("notifications:channel_move", args=[b.pk, "up"]))  # already first: nothing changes
    client.post(reverse("notifications:channel_move", args=[b.pk, "down"]))
    assert list(UserChannel.objects.filter(user=agent).order_by("position").values_list("pk", flat=True)) == [
        a.pk,
        b.pk,
    ]
    client.post(reverse("notifications:channel_delete", args=[a.pk]))
    assert list(UserChannel.objects.filter(user=agent).values_list("pk", flat=True)) == [b.pk]


def test_someone_elses_channel_is_404(client, agent, coordinator):
    other = user_channel_create(user=coordinator, kind="email")
    client.force_login(agent)
    assert client.post(reverse("notifications:channel_delete", args=[other.pk])).status_code == 404
    assert client.post(reverse("notifications:channel_test", args=[other.pk])).status_code == 404
    assert UserChannel.objects.filter(pk=other.pk).exists()


def test_test_button_queues_a_test_and_shows_the_outcome(client, agent, smtp_sink):
    channel = user_channel_create(user=agent, kind="email")
    client.force_login(agent)
    page = client.post(reverse("notifications:channel_test", args=[channel.pk])).content.decode()
    delivery = NotificationDelivery.objects.get(recipient=agent, event="test_notice")
    assert [r.kwargs for r in default_task_backend.results] == [{"delivery_id": delivery.pk}]
    outcome_url = reverse("notifications:channel_test_outcome", args=[delivery.pk])
    assert outcome_url in page and 'hx-trigger="every 2s"' in page
    delivery_attempt(delivery_id=delivery.pk)
    assert NotificationDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT
    part = client.get(outcome_url, headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith('<div id="test-outcome"') and "every 2s" not in part
    assert smtp_sink.wait_for(1)[0]["To"] == agent.email


def test_failed_test_shows_the_reason(client, agent):
    channel = user_channel_create(user=agent, kind="webhook", url="http://127.0.0.1:9/", secret="x" * 20)
    client.force_login(agent)
    client.post(reverse("notifications:channel_test", args=[channel.pk]))
    delivery = NotificationDelivery.objects.get(recipient=agent, event="test_notice")
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, last_error="HTTP 404")
    part = client.get(reverse("notifications:channel_test_outcome", args=[delivery.pk])).content.decode()
    assert "HTTP 404" in part


def test_profile_links_to_the_channels(client, agent):
    client.force_login(agent)
    assert URL in client.get(reverse("accounts:profile")).content.decode()
