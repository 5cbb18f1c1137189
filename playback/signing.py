"""Signed playback tokens, the way Mux documents them.

RS256 JWTs signed with a Mux signing key (`MUX_SIGNING_KEY_ID`, `MUX_SIGNING_PRIVATE_KEY`
as the base64 PEM Mux hands out): header `kid` = the key id, claims `sub` = the playback id,
`aud` = `v` (video), `t` (thumbnail) or `s` (storyboard), `exp`. stream.mux.com and
image.mux.com (or the local simulator) check them; we never verify them ourselves.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from learnstream.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

AUD_VIDEO = "v"
AUD_THUMBNAIL = "t"
AUD_STORYBOARD = "s"


@dataclass(frozen=True)
class PlaybackTokens:
    video: str
    thumbnail: str
    storyboard: str
    expires_at: datetime


@lru_cache(maxsize=4)
def _load_private_key(material: str) -> Any:
    """Parse once per key: loading an RSA key costs more than signing with it."""
    text = material.strip()
    if "-----BEGIN" not in text:
        text = base64.b64decode(text, validate=True).decode()
    return serialization.load_pem_private_key(text.encode(), password=None)


def signing_key() -> tuple[str, Any]:
    """(key id, private key) from settings; 503 when the deployment has none configured."""
    key_id, material = settings.MUX_SIGNING_KEY_ID, settings.MUX_SIGNING_PRIVATE_KEY
    if not key_id or not material:
        logger.error("MUX_SIGNING_KEY_ID / MUX_SIGNING_PRIVATE_KEY are not set")
        raise ServiceUnavailable("Video playback is not configured on this server.")
    try:
        return key_id, _load_private_key(material)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        # Never log the material itself.
        logger.error("MUX_SIGNING_PRIVATE_KEY cannot be read: %s", type(exc).__name__)
        raise ServiceUnavailable("Video playback is not configured on this server.") from exc


def playback_tokens_issue(
    *, playback_id: str, duration_s: float, now: datetime | None = None
) -> PlaybackTokens:
    """Tokens valid long enough to watch the whole video once, plus a margin for pauses."""
    key_id, private_key = signing_key()
    issued = now or datetime.now(UTC)
    expires = int(issued.timestamp() + max(duration_s, 0) + settings.MUX_PLAYBACK_TOKEN_MARGIN_S)

    def sign(audience: str) -> str:
        claims = {"sub": playback_id, "aud": audience, "exp": expires}
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": key_id})

    return PlaybackTokens(
        video=sign(AUD_VIDEO),
        thumbnail=sign(AUD_THUMBNAIL),
        storyboard=sign(AUD_STORYBOARD),
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
    )


def stream_url(*, playback_id: str, token: str) -> str:
    return f"{settings.MUX_STREAM_BASE_URL}/{playback_id}.m3u8?token={token}"


def thumbnail_url(*, playback_id: str, token: str) -> str:
    return f"{settings.MUX_IMAGE_BASE_URL}/{playback_id}/thumbnail.jpg?token={token}"


def storyboard_url(*, playback_id: str, token: str) -> str:
    """Mux's storyboard WebVTT: one sprite tile per time range, for scrubber previews."""
    return f"{settings.MUX_IMAGE_BASE_URL}/{playback_id}/storyboard.vtt?token={token}"
