"""The routing webhook against a real HTTP server on loopback, and the periodic jobs."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.handover import jobs, services
from supportdesk.handover.models import RoutingDelivery, RoutingState, RoutingWebhook
from supportdesk.handover.tests.factories import MONDAY, SATURDAY, at

pytestmark = pytest.mark.django_db

SECRET = "a-long-enough-test-secret"


class Sink(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sink():
    server = HTTPServer(("127.0.0.1", 0), Sink)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_fires_once_per_change_with_a_verifiable_signature(immediate_tasks, sink, head, week, anna):
    RoutingWebhook.objects.create(url=f"http://127.0.0.1:{sink.server_port}/pbx", secret=SECRET)

    services.routing_sync(now=at(MONDAY, 10))
    services.routing_sync(now=at(MONDAY, 10, 1))
    services.handover_perform(actor=head, now=at(MONDAY, 15, 30))
    services.routing_sync(now=at(MONDAY, 15, 31))
    services.routing_sync(now=at(MONDAY, 16, 30))
    services.routing_sync(now=at(MONDAY, 18, 1))
    services.routing_sync(now=at(MONDAY, 18, 2))

    payloads = []
    for headers, body in sink.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Supportdesk-Signature"], expected)
        assert headers["Content-Type"] == "application/json"
        payloads.append(json.loads(body))
    assert [(p["target"], p["number"]) for p in payloads] == [
        ("mailbox_head", head.office_phone),
        ("phone_duty", anna.office_phone),
        ("voicemail", None),
    ]
    assert RoutingState.objects.count() == 3
    assert RoutingDelivery.objects.filter(sent_at__isnull=False).count() == 3


def test_failed_delivery_is_logged_and_retried_next_minute(immediate_tasks, sink, head, week, caplog):
    webhook = RoutingWebhook.objects.create(url="http://127.0.0.1:9/closed", secret=SECRET)
    services.routing_sync(now=at(MONDAY, 10))
    delivery = RoutingDelivery.objects.get()
    assert (delivery.attempts, delivery.sent_at) == (1, None)
    assert "routing webhook" in caplog.text

    webhook.url = f"http://127.0.0.1:{sink.server_port}/pbx"
    webhook.save()
    services.routing_sync(now=at(MONDAY, 10, 1))
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.sent_at is not None
    assert len(sink.received) == 1
    services.routing_sync(now=at(MONDAY, 10, 2))
    assert len(sink.received) == 1


def test_window_slots(week):
    assert jobs.window_slot(now=at(MONDAY, 15, 54), edge="start", offset=-jobs.conf.readiness_lead()) < at(MONDAY, 0)
    assert jobs.window_slot(now=at(MONDAY, 15, 55), edge="start", offset=-jobs.conf.readiness_lead()) == at(
        MONDAY, 15, 55
    )
    friday_end = at(MONDAY.replace(day=11), 18)
    assert jobs.window_slot(now=at(SATURDAY, 12), edge="end", offset=timedelta(0)) == friday_end


def test_scheduler_fires_the_window_jobs_and_they_only_enqueue(week, head):
    ours = {name: job for name, job in registered_jobs().items() if name.startswith("handover.")}
    assert set(ours) == {
        "handover.minute",
        "handover.auto",
        "handover.leaving",
        "handover.readiness_request",
        "handover.readiness_alert",
        "handover.closing",
        "handover.closing_overdue",
    }
    fired = run_due_jobs(now=at(MONDAY, 16), holder="test", jobs=ours)
    assert "handover.auto" in fired
    assert "handover.minute" in fired
    from supportdesk.handover.models import Handover

    assert not Handover.objects.exists()  # the Dummy backend only records the task
    assert run_due_jobs(now=at(MONDAY, 16), holder="test", jobs=ours) == []
