"""Account writes."""

from __future__ import annotations

from django.db import transaction

from accounts.managers import normalize_email
from accounts.models import User
from accounts.roles import Role
from learnstream.errors import NotFound, ValidationError


@transaction.atomic
def user_set_role(*, email: str, role: str) -> User:
    """Set a role and the staff/superuser flags that go with it."""
    if role not in Role.values:
        raise ValidationError(errors={"role": [f"Must be one of: {', '.join(Role.values)}."]})
    user = User.objects.select_for_update().filter(email=normalize_email(email)).first()
    if user is None:
        raise NotFound(f"No user with email {email}.")
    user.role = role
    user.apply_role_flags()
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    return user
