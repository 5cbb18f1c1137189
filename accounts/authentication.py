"""API authentication without a database read: the user is built from the access token.
One cache read per request checks the user's "not before" stamp (accounts.tokens), so a
revoked token stops working within seconds, not at its expiry."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.roles import AMR_OTP, AMR_PASSWORD, Role


class StatelessUser:
    """The signed-in user as the access token describes it (id, role, how it signed in)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, *, id: int, role: str, amr: tuple[str, ...] = (AMR_PASSWORD,)) -> None:
        self.id = id
        self.pk = id
        self.role = role
        self.amr = amr
        self.is_staff = role in (Role.ADMIN, Role.INSTRUCTOR)
        self.is_superuser = role == Role.ADMIN
        self.is_active = True

    def __str__(self) -> str:
        return f"user:{self.id}"

    def is_verified(self) -> bool:
        """Signed in with a second factor (django-otp's name for it on session users)."""
        return AMR_OTP in self.amr

    def __eq__(self, other: object) -> bool:
        return getattr(other, "id", None) == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def _invalid(detail: str) -> Exception:
    # Our own 401 (`token_invalid` with this sentence as `detail`): SimpleJWT's InvalidToken
    # carries a dict that would reach clients as a Python repr.
    from learnstream.errors import TokenInvalid

    return TokenInvalid(detail)


class StatelessJWTAuthentication(JWTStatelessUserAuthentication):
    """Bearer access tokens only: SimpleJWT's backend accepts the configured algorithm
    alone (no `alg: none`, no algorithm switching), checks signature, `exp`, `iss`, `aud`,
    and `AccessToken` refuses any other `token_type` (a refresh token is not an access
    token). Every failure is one plain 401 `token_invalid`."""

    www_authenticate_realm = "api"

    def get_validated_token(self, raw_token: bytes) -> Any:
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken as exc:
            # SimpleJWT's detail is a nested dict per token class; clients get one message.
            raise _invalid("The access token is invalid or expired.") from exc

    def get_user(self, validated_token: Any) -> StatelessUser:  # type: ignore[override]
        try:
            # SimpleJWT 5.5 writes user_id as a string: convert once, here.
            user_id = int(validated_token["user_id"])
            role = str(validated_token.get("role", Role.STUDENT))
            amr = tuple(str(method) for method in validated_token.get("amr", [AMR_PASSWORD]))
            issued_ms = int(validated_token.get("iat_ms", int(validated_token["iat"]) * 1000))
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid("The access token is invalid or expired.") from exc
        if role not in Role.values:
            raise _invalid("The access token is invalid or expired.")
        # Imported here: DRF loads this class while its own modules are still importing.
        from accounts.tokens import access_token_revoked

        if access_token_revoked(user_id=user_id, issued_ms=issued_ms):
            raise _invalid("The access token was revoked: sign in again.")
        return StatelessUser(id=user_id, role=role, amr=amr)


@cache
def _bearer() -> StatelessJWTAuthentication:
    # Made on first use: its constructor looks up the user model (apps must be ready).
    return StatelessJWTAuthentication()


def api_request_user(request: HttpRequest) -> Any | None:
    """The signed-in user of an API request handled outside DRF, by the rules of the API's
    authentication classes (settings REST_FRAMEWORK): a bearer token first (the same
    StatelessJWTAuthentication, so signature, expiry, issuer, audience and the "not before"
    stamp all apply), else the session user after DRF's own CSRF check. None when neither
    signs the request in; a bad token or a failed CSRF check raise what DRF would raise."""
    found = _bearer().authenticate(request)  # type: ignore[arg-type]  # reads META only
    if found is not None:
        return found[0]
    user = getattr(request, "user", None)
    if user is None or not user.is_active:
        return None
    SessionAuthentication().enforce_csrf(request)  # type: ignore[arg-type]
    return user
