"""Random sequences of swaps, takeovers, absences and sick reports keep the plan sound."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from supportdesk.accounts.tests.factories import CoordinatorFactory, UserFactory
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import selectors, services
from supportdesk.roster.models import Absence, AbsenceKind, Assignment, Duty, SwapRequest, SwapStatus
from supportdesk.roster.tests.factories import PoolMemberFactory
from supportdesk.roster.tests.plans import alternating, make_week

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 30)
DAYS = [MONDAY + timedelta(days=i) for i in range(5)]
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)
CODES = [Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY]

person = st.integers(0, 4)
day_index = st.integers(0, 4)
duty_index = st.integers(0, 1)


class PlanChanges(RuleBasedStateMachine):
    """One published week of five people; each example runs in a savepoint that is rolled back."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.coordinator = CoordinatorFactory(username="sm-coordinator")
        self.people = []
        for i in range(5):
            user = UserFactory(username=f"sm{i}", email=f"sm{i}@example.test")
            PoolMemberFactory(user=user, weekdays=[0, 1, 2] if i == 4 else [0, 1, 2, 3, 4])
            self.people.append(user)
        make_week(MONDAY, alternating(self.people[0], self.people[1]), published=True)
        self.duties = {d.code: d for d in Duty.objects.all()}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _try(self, fn, **kwargs):
        try:
            with transaction.atomic():
                return fn(**kwargs)
        except DomainError:
            return None

    def _holder(self, day: date, code: str):
        return Assignment.objects.filter(date=day, duty__code=code).values_list("user_id", flat=True).first()

    @rule(d=day_index, k=duty_index, taker=person, named=st.booleans())
    def takeover(self, d: int, k: int, taker: int, named: bool) -> None:
        day, code = DAYS[d], CODES[k]
        holder_id = self._holder(day, code)
        requester = next((p for p in self.people if p.pk == holder_id), None)
        if requester is None:
            return
        request = self._try(
            services.swap_request_create,
            actor=requester,
            day=day,
            duty=self.duties[code],
            candidate=self.people[taker] if named else None,
            now=NOW,
        )
        if request is not None:
            self._try(services.swap_request_accept, actor=self.people[taker], request=request, now=NOW)

    @rule(d=day_index, k=duty_index, d2=day_index, k2=duty_index)
    def swap(self, d: int, k: int, d2: int, k2: int) -> None:
        holder_id = self._holder(DAYS[d], CODES[k])
        target_id = self._holder(DAYS[d2], CODES[k2])
        requester = next((p for p in self.people if p.pk == holder_id), None)
        target = next((p for p in self.people if p.pk == target_id), None)
        if requester is None or target is None:
            return
        request = self._try(
            services.swap_request_create,
            actor=requester,
            day=DAYS[d],
            duty=self.duties[CODES[k]],
            kind="swap",
            target_day=DAYS[d2],
            target_duty=self.duties[CODES[k2]],
            now=NOW,
        )
        if request is not None:
            self._try(services.swap_request_accept, actor=target, request=request, now=NOW)

    @rule(who=person, d=day_index, length=st.integers(0, 2), sick=st.booleans())
    def absence(self, who: int, d: int, length: int, sick: bool) -> None:
        self._try(
            services.absence_create,
            actor=self.people[who],
            user=self.people[who],
            kind=AbsenceKind.SICK if sick else AbsenceKind.VACATION,
            start=DAYS[d],
            end=DAYS[d] + timedelta(days=length),
            now=NOW,
        )

    @rule(taker=person, pick=st.integers(0, 20))
    def accept_an_open_offer(self, taker: int, pick: int) -> None:
        offers = list(SwapRequest.objects.filter(status=SwapStatus.OPEN, requester__isnull=True).order_by("pk"))
        if offers:
            offer = offers[pick % len(offers)]
            self._try(services.swap_request_accept, actor=self.people[taker], request=offer, now=NOW)

    @rule(d=day_index, k=duty_index, who=person)
    def coordinator_sets(self, d: int, k: int, who: int) -> None:
        self._try(
            services.assignment_set,
            actor=self.coordinator,
            day=DAYS[d],
            duty=self.duties[CODES[k]],
            user=self.people[who],
            reason="Jour fixe",
            now=NOW,
        )

    @invariant()
    def nobody_holds_two_duties_a_day(self) -> None:
        pairs = list(Assignment.objects.filter(user__isnull=False).values_list("date", "user_id"))
        assert len(pairs) == len(set(pairs))

    @invariant()
    def nobody_is_on_duty_while_absent(self) -> None:
        covers = selectors.absences_cover(Absence.objects.all())
        for cover in covers:
            absence = cover.absence
            held = sorted(
                Assignment.objects.filter(
                    user_id=absence.user_id, date__gte=absence.start, date__lte=absence.end
                ).values_list("date", "duty__code")
            )
            if absence.kind == AbsenceKind.SICK:
                assert held == [], (absence, held)
            else:
                # A vacation keeps its duties only as "uncovered", never silently (R6).
                assert set(held) <= set(cover.uncovered)
                assert (cover.status == "cover_missing") == bool(cover.uncovered)

    @invariant()
    def every_open_duty_is_visible_as_open(self) -> None:
        null_cells = set(Assignment.objects.filter(user__isnull=True).values_list("pk", flat=True))
        listed = set(selectors.open_assignments(start=DAYS[0], end=DAYS[-1]).values_list("pk", flat=True))
        assert null_cells == listed
        assert Assignment.objects.filter(date__in=DAYS).count() == 10
        # A duty freed by a sick report is offered until someone takes it.
        for absence in Absence.objects.filter(kind=AbsenceKind.SICK):
            for day, code in selectors.absence_cover(absence).uncovered:
                assert SwapRequest.objects.filter(date=day, duty__code=code, status=SwapStatus.OPEN).exists()

    @invariant()
    def one_open_request_per_duty(self) -> None:
        cells = list(SwapRequest.objects.filter(status=SwapStatus.OPEN).values_list("date", "duty_id"))
        assert len(cells) == len(set(cells))


@pytest.mark.django_db
def test_plan_changes_keep_the_plan_sound() -> None:
    run_state_machine_as_test(
        PlanChanges,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
