"""Account reads."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import RefreshToken, User
from learnstream.errors import TokenInvalid


def user_get_signed_in(*, user_id: int) -> User:
    """The account behind a valid token or session; a deleted or deactivated account is
    refused like a bad token (its access token may still be inside its lifetime)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise TokenInvalid("The account no longer exists or is deactivated.")
    return user


def refresh_families_active(*, user_id: int) -> QuerySet[RefreshToken]:
    """One row per live family: its current (unconsumed, unrevoked, unexpired) token."""
    now = timezone.now()
    return RefreshToken.objects.filter(
        user_id=user_id,
        consumed_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
        family_expires_at__gt=now,
    ).order_by("-issued_at")


def user_email_verified(*, user_id: int) -> bool:
    """Read from the database, not the token: access tokens carry no verification state."""
    return User.objects.filter(pk=user_id, email_verified=True).exists()
