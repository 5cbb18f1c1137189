from typing import Any

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.roles import Role


class _UserFactory(DjangoModelFactory[User]):
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
    def _flags(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.apply_role_flags()
        if create:
            obj.save()


def UserFactory(**fields: Any) -> User:
    """A saved user; the wrapper gives type checkers the model type factory_boy's call hides."""
    return _UserFactory.create(**fields)
