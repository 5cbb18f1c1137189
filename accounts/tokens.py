"""Minting and reading the JWTs (SimpleJWT). Persistence of refresh tokens is in services.

Access token claims: `user_id` (string, as SimpleJWT writes it), `role`, `amr` (how the
sign-in was proven: `["pwd"]`, or `["pwd", "otp"]` after a second factor), `iat_ms` (issue
time in milliseconds, compared with the user's "not before" stamp), `token_type`, `jti`,
`iat`, `exp`, `iss`, `aud`. Refresh tokens carry `amr` too, so a rotation keeps it, but no
role: it is re-read from the user on every refresh. Decoding goes through SimpleJWT's
backend, which accepts only
`SIMPLE_JWT["ALGORITHM"]` (so `alg: none` and other algorithms fail) and checks
signature, `exp`, `iss` and `aud`; the token classes check `token_type`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.tokens import RefreshToken as JwtRefreshToken

from accounts.models import User
from accounts.roles import AMR_PASSWORD
from learnstream.cache import cache_get, cache_set
from learnstream.errors import TokenInvalid

_NOT_BEFORE_KEY = "ls:auth:nbf:"
# A user that no longer exists (or is deactivated): every token is refused.
_NOT_BEFORE_NEVER = 2**62


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


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def access_token_mint(
    *, user: User, amr: tuple[str, ...] = (AMR_PASSWORD,)
) -> tuple[str, datetime]:
    token = AccessToken.for_user(user)
    token["role"] = user.role
    token["amr"] = list(amr)
    token["iat_ms"] = _now_ms()
    return str(token), _exp_of(token)


def refresh_token_mint(
    *, user: User, now: datetime, not_after: datetime, amr: tuple[str, ...]
) -> tuple[str, str, datetime]:
    """A new refresh JWT that dies at its own lifetime or at `not_after` (the family's end),
    whichever comes first. Returns (token, jti, expires_at)."""
    token = JwtRefreshToken.for_user(user)
    token["amr"] = list(amr)
    lifetime = min(JwtRefreshToken.lifetime or timedelta(0), not_after - now)
    token.set_exp(from_time=now, lifetime=lifetime)
    token.set_iat(at_time=now)
    return str(token), str(token["jti"]), _exp_of(token)


def refresh_token_read(raw: str) -> tuple[int, str, tuple[str, ...]]:
    """Verify a presented refresh JWT; returns (user_id, jti, amr) or raises
    `TokenInvalid`."""
    try:
        token = JwtRefreshToken(raw.encode() if isinstance(raw, str) else raw)  # type: ignore[arg-type]
        amr = tuple(str(method) for method in token.get("amr", [AMR_PASSWORD]))
        return int(token["user_id"]), str(token["jti"]), amr
    except (TokenError, KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid("The refresh token is invalid or expired.") from exc


# --- revocation: the per-user "not before" stamp ---------------------------------------------
# Access tokens are verified without the database. To end them within seconds anyway, each
# user has a "not before" instant (ms): a token whose `iat_ms` is earlier is refused. The
# stamp lives in `User.tokens_not_before` and is served from the cache (one GET per bearer
# request). A miss or a cache outage reads the row (and refills the cache), so revocation
# holds while Redis is down, at the price of one indexed read, like every other cache miss.


def _stamp_timeout_s() -> int:
    # Past the access lifetime every token older than the stamp has expired anyway.
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    return int(lifetime.total_seconds()) + 60


def _stamp_from_db(user_id: int) -> int:
    row = User.objects.filter(pk=user_id).values_list("tokens_not_before", "is_active").first()
    if row is None or not row[1]:
        return _NOT_BEFORE_NEVER
    stamp = row[0]
    return int(stamp.timestamp() * 1000) if stamp is not None else 0


def access_tokens_not_before(user_id: int) -> int:
    """The user's stamp in ms (0: nothing revoked)."""
    key = f"{_NOT_BEFORE_KEY}{user_id}"
    cached = cache_get(key)
    if isinstance(cached, int):
        return cached
    stamp = _stamp_from_db(user_id)
    cache_set(key, stamp, timeout=_stamp_timeout_s())
    return stamp


def access_token_revoked(*, user_id: int, issued_ms: int) -> bool:
    return issued_ms < access_tokens_not_before(user_id)


def access_tokens_revoke(*, user_id: int) -> None:
    """Refuse every access token of the user issued until now (tokens minted after this
    call, e.g. the caller's new pair after a password change, stay valid)."""
    now = timezone.now()
    User.objects.filter(pk=user_id).update(tokens_not_before=now)
    stamp = _stamp_from_db(user_id)
    cache_set(f"{_NOT_BEFORE_KEY}{user_id}", stamp, timeout=_stamp_timeout_s())
