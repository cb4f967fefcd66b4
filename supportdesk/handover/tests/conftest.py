import pytest

from supportdesk.handover.tests.factories import MONDAY, mailbox_head
from supportdesk.roster.tests.plans import alternating, make_week


@pytest.fixture
def head(db):
    return mailbox_head()


@pytest.fixture
def week(pool):
    """Published: Monday Anna phone / Bernd standby, Tuesday the other way round, …"""
    return make_week(MONDAY, alternating(pool[0], pool[1]), published=True)


@pytest.fixture
def anna(pool):
    return pool[0]


@pytest.fixture
def bernd(pool):
    return pool[1]
