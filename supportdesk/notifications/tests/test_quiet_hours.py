"""Quiet hours: notices that are not urgent wait until they end; urgent ones go out at once."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.tasks import default_task_backend

from supportdesk.notifications.models import QuietHours
from supportdesk.notifications.quiet_hours import quiet_until
from supportdesk.notifications.services import notify, quiet_hours_set

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 12, 1, 19, 59, tzinfo=BERLIN), None),
        (datetime(2026, 12, 1, 20, 0, tzinfo=BERLIN), datetime(2026, 12, 2, 7, 0, tzinfo=BERLIN)),
        (datetime(2026, 12, 1, 23, 30, tzinfo=BERLIN), datetime(2026, 12, 2, 7, 0, tzinfo=BERLIN)),
        (datetime(2026, 12, 2, 6, 59, tzinfo=BERLIN), datetime(2026, 12, 2, 7, 0, tzinfo=BERLIN)),
        (datetime(2026, 12, 2, 7, 0, tzinfo=BERLIN), None),
    ],
)
def test_quiet_until_across_midnight(local, expected):
    assert quiet_until(now=local, start=time(20), end=time(7), tz=BERLIN) == expected


def test_quiet_until_same_day_window_and_off():
    noon = datetime(2026, 12, 1, 12, 0, tzinfo=BERLIN)
    assert quiet_until(now=noon, start=time(12), end=time(13), tz=BERLIN) == datetime(2026, 12, 1, 13, tzinfo=BERLIN)
    assert quiet_until(now=noon, start=time(9), end=time(9), tz=BERLIN) is None


def test_quiet_until_across_dst_end():
    # 2026-10-25 the clocks go back in Berlin: 07:00 local is still 07:00 wall time, 06:00 UTC.
    late = datetime(2026, 10, 24, 22, 0, tzinfo=BERLIN)
    end = quiet_until(now=late, start=time(20), end=time(7), tz=BERLIN)
    assert end == datetime(2026, 10, 25, 6, 0, tzinfo=ZoneInfo("UTC"))


def test_notice_in_quiet_hours_waits_until_they_end(agent):
    quiet_hours_set(user=agent, start=time(20), end=time(7))
    now = datetime(2026, 12, 1, 22, 15, tzinfo=BERLIN)
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, now=now)
    end = datetime(2026, 12, 2, 7, 0, tzinfo=BERLIN)
    assert delivery.next_attempt_at == end
    [result] = default_task_backend.results
    assert result.task.run_after == end and result.kwargs == {"delivery_id": delivery.pk}


def test_quiet_hours_follow_the_users_time_zone(agent):
    agent.time_zone = "America/New_York"
    agent.save(update_fields=["time_zone"])
    quiet_hours_set(user=agent, start=time(20), end=time(7))
    now = datetime(2026, 12, 1, 22, 15, tzinfo=BERLIN)  # 16:15 in New York: not quiet there
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, now=now)
    assert delivery.next_attempt_at is None
    assert default_task_backend.results[0].task.run_after is None
    later = datetime(2026, 12, 2, 3, 0, tzinfo=BERLIN)  # 21:00 in New York
    [held] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, now=later)
    assert held.next_attempt_at == datetime(2026, 12, 2, 7, 0, tzinfo=NEW_YORK)


def test_urgent_notice_goes_out_at_once_in_quiet_hours(agent):
    quiet_hours_set(user=agent, start=time(20), end=time(7))
    now = datetime(2026, 12, 1, 22, 15, tzinfo=BERLIN)
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, now=now, urgent=True)
    assert delivery.next_attempt_at is None
    assert default_task_backend.results[0].task.run_after is None


def test_outside_quiet_hours_nothing_waits(agent):
    quiet_hours_set(user=agent, start=time(20), end=time(7))
    now = datetime(2026, 12, 1, 12, 0, tzinfo=BERLIN)
    [delivery] = notify(recipient=agent, template="test_notice", context={"recipient": agent}, now=now)
    assert delivery.next_attempt_at is None


def test_quiet_hours_form_on_the_channels_page(client, agent):
    client.force_login(agent)
    client.post("/notices/channels/quiet-hours/", {"start": "20:00", "end": "07:00"})
    assert (agent.quiet_hours.start, agent.quiet_hours.end) == (time(20), time(7))
    page = client.get("/notices/channels/").content.decode()
    assert 'value="20:00"' in page and 'value="07:00"' in page
    client.post("/notices/channels/quiet-hours/", {"start": "", "end": ""})
    assert not QuietHours.objects.filter(user=agent).exists()
