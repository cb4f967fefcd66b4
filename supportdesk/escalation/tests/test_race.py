"""Two acknowledgements at the same moment on PostgreSQL: the row lock lets exactly one win."""

import threading

import pytest
from django.db import connection

from supportdesk.escalation import services
from supportdesk.escalation.models import Escalation, EventKind
from supportdesk.escalation.tests.factories import MONDAY, TUESDAY_1630, escalation_of, prio1_ticket
from supportdesk.roster.tests.plans import alternating, make_week


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_acknowledgements_one_wins(pool, coordinator):
    make_week(MONDAY, alternating(pool[0], pool[1]), published=True)
    escalation = escalation_of(prio1_ticket(actor=coordinator, now=TUESDAY_1630))
    barrier = threading.Barrier(2)
    results = {}

    def ack(user):
        try:
            barrier.wait()
            results[user.pk] = services.escalation_acknowledge(
                escalation=Escalation.objects.get(pk=escalation.pk), actor=user, now=TUESDAY_1630
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=ack, args=(user,)) for user in (pool[0], pool[2])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.accepted for r in results.values()) == [False, True]
    escalation.refresh_from_db()
    winner = next(pk for pk, r in results.items() if r.accepted)
    assert escalation.acknowledged_by_id == winner
    kinds = list(escalation.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.ACKNOWLEDGED) == 1 and kinds.count(EventKind.ACK_IGNORED) == 1
