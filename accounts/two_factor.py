"""Two-factor authentication for staff, on django-otp: one TOTP device (an
authenticator app) per user plus one static device holding single-use recovery codes.

A session becomes "verified" once a code from either device was entered
(`django_otp.login`, done by the verify and setup pages); `ADMIN_REQUIRE_2FA_ROLES` names
the roles that need such a session to enter /admin/ (`admin_requires_verified_session`).
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import is_signed_in, staff_factor_missing
from learnstream.errors import Conflict, PermissionDenied, ValidationError
from learnstream.ratelimit import rate_limits_check

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
CODE_WRONG = "That code is not correct (or was already used). Try the current one."


def two_factor_allowed(*, user: User) -> None:
    """Any signed-in account may protect itself with an authenticator."""
    if not is_signed_in(user):
        raise PermissionDenied("Sign in to set up two-factor authentication.")


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_setup_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device to show as a QR code (made on first call, then reused so a
    reload keeps the secret already scanned). 409 once a device is confirmed: remove it
    first (from a verified session) to enrol another."""
    two_factor_allowed(user=user)
    if totp_device_confirmed(user=user) is not None:
        raise Conflict("Two-factor authentication is already set up.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_provisioning_uri(device: TOTPDevice) -> str:
    # django-otp's config_url labels the account with `get_username()` (the email here)
    # and sets the issuer from OTP_TOTP_ISSUER.
    return device.config_url


def totp_qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code: rendered here, no external service."""
    image = qrcode.make(
        totp_provisioning_uri(device), image_factory=qrcode.image.svg.SvgPathImage, box_size=8
    )
    return image.to_string(encoding="unicode")


@transaction.atomic
def totp_setup_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending device with a code from the app; returns it and a fresh set of
    recovery codes (to be shown once)."""
    two_factor_allowed(user=user)
    rate_limits_check(("otp_verify_user", str(user.pk)))
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise Conflict("Start the set-up again: there is no pending authenticator.")
    if not device.verify_token(_clean(token)):
        raise ValidationError(CODE_WRONG, errors={"token": [CODE_WRONG]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_regenerate(user=user)


def _new_recovery_code() -> str:
    # 10 characters from a 32-letter alphabet without look-alikes (50 bits), grouped.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace every recovery code of the user with `RECOVERY_CODE_COUNT` new ones. Each
    works once (django-otp deletes a static token when it is used)."""
    two_factor_allowed(user=user)
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_new_recovery_code() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_remaining(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _clean(token: Any) -> str:
    # People type codes with spaces ("123 456"); recovery codes are case-insensitive.
    return "".join(str(token or "").split()).lower()[:32]


def otp_verify(*, user: User, token: str) -> Device:
    """The confirmed device (TOTP, else a recovery code) that accepts `token`; 400
    otherwise. Limited per user on top of django-otp's own per-device throttling."""
    rate_limits_check(("otp_verify_user", str(user.pk)))
    code = _clean(token)
    candidates: list[Device] = []
    totp = totp_device_confirmed(user=user)
    if totp is not None and code.isdigit():
        candidates.append(totp)
    candidates.extend(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in candidates:
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    raise ValidationError(CODE_WRONG, errors={"token": [CODE_WRONG]})


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Remove the authenticator and the recovery codes (the caller checked the session is
    verified, so a stolen password alone cannot turn 2FA off)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def admin_requires_verified_session(*, user: Any) -> bool:
    """True when `user` (the session's) may enter the admin only with an OTP-verified
    session and the session is not verified: their role requires a second factor, or they
    have an authenticator (then every sign-in needs its code)."""
    if not is_signed_in(user) or not getattr(user, "is_staff", False):
        return False
    if staff_factor_missing(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    verified = callable(is_verified) and is_verified()
    return not verified and totp_device_confirmed(user=user) is not None
