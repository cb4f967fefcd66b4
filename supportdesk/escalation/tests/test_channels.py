"""Per-user channels: Apprise (refused when unparseable, falls back to mail), signed webhooks."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.escalation.tests.test_services import run_next
from supportdesk.notifications.models import DeliveryStatus, NotificationDelivery
from supportdesk.notifications.services import (
    InvalidChannel,
    delivery_attempt,
    user_channel_create,
    user_channel_test,
)
from supportdesk.roster.tests.plans import alternating, make_week

pytestmark = pytest.mark.django_db
SECRET = "s3cret-s3cret-s3cret"


def test_unparseable_apprise_url_is_refused_with_the_reason(agent):
    with pytest.raises(InvalidChannel, match="Apprise versteht diese URL nicht"):
        user_channel_create(user=agent, kind="apprise", url="nonsense://nowhere")
    with pytest.raises(InvalidChannel, match="Geheimnis aus mindestens 16 Zeichen"):
        user_channel_create(user=agent, kind="webhook", url="http://127.0.0.1/", secret="short")


def test_failing_apprise_url_falls_back_to_mail(pool, coordinator, smtp_sink):
    anna = pool[0]
    user_channel_create(user=anna, kind="apprise", url="json://127.0.0.1:9/")  # closed port
    user_channel_create(user=anna, kind="email")
    make_week(MONDAY, alternating(anna, pool[1]), published=True)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    run_next(escalation, TUESDAY_1630)
    deliveries = list(NotificationDelivery.objects.filter(event="escalation/prio1_notice").order_by("id"))
    assert [d.channel for d in deliveries] == ["apprise", "email"]
    for delivery in deliveries:
        delivery_attempt(delivery_id=delivery.pk)
    apprise_delivery, mail = (NotificationDelivery.objects.get(pk=d.pk) for d in deliveries)
    assert apprise_delivery.status == DeliveryStatus.RETRYING and apprise_delivery.last_error
    assert mail.status == DeliveryStatus.SENT
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == anna.email and "Prio 1" in message["Subject"]


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_webhook_signature_is_verifiable_by_the_receiver(agent, receiver):
    channel = user_channel_create(user=agent, kind="webhook", url=receiver, secret=SECRET)
    delivery = user_channel_test(channel=channel)
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    [(headers, body)] = Receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Supportdesk-Signature"], expected)
    assert json.loads(body)["event"] == "test_notice"
    assert SECRET not in body.decode() and delivery.address == f"user-channel:{channel.pk}"
