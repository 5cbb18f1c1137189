import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.roles import Role


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.STUDENT
    is_active = True
    # Most tests are about signed-up, verified learners; unverified ones are asked for.
    email_verified = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-9")

    @factory.post_generation
    def _flags(obj, create, extracted, **kwargs):
        obj.apply_role_flags()
        if create:
            obj.save()
