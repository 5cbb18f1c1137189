"""API authentication without a database read: the user is built from the access token."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.roles import Role


class StatelessUser:
    """The signed-in user as the access token describes it (id, role)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, *, id: int, role: str) -> None:
        self.id = id
        self.pk = id
        self.role = role
        self.is_staff = role in (Role.ADMIN, Role.INSTRUCTOR)
        self.is_superuser = role == Role.ADMIN
        self.is_active = True

    def __str__(self) -> str:
        return f"user:{self.id}"

    def __eq__(self, other: object) -> bool:
        return getattr(other, "id", None) == self.id

    def __hash__(self) -> int:
        return hash(self.id)


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
            raise InvalidToken("The access token is invalid or expired.") from exc

    def get_user(self, validated_token: Any) -> StatelessUser:  # type: ignore[override]
        try:
            # SimpleJWT 5.5 writes user_id as a string: convert once, here.
            user_id = int(validated_token["user_id"])
            role = str(validated_token.get("role", Role.STUDENT))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        if role not in Role.values:
            raise InvalidToken("Token carries an unknown role")
        return StatelessUser(id=user_id, role=role)
