import pytest

from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_coordinator_sees_every_notice_and_its_status(client, coordinator, agent):
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent})
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, last_error="550 no such user"
    )
    client.force_login(coordinator)
    body = client.get("/notices/").content.decode()
    assert "Jonas Berger" in body and "550 no such user" in body
    assert "wartet auf einen neuen Versuch" in body or "fehlschl" in body  # the banner, in German


def test_filter_by_status(client, coordinator, agent):
    notify(recipient=agent, template="test_notice", context={"recipient": agent})
    client.force_login(coordinator)
    assert "Jonas Berger" not in client.get("/notices/?status=sent").content.decode()
    assert "Jonas Berger" in client.get("/notices/?status=pending").content.decode()


def test_agents_may_not_read_the_log(client, agent):
    client.force_login(agent)
    assert client.get("/notices/").status_code == 403


def test_query_count_does_not_grow_with_rows(client, coordinator, agent, django_assert_max_num_queries):
    for _ in range(30):
        notify(recipient=agent, template="test_notice", context={"recipient": agent})
    client.force_login(coordinator)
    with django_assert_max_num_queries(9):
        client.get("/notices/")
