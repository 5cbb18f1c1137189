"""Account reads."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

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
    *, emails: Iterable[str], roles: Iterable[str] | None = None, active_only: bool = True
) -> dict[str, int]:
    """Accounts with these e-mails (active ones unless `active_only` is off; with `roles`,
    only those roles), as {normalised e-mail: user id}, in one query. E-mails with no such
    account are absent."""
    wanted = {normalize_email(email) for email in emails if email and email.strip()}
    if not wanted:
        return {}
    query = User.objects.filter(email__in=wanted)
    if active_only:
        query = query.filter(is_active=True)
    if roles is not None:
        query = query.filter(role__in=list(roles))
    return {normalize_email(email): user_id for user_id, email in query.values_list("id", "email")}


def user_emails_by_ids(*, user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: e-mail} for these users, in one query (deleted users are absent)."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    return dict(User.objects.filter(id__in=wanted).values_list("id", "email"))


def refresh_families_active(*, user_id: int) -> QuerySet[RefreshToken]:
    """One row per live family: its current (unconsumed, unrevoked, unexpired) token."""
    return RefreshToken.objects.filter(user_id=user_id).live().order_by("-issued_at")


def user_email_verified(*, user_id: int) -> bool:
    """Read from the database, not the token: access tokens carry no verification state."""
    return User.objects.filter(pk=user_id, email_verified=True).exists()
