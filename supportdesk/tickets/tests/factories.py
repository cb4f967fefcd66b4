import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.tickets.models import (
    Channel,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Project,
    Status,
    Team,
    Ticket,
)


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"kunde-{n}")
    name = factory.Faker("company", locale="de_DE")
    project_manager = None


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Projekt {n}")
    manager = None


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="de_DE")


class ContactPhoneFactory(DjangoModelFactory):
    class Meta:
        model = ContactPhone

    contact = factory.SubFactory(ContactFactory)
    number = factory.Sequence(lambda n: f"+49941555{n:04d}")


class ContactEmailFactory(DjangoModelFactory):
    class Meta:
        model = ContactEmail

    contact = factory.SubFactory(ContactFactory)
    address = factory.Sequence(lambda n: f"kontakt{n}@kunde.example")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Team {n}")


class TicketFactory(DjangoModelFactory):
    """A ticket written directly (no service): for list and lookup tests."""

    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"SD-2026-{n + 90000:05d}")
    subject = factory.Faker("sentence", locale="de_DE")
    customer = factory.SubFactory(CustomerFactory)
    contact = factory.SubFactory(ContactFactory, customer=factory.SelfAttribute("..customer"))
    channel = Channel.PHONE
    priority = 3
    status = Status.NEW
    assignee_group = None
    assignee = None
    due_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)
