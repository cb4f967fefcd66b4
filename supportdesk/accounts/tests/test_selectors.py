"""Who receives the coordinator's notices (R1): absences and the admins' fallback in one query."""

from datetime import date

import pytest

from supportdesk.accounts.models import Role
from supportdesk.accounts.selectors import user_list_coordinators
from supportdesk.accounts.tests.factories import CoordinatorFactory, UserFactory
from supportdesk.roster.selectors import absent_user_ids_on
from supportdesk.roster.tests.factories import AbsenceFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)


@pytest.fixture
def team():
    """Two coordinators (Berta, Anton), a deputy, an admin, an agent and an inactive coordinator."""
    return {
        "berta": CoordinatorFactory(username="berta", display_name="Berta Koch"),
        "anton": CoordinatorFactory(username="anton", display_name="Anton Huber"),
        "dora": CoordinatorFactory(username="dora", display_name="Dora Vogel", is_deputy=True),
        "admin": UserFactory(username="root", display_name="Ada Admin", role=Role.ADMIN),
        "agent": UserFactory(username="jonas", display_name="Jonas Berger"),
        "gone": CoordinatorFactory(username="gone", display_name="Aaron Alt", is_active=False),
    }


def _names(users) -> list[str]:
    return [u.username for u in users]


def _away(user, day: date = MONDAY) -> None:
    AbsenceFactory(user=user, start=day, end=day)


def test_the_coordinators_present_in_name_order_in_one_query(team, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert _names(user_list_coordinators(day=MONDAY)) == ["anton", "berta"]
    assert _names(user_list_coordinators()) == ["anton", "berta"]


def test_an_absent_coordinator_is_left_out_on_that_day_only(team, django_assert_num_queries):
    _away(team["anton"])
    with django_assert_num_queries(1):
        assert _names(user_list_coordinators(day=MONDAY)) == ["berta"]
    assert _names(user_list_coordinators(day=TUESDAY)) == ["anton", "berta"]
    assert _names(user_list_coordinators(absent_user_ids=[team["anton"].pk])) == ["berta"]


def test_the_deputy_while_every_coordinator_is_absent(team):
    _away(team["anton"])
    _away(team["berta"])
    assert _names(user_list_coordinators(day=MONDAY)) == ["dora"]
    _away(team["dora"])
    # Nobody is in: the coordinators still get it, never the admins.
    assert _names(user_list_coordinators(day=MONDAY)) == ["anton", "berta"]


def test_absences_by_day_and_by_id_add_up(team):
    _away(team["anton"])
    assert _names(user_list_coordinators(day=MONDAY, absent_user_ids=[team["berta"].pk])) == ["dora"]


def test_only_deputies_all_absent_still_get_it(team):
    team["anton"].delete()
    team["berta"].delete()
    _away(team["dora"])
    assert _names(user_list_coordinators(day=MONDAY)) == ["dora"]


def test_no_coordinator_means_the_active_admins_in_the_same_query(team, django_assert_num_queries):
    for key in ("anton", "berta", "dora"):
        team[key].role = Role.AGENT
        team[key].save(update_fields=["role"])
    UserFactory(username="oldroot", display_name="Aaron Admin", role=Role.ADMIN, is_active=False)
    UserFactory(username="aroot", display_name="Aaa Admin", role=Role.ADMIN)
    _away(team["admin"])  # admins get it absent or not
    with django_assert_num_queries(1):
        assert _names(user_list_coordinators(day=MONDAY)) == ["aroot", "root"]


@pytest.mark.parametrize("absent", [(), ("anton",), ("anton", "berta"), ("anton", "berta", "dora"), ("dora",)])
def test_by_day_is_what_the_callers_absent_ids_give(team, absent):
    """The callers that still pass ``absent_user_ids_on(day=...)`` get the same people."""
    for key in absent:
        _away(team[key])
    _away(team["agent"], TUESDAY)
    expected = user_list_coordinators(absent_user_ids=absent_user_ids_on(day=MONDAY))
    assert user_list_coordinators(day=MONDAY) == expected
