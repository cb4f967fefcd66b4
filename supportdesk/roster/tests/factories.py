from datetime import date

import factory
from factory.django import DjangoModelFactory

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.roster.models import Absence, AbsenceKind, ClosingDay, PoolMember


class PoolMemberFactory(DjangoModelFactory):
    class Meta:
        model = PoolMember
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    weekdays = factory.LazyFunction(lambda: [0, 1, 2, 3, 4])
    active = True


class AbsenceFactory(DjangoModelFactory):
    class Meta:
        model = Absence

    user = factory.SubFactory(UserFactory)
    kind = AbsenceKind.VACATION
    start = date(2026, 12, 7)
    end = date(2026, 12, 11)


class ClosingDayFactory(DjangoModelFactory):
    class Meta:
        model = ClosingDay

    date = date(2026, 12, 24)
    name = "Heiligabend"
