"""The commands behind the ``supportdesk`` console command."""

import json
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.tasks import default_task_backend
from django.urls import reverse

from supportdesk import cli
from supportdesk.notifications.models import NotificationDelivery
from supportdesk.roster.models import PlanVersion, PoolMember, RosterWeek
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 30)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- oncall ---------------------------------------------------------------------------


def test_oncall_prints_the_window_names_and_numbers(pool):
    anna, bernd = pool[0], pool[1]
    make_week(MONDAY, alternating(anna, bernd), published=True)

    out = run("oncall", "--at", "2026-11-30T16:30+01:00")

    assert "Mon 30.11.2026 16:30" in out
    assert "16:00–18:00" in out
    phone_line = next(line for line in out.splitlines() if line.startswith("Telefondienst"))
    assert anna.name in phone_line and anna.office_phone in phone_line and anna.mobile in phone_line
    standby_line = next(line for line in out.splitlines() if line.startswith("Technische Notfallbereitschaft"))
    assert bernd.name in standby_line and bernd.mobile in standby_line


def test_oncall_json_is_the_same_as_the_api(client, pool, agent):
    from supportdesk.accounts.services import api_token_create

    make_week(MONDAY, [(pool[0], None)], published=True)
    _token, raw = api_token_create(user=agent)
    at = "2026-11-30T17:15:00+01:00"

    printed = json.loads(run("oncall", "--at", at, "--json"))
    served = client.get(reverse("api-oncall"), {"at": at}, HTTP_AUTHORIZATION=f"Bearer {raw}").json()

    assert printed == served
    assert printed["phone_duty"]["username"] == "anna" and printed["technical_standby"] is None


def test_oncall_without_offset_is_berlin_time_and_defaults_to_now(pool):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)

    assert json.loads(run("oncall", "--at", "2026-11-30T16:30", "--json"))["at"] == "2026-11-30T16:30:00+01:00"
    with time_machine.travel(datetime(2026, 11, 30, 17, 0, tzinfo=BERLIN), tick=False):
        body = json.loads(run("oncall", "--json"))
    assert body["at"] == "2026-11-30T17:00:00+01:00"
    assert body["phone_duty"]["username"] == "anna"


def test_oncall_outside_a_window_names_the_next_one(db):
    out = run("oncall", "--at", "2026-12-04T19:00+01:00")  # Friday evening

    assert "No support window" in out
    assert "Next window: Mon 07.12.2026 16:00–18:00" in out


def test_oncall_shows_an_open_duty(pool):
    make_week(MONDAY, [(pool[0], None)], published=True)

    out = run("oncall", "--at", "2026-11-30T16:30+01:00")

    assert "OPEN" in next(line for line in out.splitlines() if line.startswith("Technische"))


@pytest.mark.parametrize("at", ["tomorrow", "2026-11-31T16:00"])
def test_oncall_rejects_a_bad_moment(db, at):
    with pytest.raises(CommandError, match="--at"):
        run("oncall", "--at", at)


# --- plan generate / publish --------------------------------------------------------


def test_plan_generate_drafts_and_prints_every_day(pool):
    out = run("plan", "generate", "--start", "2026-11-30", "--end", "2026-12-06")

    week = RosterWeek.objects.get(week_start=MONDAY)
    assert not week.is_published
    assert week.assignments.filter(user__isnull=False).count() == 10
    assert "2026-W49" in out
    for day in ("Mon 30.11.", "Tue 01.12.", "Wed 02.12.", "Thu 03.12.", "Fri 04.12."):
        line = next(line for line in out.splitlines() if day in line)
        assert "Telefondienst: " in line and "Technische Notfallbereitschaft: " in line
    holders = {a.user.name for a in week.assignments.select_related("user")}
    assert all(name in out for name in holders)
    assert "Every duty is filled." in out


def test_plan_generate_prints_every_problem(pool):
    PoolMember.objects.exclude(user=pool[0]).update(active=False)

    out = run("plan", "generate", "--start", "2026-11-30", "--end", "2026-12-06")

    problems = RosterWeek.objects.get(week_start=MONDAY).problems
    assert len(problems) >= 5  # at least every standby: one person cannot hold both duties
    assert f"{len(problems)} problem(s):" in out
    for problem in problems:
        day = date.fromisoformat(problem["date"])
        assert f"  {day:%a %d.%m.%Y} {problem['duty']}: {problem['reason']}" in out
    assert out.count("Technische Notfallbereitschaft: OPEN") == 5


def test_plan_generate_leaves_published_weeks_alone(pool):
    week = make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    before = list(week.assignments.values_list("pk", "user_id"))

    out = run("plan", "generate", "--start", "2026-11-30", "--end", "2026-12-13")

    assert "2026-W49: already published" in out
    assert list(week.assignments.values_list("pk", "user_id")) == before
    assert RosterWeek.objects.get(week_start=date(2026, 12, 7)).assignments.count() == 10


def test_plan_generate_rejects_bad_dates(db):
    with pytest.raises(CommandError, match="--start"):
        run("plan", "generate", "--start", "30.11.2026", "--end", "2026-12-06")
    with pytest.raises(CommandError, match="before"):
        run("plan", "generate", "--start", "2026-12-06", "--end", "2026-11-30")


def test_plan_publish_publishes_the_week_and_notifies(coordinator, pool):
    make_week(MONDAY, alternating(pool[0], pool[1]))

    out = run("plan", "publish", "--week", "2026-W49", "--as", coordinator.username)

    week = RosterWeek.objects.get(week_start=MONDAY)
    assert week.is_published and week.version == 1 and week.published_by == coordinator
    assert PlanVersion.objects.filter(week=week, version=1).exists()
    assert "Published 2026-W49 as version 1" in out
    assert sorted(NotificationDelivery.objects.values_list("recipient__username", flat=True)) == ["anna", "bernd"]
    assert len(default_task_backend.results) == 2  # one delivery task each


def test_plan_publish_refuses_an_agent_a_missing_plan_and_a_second_publish(coordinator, agent, pool):
    make_week(MONDAY, alternating(pool[0], pool[1]))

    with pytest.raises(CommandError, match="coordinator"):
        run("plan", "publish", "--week", "2026-W49", "--as", agent.username)
    with pytest.raises(CommandError, match="no plan"):
        run("plan", "publish", "--week", "2026-W50", "--as", coordinator.username)
    with pytest.raises(CommandError, match="No active user"):
        run("plan", "publish", "--week", "2026-W49", "--as", "nobody")
    with pytest.raises(CommandError, match="ISO week"):
        run("plan", "publish", "--week", "49", "--as", coordinator.username)
    run("plan", "publish", "--week", "2026-W49", "--as", coordinator.username)
    with pytest.raises(CommandError, match="already published"):
        run("plan", "publish", "--week", "2026w49", "--as", coordinator.username)
    assert RosterWeek.objects.get(week_start=MONDAY).version == 1


# --- token ------------------------------------------------------------------------------


def test_token_create_prints_a_token_that_authenticates(client, agent):
    raw = run("token", "create", agent.username).strip()

    assert raw.startswith("sd_")
    response = client.get(reverse("api-oncall"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert client.get(reverse("api-oncall"), HTTP_AUTHORIZATION=f"Bearer {raw}x").status_code == 401


def test_token_create_for_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match="nobody"):
        run("token", "create", "nobody")


def test_every_alias_of_the_console_command_is_a_command():
    commands = get_commands()

    assert all(target in commands for target in cli.ALIASES.values())


def test_console_command_maps_its_aliases(pool, capsys):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)

    cli.main(["supportdesk", "oncall", "--at", "2026-11-30T16:30+01:00", "--json"])

    assert json.loads(capsys.readouterr().out)["phone_duty"]["username"] == "anna"
