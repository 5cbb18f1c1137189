"""Minting and reading the JWTs (SimpleJWT). Persistence of refresh tokens is in services.

Access token claims: `user_id` (string, as SimpleJWT writes it), `role`, `token_type`,
`jti`, `iat`, `exp`, `iss`, `aud`. Refresh tokens carry no role: it is re-read from the
user on every refresh. Decoding goes through SimpleJWT's backend, which accepts only
`SIMPLE_JWT["ALGORITHM"]` (so `alg: none` and other algorithms fail) and checks
signature, `exp`, `iss` and `aud`; the token classes check `token_type`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.tokens import RefreshToken as JwtRefreshToken

from accounts.models import User
from learnstream.errors import TokenInvalid


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


def jti_hash(jti: str) -> str:
    """What we store instead of the token: SHA-256 of its random `jti` (a uuid4 hex)."""
    return hashlib.sha256(jti.encode()).hexdigest()


def _exp_of(token: AccessToken | JwtRefreshToken) -> datetime:
    return datetime.fromtimestamp(int(token["exp"]), tz=UTC)


def access_token_mint(*, user: User) -> tuple[str, datetime]:
    token = AccessToken.for_user(user)
    token["role"] = user.role
    return str(token), _exp_of(token)


def refresh_token_mint(
    *, user: User, now: datetime, not_after: datetime
) -> tuple[str, str, datetime]:
    """A new refresh JWT that dies at its own lifetime or at `not_after` (the family's end),
    whichever comes first. Returns (token, jti, expires_at)."""
    token = JwtRefreshToken.for_user(user)
    lifetime = min(JwtRefreshToken.lifetime or timedelta(0), not_after - now)
    token.set_exp(from_time=now, lifetime=lifetime)
    token.set_iat(at_time=now)
    return str(token), str(token["jti"]), _exp_of(token)


def refresh_token_read(raw: str) -> tuple[int, str]:
    """Verify a presented refresh JWT; returns (user_id, jti) or raises `TokenInvalid`."""
    try:
        token = JwtRefreshToken(raw.encode() if isinstance(raw, str) else raw)  # type: ignore[arg-type]
        return int(token["user_id"]), str(token["jti"])
    except (TokenError, KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid("The refresh token is invalid or expired.") from exc
