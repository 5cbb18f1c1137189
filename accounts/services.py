"""Account writes: registration, sign-in, refresh-token families, profile and password,
roles and deactivation. Every sign-in and token rule lives here; APIs, pages and the admin call
these functions.

Refresh tokens: SimpleJWT mints them, we keep only SHA-256(jti) per token in
`RefreshToken`, grouped in families (one sign-in and its rotations). See
`refresh_token_rotate` for the rotation/theft-detection rules.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.managers import normalize_email
from accounts.models import RefreshToken, User
from accounts.roles import AMR_OTP, AMR_PASSWORD, Role
from accounts.tokens import (
    TokenPair,
    access_token_mint,
    access_tokens_revoke,
    jti_hash,
    refresh_token_mint,
    refresh_token_read,
)
from accounts.two_factor import otp_verify, totp_device_confirmed
from accounts.verification import email_verification_send
from learnstream.errors import (
    ApplicationError,
    InvalidCredentials,
    NotFound,
    TokenInvalid,
    TokenReused,
    ValidationError,
)
from learnstream.ratelimit import rate_limits_check

USER_AGENT_MAX = 256


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, recorded on the refresh tokens it gets."""

    ip: str | None = None
    user_agent: str = ""


# --- passwords -----------------------------------------------------------------------------


def password_check_length(*, password: str, field: str = "password") -> None:
    """Refuse absurd passwords before anything hashes them (a 1 MB password would make the
    hash itself the attack)."""
    limit = settings.PASSWORD_MAX_LENGTH
    if len(password) > limit:
        raise ValidationError(
            errors={field: [f"Ensure this field has no more than {limit} characters."]}
        )


def password_validate(*, password: str, user: User, field: str = "password") -> None:
    """Length bounds, then Django's validators (minimum length, common passwords, similarity
    to the email and name, all-numeric)."""
    password_check_length(password=password, field=field)
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError(errors={field: list(exc.messages)}) from exc


_dummy_password_hash: str | None = None


def _dummy_hash() -> str:
    """A real hash with the current hasher, so an unknown email costs one verify too."""
    global _dummy_password_hash
    if _dummy_password_hash is None:
        _dummy_password_hash = make_password("not-the-password-of-anyone-1f9c")
    return _dummy_password_hash


def _account_subject(email: str) -> str:
    # Rate-limit keys carry a digest, not the address itself.
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


def _password_check_throttled(*, user: User, password: str, field: str) -> None:
    """Check `password` of a signed-in user (email/password change), limited like a login to
    the account so a stolen access token cannot brute-force the password."""
    password_check_length(password=password, field=field)
    rate_limits_check(("login_account", _account_subject(user.email)))
    if not user.check_password(password):
        raise ValidationError(errors={field: ["The current password is not correct."]})


# --- registration and sign-in ---------------------------------------------------------------


def user_register(*, email: str, password: str, name: str, ip: str) -> User:
    """A new student. Order: password policy (400) → registration limit per IP (429) →
    duplicate email (400) → hash and insert."""
    email = normalize_email(email)
    name = name.strip()
    password_validate(password=password, user=User(email=email, name=name))
    rate_limits_check(("register_ip", ip))
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(errors={"email": ["An account with this email already exists."]})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, name=name, role=Role.STUDENT)
            _verification_mail_after_commit(user.pk)
            return user
    except IntegrityError as exc:  # a concurrent registration won the unique constraint
        raise ValidationError(
            errors={"email": ["An account with this email already exists."]}
        ) from exc


def _verification_mail_after_commit(user_id: int) -> None:
    """Mail a verification link once the row is committed (never for a rolled-back
    account); a mail failure is logged, never undoes the registration or the change."""

    transaction.on_commit(lambda: email_verification_send(user_id=user_id), robust=True)


def user_authenticate(*, email: str, password: str, ip: str) -> User:
    """Email + password → active user, or `InvalidCredentials` that looks the same (status,
    body, one password verify) for an unknown email, a wrong password and an inactive
    account. Both limits (per IP and per account) count every attempt and are checked
    before hashing."""
    password_check_length(password=password)
    rate_limits_check(("login_ip", ip), ("login_account", _account_subject(email)))
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None:
        check_password(password, _dummy_hash())
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    return user


# --- refresh-token families -----------------------------------------------------------------


def _client_fields(client: ClientInfo) -> dict[str, Any]:
    return {"ip": client.ip or None, "user_agent": (client.user_agent or "")[:USER_AGENT_MAX]}


def token_pair_issue(
    *,
    user: User,
    client: ClientInfo,
    family: uuid.UUID | None = None,
    family_expires_at: datetime | None = None,
    amr: tuple[str, ...] = (AMR_PASSWORD,),
) -> TokenPair:
    """An access token and a refresh token; the refresh token is recorded (hashed) in
    `family`, or in a new family when none is given (a sign-in)."""
    now = timezone.now()
    if family is None:
        family = uuid.uuid4()
        family_expires_at = now + settings.REFRESH_FAMILY_MAX_AGE
    assert family_expires_at is not None
    refresh, jti, refresh_expires_at = refresh_token_mint(
        user=user, now=now, not_after=family_expires_at, amr=amr
    )
    RefreshToken.objects.create(
        user=user,
        family=family,
        jti_hash=jti_hash(jti),
        issued_at=now,
        expires_at=refresh_expires_at,
        family_expires_at=family_expires_at,
        **_client_fields(client),
    )
    access, access_expires_at = access_token_mint(user=user, amr=amr)
    return TokenPair(
        access=access,
        refresh=refresh,
        access_expires_at=access_expires_at,
        refresh_expires_at=refresh_expires_at,
    )


class OtpRequired(ApplicationError):
    """401 for a right password of an account with an authenticator: no tokens yet, but a
    short-lived `otp_token` to present with the code (`otp_token_obtain`)."""

    status, code, title = 401, "otp_required", "Second factor required"

    def __init__(self, *, otp_token: str, expires_at: datetime) -> None:
        super().__init__(
            "This account uses two-factor authentication: send the code from the "
            "authenticator app (or a recovery code) with the otp_token."
        )
        self.otp_token = otp_token
        self.expires_at = expires_at


_OTP_TOKEN_SALT = "learnstream.accounts.otp-sign-in"  # noqa: S105 - a signing salt


def _otp_binding(user: User) -> str:
    # Bound to the password hash and the last sign-in: a password change or a completed
    # sign-in (which moves last_login) makes every outstanding otp_token useless, so each
    # works once.
    last = user.last_login.isoformat() if user.last_login else ""
    return hashlib.sha256(f"{user.password}|{last}".encode()).hexdigest()[:32]


def otp_challenge_issue(*, user: User) -> OtpRequired:
    token = signing.dumps({"u": user.pk, "b": _otp_binding(user)}, salt=_OTP_TOKEN_SALT)
    return OtpRequired(otp_token=token, expires_at=timezone.now() + settings.OTP_SIGN_IN_MAX_AGE)


def _otp_challenge_user(otp_token: str, *, lock: bool = False) -> User:
    invalid = TokenInvalid("The otp_token is invalid, expired or already used: sign in again.")
    try:
        payload = signing.loads(
            otp_token,
            salt=_OTP_TOKEN_SALT,
            max_age=settings.OTP_SIGN_IN_MAX_AGE,
        )
        user_id = int(payload["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise invalid from exc
    users = User.objects.select_for_update() if lock else User.objects
    user = users.filter(pk=user_id, is_active=True).first()
    if user is None or payload.get("b") != _otp_binding(user):
        raise invalid
    return user


def factor_required(*, user: User) -> bool:
    """Every sign-in of a user with a confirmed authenticator needs its code."""

    return totp_device_confirmed(user=user) is not None


def token_pair_obtain(*, email: str, password: str, client: ClientInfo) -> TokenPair:
    """Sign-in for API clients: check the credentials, start a new family; with an
    authenticator, `OtpRequired` (the code goes to `otp_token_obtain`) instead."""
    user = user_authenticate(email=email, password=password, ip=client.ip or "unknown")
    if factor_required(user=user):
        raise otp_challenge_issue(user=user)
    return token_pair_issue(user=user, client=client)


def otp_token_obtain(*, otp_token: str, code: str, client: ClientInfo) -> TokenPair:
    """Second step of an API sign-in: the otp_token from `OtpRequired` and a TOTP code or an
    unused recovery code → the token pair, whose access tokens say `amr: [pwd, otp]`. Wrong
    codes count against the per-user limit (429)."""

    user = _otp_challenge_user(otp_token)
    otp_verify(user=user, token=code)
    with transaction.atomic():
        user = _otp_challenge_user(otp_token, lock=True)  # two racing redemptions: one wins
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        return token_pair_issue(user=user, client=client, amr=(AMR_PASSWORD, AMR_OTP))


def refresh_family_revoke(*, family: uuid.UUID) -> int:
    return RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def refresh_family_revoke_own(*, user_id: int, family: uuid.UUID) -> int:
    """End one sign-in of `user_id` (the account page's "sign out" next to a device). A
    family of someone else, or one already ended, is not found."""
    revoked = RefreshToken.objects.filter(
        user_id=user_id, family=family, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise NotFound("No such active sign-in.")
    return revoked


def refresh_families_revoke_all(*, user_id: int) -> int:
    """End every sign-in of the user (logout-all, password change or reset, deactivation,
    deletion, role change): every refresh family is revoked and the access tokens already
    out there are refused from now on (the "not before" stamp)."""
    revoked = RefreshToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    access_tokens_revoke(user_id=user_id)
    return revoked


def refresh_token_rotate(*, refresh: str, client: ClientInfo) -> TokenPair:
    """Trade a refresh token for a new pair in the same family.

    1. The JWT must verify (signature, algorithm, iss/aud, exp, token_type) and be ours.
    2. A token that was already consumed is a replay: someone else holds the family. The
       whole family is revoked and the answer is `token_reused` (before the rate limit).
    3. Revoked or expired (own lifetime or the family's absolute one): `token_invalid`.
    4. The per-family refresh limit (429) — checked before consuming, so a throttled client
       keeps a working token.
    5. In one transaction: lock the user row (a concurrent deactivation or password change
       then either sees our new token or makes us see the inactive user), re-read role and
       is_active, consume the token with one conditional UPDATE (`consumed_at IS NULL AND
       revoked_at IS NULL`), insert the successor. Of N concurrent presentations exactly
       one UPDATE matches; the others are replays (step 2).
    """
    user_id, jti, amr = refresh_token_read(refresh)
    record = RefreshToken.objects.filter(jti_hash=jti_hash(jti)).first()
    if record is None or record.user_id != user_id:
        raise TokenInvalid("The refresh token is invalid or expired.")
    if record.consumed_at is not None:
        refresh_family_revoke(family=record.family)
        raise TokenReused(
            "This refresh token was already used; every token of its sign-in is now revoked."
        )
    now = timezone.now()
    if record.revoked_at is not None or record.expires_at <= now or record.family_expires_at <= now:
        raise TokenInvalid("The refresh token is invalid or expired.")
    rate_limits_check(("refresh_family", str(record.family)))

    outcome: TokenPair | None = None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=record.user_id).first()
        if user is not None and user.is_active:
            consumed = RefreshToken.objects.filter(
                pk=record.pk, consumed_at__isnull=True, revoked_at__isnull=True
            ).update(consumed_at=now)
            if consumed == 1:
                outcome = token_pair_issue(
                    user=user,
                    client=client,
                    family=record.family,
                    family_expires_at=record.family_expires_at,
                    amr=amr,
                )
    if outcome is not None:
        return outcome
    # Nothing was consumed: find out why, outside the rolled-back work.
    record.refresh_from_db(fields=["consumed_at", "revoked_at"])
    if record.consumed_at is not None:
        refresh_family_revoke(family=record.family)
        raise TokenReused(
            "This refresh token was already used; every token of its sign-in is now revoked."
        )
    if record.revoked_at is None:  # the user is gone or deactivated: end the family too
        refresh_family_revoke(family=record.family)
    raise TokenInvalid("The refresh token is invalid or expired.")


def refresh_token_logout(*, refresh: str) -> None:
    """Revoke the family of a (validly signed, unexpired) refresh token. Unknown or already
    revoked families are fine: logout is idempotent."""
    user_id, jti, _amr = refresh_token_read(refresh)
    record = RefreshToken.objects.filter(jti_hash=jti_hash(jti), user_id=user_id).first()
    if record is not None:
        refresh_family_revoke(family=record.family)


def refresh_tokens_purge(*, older_than: timedelta) -> int:
    """Delete rows that can never matter again: expired (a JWT past `exp` fails verification
    before any lookup) or revoked more than `older_than` ago. Consumed rows of live families
    stay: they are what recognises a replay."""
    cutoff = timezone.now() - older_than
    deleted, _ = RefreshToken.objects.filter(expires_at__lt=cutoff).delete()
    more, _ = RefreshToken.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + more


# --- profile, password, role, activation ----------------------------------------------------


def _user_for_update(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise TokenInvalid("The account no longer exists or is deactivated.")
    return user


@transaction.atomic
def user_update_profile(
    *,
    user_id: int,
    name: str | None = None,
    email: str | None = None,
    current_password: str | None = None,
) -> User:
    """Change name and/or email; an email change needs the current password and marks the
    new address unverified."""
    user = _user_for_update(user_id)
    fields: list[str] = []
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError(errors={"name": ["This field may not be blank."]})
        user.name = name
        fields.append("name")
    if email is not None and normalize_email(email) != user.email:
        if not current_password:
            raise ValidationError(
                errors={"current_password": ["Required to change the email address."]}
            )
        _password_check_throttled(user=user, password=current_password, field="current_password")
        new_email = normalize_email(email)
        if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
            raise ValidationError(errors={"email": ["An account with this email already exists."]})
        user.email = new_email
        user.email_verified = False
        fields += ["email", "email_verified"]
        _verification_mail_after_commit(user.pk)
    if fields:
        try:
            with transaction.atomic():
                user.save(update_fields=fields)
        except IntegrityError as exc:
            raise ValidationError(
                errors={"email": ["An account with this email already exists."]}
            ) from exc
    return user


def user_change_password(
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    client: ClientInfo,
    amr: tuple[str, ...] = (AMR_PASSWORD,),
) -> tuple[User, TokenPair]:
    """Set a new password (`user_password_change`) and start a fresh sign-in for the API
    caller. `amr` is how the caller's own sign-in was proven (`roles.sign_in_methods`): the
    new pair keeps a second factor already shown, since knowing the current password adds
    nothing that would have to prove it again."""
    with transaction.atomic():
        user = user_password_change(
            user_id=user_id, current_password=current_password, new_password=new_password
        )
        pair = token_pair_issue(user=user, client=client, amr=amr)
    return user, pair


@transaction.atomic
def user_password_change(*, user_id: int, current_password: str, new_password: str) -> User:
    """Every password change (API, admin): the current password checked like a sign-in
    (limited per account), the policy, then every sign-in of the user ends."""
    user = _user_for_update(user_id)
    password_check_length(password=new_password, field="new_password")
    _password_check_throttled(user=user, password=current_password, field="current_password")
    password_validate(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    refresh_families_revoke_all(user_id=user.pk)
    user.refresh_from_db(fields=["tokens_not_before"])  # the browser that asked stays in
    return user


@transaction.atomic
def user_change_role(*, user: User, role: str) -> User:
    """Set a role and the staff/superuser flags that go with it. Access tokens carry the
    role, so the ones out there are refused at once (a demoted instructor stops authoring
    now, not at expiry); a refresh re-reads the role and hands out the new one."""
    if role not in Role.values:
        raise ValidationError(errors={"role": [f"Must be one of: {', '.join(Role.values)}."]})
    locked = User.objects.select_for_update().get(pk=user.pk)
    changed = locked.role != role
    locked.role = role
    locked.apply_role_flags()
    locked.save(update_fields=["role", "is_staff", "is_superuser"])
    if changed:
        access_tokens_revoke(user_id=locked.pk)
    return locked


def user_set_role(*, email: str, role: str) -> User:
    """`manage.py set_role EMAIL ROLE`."""
    if role not in Role.values:
        raise ValidationError(errors={"role": [f"Must be one of: {', '.join(Role.values)}."]})
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None:
        raise NotFound(f"No user with email {email}.")
    return user_change_role(user=user, role=role)


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """No more sign-ins and no more refreshes: every family is revoked. Access tokens already
    out there die within their short lifetime; session pages refuse inactive users at once."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    refresh_families_revoke_all(user_id=locked.pk)
    return locked


@transaction.atomic
def user_activate(*, user: User) -> User:
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    access_tokens_revoke(user_id=locked.pk)  # the stamp of the inactive account was "never"
    return locked
