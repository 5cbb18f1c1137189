"""Roles and the checks every app uses. They work on both the ORM `User` (session auth) and
the `StatelessUser` built from access-token claims (API auth): both carry `id` and `role`."""

from __future__ import annotations

from typing import Any

from django.db import models

# How a sign-in was proven (the `amr` claim of access tokens, RFC 8176 names).
AMR_PASSWORD = "pwd"  # noqa: S105 - a method name, not a password
AMR_OTP = "otp"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    INSTRUCTOR = "instructor", "Instructor"
    STUDENT = "student", "Student"


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: Any) -> bool:
    return is_signed_in(user) and getattr(user, "role", None) == Role.ADMIN


def is_instructor(user: Any) -> bool:
    """Instructors and admins may author courses."""
    return is_signed_in(user) and getattr(user, "role", None) in (Role.INSTRUCTOR, Role.ADMIN)


def user_id_of(user: Any) -> int | None:
    """The integer SQL id of a signed-in user (SimpleJWT carries it as a string)."""
    if not is_signed_in(user):
        return None
    return int(user.id)


def require_user_id(user: Any) -> int:
    """The integer id of a signed-in user; services that act for a user call this."""
    user_id = user_id_of(user)
    if user_id is None:
        from learnstream.errors import NotAuthenticated

        raise NotAuthenticated()
    return user_id
