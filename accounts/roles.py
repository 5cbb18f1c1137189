"""Roles and the checks every app uses. They work on both the ORM `User` (session auth) and
the `StatelessUser` built from access-token claims (API auth): both carry `id` and `role`."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.db import models

# How a sign-in was proven (the `amr` claim of access tokens, RFC 8176 names).
AMR_PASSWORD = "pwd"  # noqa: S105 - a method name, not a password
AMR_OTP = "otp"


class Viewer(Protocol):
    """Who is asking: an ORM `User` (session), a `StatelessUser` (access-token claims) or
    Django's `AnonymousUser`. Only `is_authenticated` is common to all three; signed-in
    viewers also carry `id` and `role`, which the helpers below read for everyone else."""

    @property
    def is_authenticated(self) -> bool: ...


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    INSTRUCTOR = "instructor", "Instructor"
    STUDENT = "student", "Student"


def is_signed_in(user: Viewer | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def staff_factor_missing(user: Viewer | None) -> bool:
    """True for a signed-in user whose role is in ADMIN_REQUIRE_2FA_ROLES and who did not
    prove a second factor in this sign-in (session: django-otp's `is_verified`; bearer
    token: `otp` in its `amr`). Such a user has no more power than a student, on every
    surface, until they verify. A user object that cannot say counts as unverified."""
    if (
        not is_signed_in(user)
        or getattr(user, "role", None) not in settings.ADMIN_REQUIRE_2FA_ROLES
    ):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def sign_in_methods(user: Viewer | None) -> tuple[str, ...]:
    """How the viewer's sign-in was proven, as the `amr` of tokens minted for it: a session
    verified by django-otp or an access token with `otp` keeps `("pwd", "otp")`, so a step
    taken inside that sign-in (e.g. a password change that hands back a new pair) does not
    strip the second factor it already proved."""
    is_verified = getattr(user, "is_verified", None)
    if is_signed_in(user) and callable(is_verified) and is_verified():
        return (AMR_PASSWORD, AMR_OTP)
    return (AMR_PASSWORD,)


def is_admin(user: Viewer | None) -> bool:
    return (
        is_signed_in(user)
        and getattr(user, "role", None) == Role.ADMIN
        and not staff_factor_missing(user)
    )


def is_instructor(user: Viewer | None) -> bool:
    """Instructors and admins may author courses (with a second factor where required)."""
    return (
        is_signed_in(user)
        and getattr(user, "role", None) in (Role.INSTRUCTOR, Role.ADMIN)
        and not staff_factor_missing(user)
    )


def has_staff_powers(user: Viewer | None) -> bool:
    """May act as a course's instructor at all (ownership is checked by the caller)."""
    return is_signed_in(user) and not staff_factor_missing(user)


def user_id_of(user: Viewer | None) -> int | None:
    """The integer SQL id of a signed-in user (SimpleJWT carries it as a string)."""
    if not is_signed_in(user):
        return None
    return int(getattr(user, "id"))  # noqa: B009 - signed-in viewers carry it; see Viewer


def require_user_id(user: Viewer | None) -> int:
    """The integer id of a signed-in user; services that act for a user call this."""
    user_id = user_id_of(user)
    if user_id is None:
        # Imported here: the user model loads this module, and learnstream.errors loads DRF,
        # whose settings import the authentication classes, which import this module.
        from learnstream.errors import NotAuthenticated

        raise NotAuthenticated()
    return user_id
