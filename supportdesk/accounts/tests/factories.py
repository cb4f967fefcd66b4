import factory
from factory.django import DjangoModelFactory

from supportdesk.accounts.models import Role, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="de_DE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    office_phone = factory.Sequence(lambda n: f"+49 941 5550{n:03d}")
    mobile = factory.Sequence(lambda n: f"+49 170 5550{n:03d}")
    language = "de"
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CoordinatorFactory(UserFactory):
    role = Role.COORDINATOR
