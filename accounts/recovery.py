"""Password reset by email: request a link, set a new password with it.

A request answers the same way (202, same body) whether or not an active account has the
address, and does the same work either way: one lookup, one token computation, one mail
rendered; only a real account's mail is handed to the backend, from a background thread
when the backend is a network one (see `accounts.emails.mail_send`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.email_tokens import (
    password_reset_token_check,
    password_reset_token_make,
    password_reset_token_user_id,
)
from accounts.emails import mail_compose, mail_send, site_link
from accounts.managers import normalize_email
from accounts.models import User
from accounts.services import (
    _account_subject,
    password_check_length,
    password_validate,
    refresh_families_revoke_all,
)
from learnstream.errors import ValidationError
from learnstream.ratelimit import rate_limits_check

RESET_LINK_INVALID = (
    "This password-reset link is invalid, has expired or was already used. Request a new one."
)

# Stands in for an unknown address so its request computes a token like a real one.
_PLACEHOLDER = User(pk=2**31 - 1, email="nobody@invalid", password="!", name="")  # noqa: S106


def password_reset_link(token: str) -> str:
    return site_link(reverse("password-reset-confirm", args=[token]))


def password_reset_request(*, email: str, ip: str) -> None:
    """Mail a reset link to the active account with this address, if there is one. Limited
    per client IP and per address (both counted on every request, known or not)."""
    email = normalize_email(email)
    rate_limits_check(("password_reset_ip", ip), ("password_reset_email", _account_subject(email)))
    user = User.objects.filter(email=email, is_active=True).first()
    token = password_reset_token_make(user=user or _PLACEHOLDER)
    message = mail_compose(
        to=email,
        subject="Reset your LearnStream password",
        template="accounts/email/password_reset.txt",
        context={
            "name": user.name if user else "",
            "email": email,
            "link": password_reset_link(token),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    if user is not None:
        mail_send(message, detached=True)


def _user_for_token(token: str, *, lock: bool = False) -> User:
    user_id = password_reset_token_user_id(token)
    queryset = User.objects.select_for_update() if lock else User.objects
    user = queryset.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not password_reset_token_check(user=user, token=token):
        raise ValidationError(RESET_LINK_INVALID, errors={"token": [RESET_LINK_INVALID]})
    return user


def password_reset_token_validate(*, token: str) -> User:
    """The account a reset link is for, or 400 `validation_error` (for the HTML page that
    shows the form only for a working link)."""
    return _user_for_token(token)


def password_reset_confirm(*, token: str, new_password: str, ip: str) -> User:
    """Set a new password with a reset link: 400 for a bad link or a password the
    validators refuse (nothing changes), then every refresh family is revoked. Reading the
    mail proved the address, so it counts as verified. The link is re-checked under the
    row lock, so of two racing confirmations exactly one succeeds."""
    rate_limits_check(("password_reset_confirm_ip", ip))
    password_check_length(password=new_password, field="new_password")
    user = _user_for_token(token)
    password_validate(password=new_password, user=user, field="new_password")
    with transaction.atomic():
        user = _user_for_token(token, lock=True)
        user.set_password(new_password)
        user.email_verified = True
        user.save(update_fields=["password", "email_verified"])
        refresh_families_revoke_all(user_id=user.pk)
    return user
