"""Account reads."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from accounts.managers import normalize_email
from accounts.models import RefreshToken, User
from learnstream.errors import TokenInvalid


def user_get_signed_in(*, user_id: int) -> User:
    """The account behind a valid token or session; a deleted or deactivated account is
    refused like a bad token (its access token may still be inside its lifetime)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise TokenInvalid("The account no longer exists or is deactivated.")
    return user


def user_ids_by_emails(
    *, emails: Iterable[str], roles: Iterable[str] | None = None
) -> dict[str, int]:
    """Active accounts with these e-mails (and, if given, one of these roles), as
    {normalised e-mail: user id}, in one query. E-mails with no such account are absent."""
    wanted = {normalize_email(email) for email in emails if email and email.strip()}
    if not wanted:
        return {}
    query = User.objects.filter(email__in=wanted, is_active=True)
    if roles is not None:
        query = query.filter(role__in=list(roles))
    return {normalize_email(email): user_id for user_id, email in query.values_list("id", "email")}


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
