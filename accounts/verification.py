"""Email verification: a link mailed at registration and after an email change,
a resend, and the check itself. Whether an unverified user may enrol is decided by the
catalogue (`REQUIRE_VERIFIED_EMAIL_TO_ENROL`, see `accounts.selectors.user_email_verified`).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.email_tokens import (
    VerificationTokenExpired,
    VerificationTokenInvalid,
    email_verification_token_make,
    email_verification_token_read,
)
from accounts.emails import mail_compose, mail_send, site_link
from accounts.models import User
from learnstream.errors import ValidationError
from learnstream.ratelimit import rate_limits_check

VERIFY_LINK_EXPIRED = "This verification link has expired. Request a new one from your account."
VERIFY_LINK_INVALID = "This verification link is invalid."
VERIFY_LINK_STALE = (
    "This verification link was sent to an earlier email address of the account. "
    "Use the link in the newest mail."
)


def email_verification_link(token: str) -> str:
    return site_link(reverse("verify-email", args=[token]))


def email_verification_send(*, user_id: int) -> bool:
    """Mail a verification link to the user's current address, unless it is verified
    already or the account is gone or inactive. True if a mail was sent. Called after the
    registering or email-changing transaction commits."""
    user = User.objects.filter(pk=user_id, is_active=True, email_verified=False).first()
    if user is None:
        return False
    message = mail_compose(
        to=user.email,
        subject="Confirm your email address for LearnStream",
        template="accounts/email/verify_email.txt",
        context={
            "name": user.name,
            "email": user.email,
            "link": email_verification_link(email_verification_token_make(user=user)),
            "valid_days": settings.EMAIL_VERIFICATION_MAX_AGE.days,
        },
    )
    mail_send(message)
    return True


def email_verification_resend(*, user_id: int) -> bool:
    """POST /me/verify-email: limited per user (each resend is a mail to someone's inbox)."""
    rate_limits_check(("verify_email_resend", str(user_id)))
    return email_verification_send(user_id=user_id)


def email_verify(*, token: str, ip: str) -> User:
    """Mark the address the link was sent to as verified. A link for an earlier address
    (the email changed since), an expired, forged or malformed one: 400, nothing changes.
    Verifying twice is fine (the second answer is the same)."""
    rate_limits_check(("verify_email_ip", ip))
    try:
        claim = email_verification_token_read(token)
    except VerificationTokenExpired as exc:
        raise ValidationError(VERIFY_LINK_EXPIRED, errors={"token": [VERIFY_LINK_EXPIRED]}) from exc
    except VerificationTokenInvalid as exc:
        raise ValidationError(VERIFY_LINK_INVALID, errors={"token": [VERIFY_LINK_INVALID]}) from exc
    user = User.objects.filter(pk=claim.user_id, is_active=True).first()
    if user is None:
        raise ValidationError(VERIFY_LINK_INVALID, errors={"token": [VERIFY_LINK_INVALID]})
    if not claim.matches(user):
        raise ValidationError(VERIFY_LINK_STALE, errors={"token": [VERIFY_LINK_STALE]})
    if not user.email_verified:
        # Conditional on the address: an email change racing this request wins.
        if not User.objects.filter(pk=user.pk, email=user.email).update(email_verified=True):
            raise ValidationError(VERIFY_LINK_STALE, errors={"token": [VERIFY_LINK_STALE]})
        user.email_verified = True
    return user
