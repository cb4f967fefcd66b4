"""Issue 7, "Done means": the clock pinned at each turning point of five kinds of day, the real
scheduler (``run_due_jobs``) firing the hand-over app's jobs, tasks run at once, a real HTTP server
as the phone system's webhook. At every moment: where the line rings, which webhook calls arrived,
and what happened (hand-over, automatic hand-over, readiness request and alert, closing, closing
overdue) — on days off and while nobody forgets anything, "nothing" is asserted exactly.
"""

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine

from supportdesk.core.scheduler import registered_jobs, run_due_jobs
from supportdesk.handover import selectors, services
from supportdesk.handover.models import ClosingCheck, Handover, ReadinessCheck, RoutingWebhook
from supportdesk.handover.tests.factories import HOLIDAY, MONDAY, SATURDAY, at
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.roster import services as roster_services
from supportdesk.roster.models import AbsenceKind
from supportdesk.roster.tests.plans import alternating, make_week

pytestmark = pytest.mark.django_db

SECRET = "turning-points-secret"
MOMENTS = [(8, 0), (9, 0), (12, 0), (15, 30), (15, 55), (16, 0), (16, 5), (17, 0), (18, 0), (18, 15), (18, 30)]
"""Before core hours, core start, midday, the usual hand-over, readiness request, window start,
readiness alert, mid-window, window end (closing), closing overdue, evening."""


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def pbx():
    server = HTTPServer(("127.0.0.1", 0), Sink)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RoutingWebhook.objects.create(url=f"http://127.0.0.1:{server.server_port}/pbx", secret=SECRET)
    yield server
    server.shutdown()
    server.server_close()


@dataclass
class Day:
    day: date
    actions: dict[tuple[int, int], Callable[[], object]] = field(default_factory=dict)
    """People's own steps, taken (clock pinned) just before the scheduler's tick at or after their time."""
    expected: dict[tuple[int, int], tuple[str, list[str], set[str]]] = field(default_factory=dict)
    """moment → (routing target, webhook targets posted at that moment, what happened)."""
    notices: dict[str, list[str]] = field(default_factory=dict)


def snapshot() -> dict[str, object]:
    handover = Handover.objects.first()
    readiness = ReadinessCheck.objects.first()
    closing = ClosingCheck.objects.first()
    return {
        "handover": handover is not None and not handover.automatic,
        "auto_handover": handover is not None and handover.automatic,
        "readiness_request": readiness is not None,
        "readiness_alert": readiness is not None and readiness.alerted_at is not None,
        "closing": closing is not None,
        "closing_overdue": closing is not None and closing.coordinator_notified_at is not None,
    }


def happened(before: dict[str, object], after: dict[str, object]) -> set[str]:
    return {key for key, value in after.items() if value and not before[key]}


def scenario(kind: str, head, anna, bernd, coordinator) -> Day:
    quiet = {m: ("voicemail", [], set()) for m in MOMENTS}
    quiet[(8, 0)] = ("voicemail", ["voicemail"], set())  # the first announcement of the day's state
    if kind in ("holiday", "weekend"):
        return Day(HOLIDAY if kind == "holiday" else SATURDAY, expected=quiet, notices={})

    day = MONDAY  # Anna phone duty, Bernd standby

    def checkin():
        return services.readiness_checkin(actor=bernd, reachable=True, computer=True, vpn=True, now=at(day, 15, 58))

    def close():
        return services.closing_confirm(actor=anna, now=at(day, 18, 3))

    if kind == "normal":
        return Day(
            day,
            actions={
                (15, 30): lambda: services.handover_perform(actor=head, now=at(day, 15, 30)),
                (15, 55): lambda: services.handover_acknowledge(
                    handover=Handover.objects.get(), actor=anna, now=at(day, 15, 35)
                ),
                (16, 0): checkin,
                (18, 15): close,
            },
            expected={
                (8, 0): ("voicemail", ["voicemail"], set()),
                (9, 0): ("mailbox_head", ["mailbox_head"], set()),
                (12, 0): ("mailbox_head", [], set()),
                (15, 30): ("phone_duty", ["phone_duty"], {"handover"}),
                (15, 55): ("phone_duty", [], {"readiness_request"}),
                (16, 0): ("phone_duty", [], set()),
                (16, 5): ("phone_duty", [], set()),
                (17, 0): ("phone_duty", [], set()),
                (18, 0): ("voicemail", ["voicemail"], {"closing"}),
                (18, 15): ("voicemail", [], set()),
                (18, 30): ("voicemail", [], set()),
            },
            notices={
                "anna": ["handover_notice", "closing_checklist"],
                "bernd": ["handover_info", "readiness_request"],
                "head": [],
                "coordinator": [],
            },
        )
    if kind == "head_absent":
        roster_services.absence_create(
            actor=coordinator, user=head, kind=AbsenceKind.SICK, start=day, end=day, now=at(day - timedelta(1), 9)
        )
        return Day(
            day,
            actions={
                (12, 0): lambda: services.handover_acknowledge(
                    handover=Handover.objects.get(), actor=anna, now=at(day, 9, 5)
                ),
                (16, 0): checkin,
                (18, 15): close,
            },
            expected={
                (8, 0): ("voicemail", ["voicemail"], set()),
                # the roster has her absent: the hand-over happens at the start of core hours
                (9, 0): ("phone_duty", ["phone_duty"], {"handover"}),
                (12, 0): ("phone_duty", [], set()),
                (15, 30): ("phone_duty", [], set()),
                (15, 55): ("phone_duty", [], {"readiness_request"}),
                (16, 0): ("phone_duty", [], set()),
                (16, 5): ("phone_duty", [], set()),
                (17, 0): ("phone_duty", [], set()),
                (18, 0): ("voicemail", ["voicemail"], {"closing"}),
                (18, 15): ("voicemail", [], set()),
                (18, 30): ("voicemail", [], set()),
            },
            notices={
                "anna": ["handover_notice", "closing_checklist"],
                "bernd": ["handover_info", "readiness_request"],
                "head": [],
                "coordinator": [],
            },
        )
    assert kind == "forgotten"
    # The head never hands over, the standby never checks in, the phone duty never confirms the closing.
    return Day(
        day,
        actions={
            (16, 5): lambda: services.handover_acknowledge(
                handover=Handover.objects.get(), actor=anna, now=at(day, 16, 3)
            ),
        },
        expected={
            (8, 0): ("voicemail", ["voicemail"], set()),
            (9, 0): ("mailbox_head", ["mailbox_head"], set()),
            (12, 0): ("mailbox_head", [], set()),
            (15, 30): ("mailbox_head", [], set()),
            (15, 55): ("mailbox_head", [], {"readiness_request"}),
            (16, 0): ("phone_duty", ["phone_duty"], {"auto_handover"}),
            (16, 5): ("phone_duty", [], {"readiness_alert"}),
            (17, 0): ("phone_duty", [], set()),
            (18, 0): ("voicemail", ["voicemail"], {"closing"}),
            (18, 15): ("voicemail", [], {"closing_overdue"}),
            (18, 30): ("voicemail", [], set()),
        },
        notices={
            "anna": ["handover_notice", "readiness_alert", "closing_checklist"],
            "bernd": ["readiness_request", "handover_info"],
            "head": ["handover_automatic"],
            "coordinator": ["readiness_alert", "closing_overdue"],
        },
    )


def handover_notices(user) -> list[str]:
    events = NotificationDelivery.objects.filter(recipient=user, event__startswith="handover/").order_by("id")
    return [e.removeprefix("handover/") for e in events.values_list("event", flat=True)]


@pytest.mark.parametrize("kind", ["normal", "holiday", "head_absent", "forgotten", "weekend"])
def test_each_turning_point_of_the_day(kind, immediate_tasks, pbx, head, week, anna, bernd, coordinator):
    make_week(HOLIDAY - timedelta(days=HOLIDAY.weekday()), alternating(anna, bernd), published=True)
    plan = scenario(kind, head, anna, bernd, coordinator)
    jobs = {name: job for name, job in registered_jobs().items() if name.startswith("handover.")}
    done: set[tuple[int, int]] = set()
    seen = 0
    for hh, mm in MOMENTS:
        now: datetime = at(plan.day, hh, mm)
        before = snapshot()
        with time_machine.travel(now, tick=False):
            for moment, action in plan.actions.items():
                if moment <= (hh, mm) and moment not in done:
                    action()
                    done.add(moment)
            run_due_jobs(now=now, holder="test", jobs=jobs)
        posted = []
        for headers, body in pbx.received[seen:]:
            expected_signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(headers["X-Supportdesk-Signature"], expected_signature)
            posted.append(json.loads(body)["target"])
        seen = len(pbx.received)
        target, webhook_calls, events = plan.expected[(hh, mm)]
        assert (f"{hh:02d}:{mm:02d}", selectors.routing_at(now=now).target) == (f"{hh:02d}:{mm:02d}", target)
        assert (f"{hh:02d}:{mm:02d}", posted) == (f"{hh:02d}:{mm:02d}", webhook_calls)
        assert (f"{hh:02d}:{mm:02d}", happened(before, snapshot())) == (f"{hh:02d}:{mm:02d}", events)
    assert done == set(plan.actions)
    people = {"anna": anna, "bernd": bernd, "head": head, "coordinator": coordinator}
    assert {name: handover_notices(user) for name, user in people.items()} == {
        name: plan.notices.get(name, []) for name in people
    }
