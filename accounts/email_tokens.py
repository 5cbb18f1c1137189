"""The tokens mailed in links: password reset and email verification.

Password reset: `<uidb64>.<token>`, where `token` is Django's `PasswordResetTokenGenerator`
output (a timestamp and an HMAC over the user id, password hash, last login, email and that
timestamp, keyed by SECRET_KEY). It expires after `PASSWORD_RESET_TIMEOUT` and works once:
setting the password changes the hash it is bound to.

Email verification: a `TimestampSigner` payload (salted for this purpose, so no other signed
value of the site can be replayed as one) with the user id and a digest of the address;
changing the email therefore invalidates every link sent to the old one. The address itself
is not in the link (links end up in access logs).

Two-factor enrolment: a `TimestampSigner` payload of its own salt with the user id and a
binding (`accounts.two_factor`) over the account's password hash, address and
authenticator devices. It expires after `TWO_FACTOR_ENROL_LINK_MAX_AGE`, and works once:
using it makes a new pending authenticator, which changes the binding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User

VERIFY_SALT = "learnstream.accounts.email-verification"
TOKEN_MAX_LENGTH = 512

_reset_generator = PasswordResetTokenGenerator()


def password_reset_token_make(*, user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uidb64}.{_reset_generator.make_token(user)}"


def password_reset_token_user_id(token: str) -> int | None:
    """The user id a reset token names (not yet checked), or None if it has no such shape."""
    if not token or len(token) > TOKEN_MAX_LENGTH or "." not in token:
        return None
    uidb64 = token.split(".", 1)[0]
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return user_id if user_id > 0 else None


def password_reset_token_check(*, user: User, token: str) -> bool:
    """True if `token` was made for `user` as it is now, within the timeout."""
    if password_reset_token_user_id(token) != user.pk:
        return False
    return _reset_generator.check_token(user, token.split(".", 1)[1])


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class VerificationClaim:
    user_id: int
    email_digest: str

    def matches(self, user: User) -> bool:
        return user.pk == self.user_id and _email_digest(user.email) == self.email_digest


class VerificationTokenExpired(Exception):
    pass


class VerificationTokenInvalid(Exception):
    pass


def email_verification_token_make(*, user: User) -> str:
    return signing.dumps({"u": user.pk, "e": _email_digest(user.email)}, salt=VERIFY_SALT)


def _signed_payload_read(token: str, *, salt: str, max_age: timedelta, second: str) -> dict:
    """The payload of a signed link token: a dict with the user id `u` and the string
    `second`, signed no longer than `max_age` ago. Raises `VerificationTokenExpired` or
    `VerificationTokenInvalid` (too long, bad signature, another shape)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise VerificationTokenInvalid()
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise VerificationTokenExpired() from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise VerificationTokenInvalid() from exc
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("u"), int)
        or not isinstance(payload.get(second), str)
    ):
        raise VerificationTokenInvalid()
    return payload


def email_verification_token_read(token: str) -> VerificationClaim:
    """Check the signature and age; raises `VerificationTokenExpired` or
    `VerificationTokenInvalid`."""
    payload = _signed_payload_read(
        token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE, second="e"
    )
    return VerificationClaim(user_id=payload["u"], email_digest=payload["e"])


ENROL_SALT = "learnstream.accounts.two-factor-enrolment"


@dataclass(frozen=True)
class EnrolmentClaim:
    user_id: int
    binding: str


def two_factor_enrolment_token_make(*, user: User, binding: str) -> str:
    return signing.dumps({"u": user.pk, "b": binding}, salt=ENROL_SALT)


def two_factor_enrolment_token_read(token: str) -> EnrolmentClaim:
    """Check the signature and age; raises `VerificationTokenExpired` or
    `VerificationTokenInvalid`."""
    payload = _signed_payload_read(
        token, salt=ENROL_SALT, max_age=settings.TWO_FACTOR_ENROL_LINK_MAX_AGE, second="b"
    )
    return EnrolmentClaim(user_id=payload["u"], binding=payload["b"])
