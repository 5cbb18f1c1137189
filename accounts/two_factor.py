"""Two-factor authentication for staff, on django-otp: one TOTP device (an
authenticator app) per user plus one static device holding single-use recovery codes.

A session becomes "verified" once a code from either device was entered
(`django_otp.login`, done by the verify and setup pages); `ADMIN_REQUIRE_2FA_ROLES` names
the roles that need such a session to enter /admin/ (`admin_requires_verified_session`).

Putting an authenticator on an account needs more than the password: a one-time link
mailed to the account's address (see "enrolment" below). Each authenticator added and
each turning off is mailed to the account.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.email_tokens import (
    VerificationTokenExpired,
    VerificationTokenInvalid,
    two_factor_enrolment_token_make,
    two_factor_enrolment_token_read,
)
from accounts.emails import mail_compose, mail_send, site_link
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


# --- enrolment: a link mailed to the account's address first -------------------------------
# Knowing the password is not enough to put an authenticator on an account (whoever did so
# would then own every later sign-in): enrolling starts from a one-time, short-lived link
# mailed to the address (`two_factor_enrolment_request`). Following it
# (`two_factor_enrolment_redeem`) makes the pending device whose secret only that caller
# sees, and that device must be confirmed with a code within TWO_FACTOR_ENROL_WINDOW.

ENROL_LINK_EXPIRED = "This link has expired. Ask for a new one on the two-factor page."
ENROL_LINK_INVALID = "This link is invalid. Ask for a new one on the two-factor page."
ENROL_LINK_USED = (
    "This link was already used, or the account changed since it was sent. "
    "Ask for a new one on the two-factor page."
)
ENROL_LINK_OTHER_ACCOUNT = "This link was mailed for another account: sign in as that account."
NO_PENDING_DEVICE = (
    "No authenticator is waiting to be confirmed (or it waited too long): ask for a new "
    "link by email and start again."
)


def _enrolment_binding(user: User) -> str:
    # Over what makes a link stale: the password, the address it went to, the account's
    # authenticators (redeeming makes a new pending one, so each link works once) and the
    # "not before" stamp (ending every sign-in ends the links too).
    devices = ",".join(
        str(pk)
        for pk in TOTPDevice.objects.filter(user=user).order_by("pk").values_list("pk", flat=True)
    )
    stamp = user.tokens_not_before.isoformat() if user.tokens_not_before else ""
    raw = f"{user.password}|{user.email.lower()}|{devices}|{stamp}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def two_factor_enrolment_link(token: str) -> str:
    return site_link(reverse("2fa-enrol", args=[token]))


def two_factor_enrolment_request(*, user: User) -> datetime:
    """Mail the account's address the link that allows enrolling an authenticator; returns
    when it expires. 409 when one is set up already; limited per user (each is a mail)."""
    two_factor_allowed(user=user)
    if totp_device_confirmed(user=user) is not None:
        raise Conflict("Two-factor authentication is already set up.")
    rate_limits_check(("two_factor_enrol_mail", str(user.pk)))
    max_age = settings.TWO_FACTOR_ENROL_LINK_MAX_AGE
    token = two_factor_enrolment_token_make(user=user, binding=_enrolment_binding(user))
    message = mail_compose(
        to=user.email,
        subject="Confirm: set up two-factor authentication on LearnStream",
        template="accounts/email/two_factor_enrol.txt",
        context={
            "name": user.name,
            "email": user.email,
            "link": two_factor_enrolment_link(token),
            "valid_minutes": int(max_age.total_seconds() // 60),
        },
    )
    mail_send(message)
    return timezone.now() + max_age


@transaction.atomic
def two_factor_enrolment_redeem(*, user: User, token: str) -> TOTPDevice:
    """Follow a mailed enrolment link as `user`: a fresh pending authenticator (any older
    pending one is dropped), to be confirmed with `totp_setup_confirm`. An expired, forged,
    used or stale link, or one mailed for another account: 400, nothing changes."""
    two_factor_allowed(user=user)
    try:
        claim = two_factor_enrolment_token_read(token)
    except VerificationTokenExpired as exc:
        raise ValidationError(ENROL_LINK_EXPIRED, errors={"token": [ENROL_LINK_EXPIRED]}) from exc
    except VerificationTokenInvalid as exc:
        raise ValidationError(ENROL_LINK_INVALID, errors={"token": [ENROL_LINK_INVALID]}) from exc
    if claim.user_id != user.pk:
        raise ValidationError(
            ENROL_LINK_OTHER_ACCOUNT, errors={"token": [ENROL_LINK_OTHER_ACCOUNT]}
        )
    locked = User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
    if locked is None:
        raise ValidationError(ENROL_LINK_INVALID, errors={"token": [ENROL_LINK_INVALID]})
    if totp_device_confirmed(user=locked) is not None:
        raise Conflict("Two-factor authentication is already set up.")
    if claim.binding != _enrolment_binding(locked):  # two racing redemptions: one wins
        raise ValidationError(ENROL_LINK_USED, errors={"token": [ENROL_LINK_USED]})
    TOTPDevice.objects.filter(user=locked, confirmed=False).delete()
    return TOTPDevice.objects.create(user=locked, name=TOTP_NAME, confirmed=False)


def _pending_devices(*, user: User, device_id: int | None):
    since = timezone.now() - settings.TWO_FACTOR_ENROL_WINDOW
    pending = TOTPDevice.objects.filter(user=user, confirmed=False, created_at__gte=since)
    if device_id is not None:
        pending = pending.filter(pk=device_id)
    return pending.order_by("-created_at")


def totp_pending_device(*, user: User, device_id: int | None = None) -> TOTPDevice | None:
    """The authenticator waiting for its first code, started by a mailed link less than
    TWO_FACTOR_ENROL_WINDOW ago (`device_id`: the one this browser started)."""
    return _pending_devices(user=user, device_id=device_id).first()


def totp_pending_expires_at(device: TOTPDevice) -> datetime:
    assert device.created_at is not None
    return device.created_at + settings.TWO_FACTOR_ENROL_WINDOW


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
def totp_setup_confirm(
    *, user: User, token: str, device_id: int | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending device (`totp_pending_device`) with a code from the app; returns
    it and a fresh set of recovery codes (to be shown once), and mails the account that an
    authenticator was added."""
    two_factor_allowed(user=user)
    rate_limits_check(("otp_verify_user", str(user.pk)))
    if totp_device_confirmed(user=user) is not None:
        raise Conflict("Two-factor authentication is already set up.")
    device = _pending_devices(user=user, device_id=device_id).select_for_update().first()
    if device is None:
        raise Conflict(NO_PENDING_DEVICE)
    if not device.verify_token(_clean(token)):
        raise ValidationError(CODE_WRONG, errors={"token": [CODE_WRONG]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _notice_after_commit(user_id=user.pk, change=ADDED)
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
def two_factor_disable(*, user: User) -> bool:
    """Remove the authenticator and the recovery codes (the caller checked the sign-in is
    verified, so a stolen password alone cannot turn 2FA off) and mail the account that
    it is off. False (and no mail) when it was not on."""
    was_on = totp_device_confirmed(user=user) is not None
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if was_on:
        _notice_after_commit(user_id=user.pk, change=TURNED_OFF)
    return was_on


# --- notices: every change of the second factor is mailed to the account ---------------------

ADDED = "added"
TURNED_OFF = "off"
_NOTICES = {
    ADDED: (
        "An authenticator app was added to your LearnStream account",
        "accounts/email/two_factor_added.txt",
    ),
    TURNED_OFF: (
        "Two-factor authentication was turned off on your LearnStream account",
        "accounts/email/two_factor_off.txt",
    ),
}


def two_factor_notice_send(*, user_id: int, change: str) -> bool:
    """Tell the account's address about a change of its second factor (if it was not the
    owner, the mail says what to do). True if a mail was sent."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    subject, template = _NOTICES[change]
    mail_send(
        mail_compose(
            to=user.email,
            subject=subject,
            template=template,
            context={
                "name": user.name,
                "email": user.email,
                "when": timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
                "two_factor_link": site_link(reverse("2fa")),
                "reset_link": site_link(reverse("password-reset")),
            },
        )
    )
    return True


def _notice_after_commit(*, user_id: int, change: str) -> None:
    # Only for a change that was committed; a mail failure never undoes the change.
    transaction.on_commit(
        lambda: two_factor_notice_send(user_id=user_id, change=change), robust=True
    )


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
