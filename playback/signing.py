"""Signed playback tokens, the way Mux documents them.

RS256 JWTs signed with a Mux signing key (`MUX_SIGNING_KEY_ID`, `MUX_SIGNING_PRIVATE_KEY`
as the base64 PEM Mux hands out): header `kid` = the key id, claims `sub` = the playback id,
`aud` = `v` (video), `t` (thumbnail) or `s` (storyboard), `exp`. stream.mux.com and
image.mux.com (or the local simulator) check them; we never verify them ourselves.

The tokens name the video, never the viewer, so one set per playback id is reused while it
is fresh instead of signing three RS256 tokens per request: a set is handed out again only
during its first `MUX_PLAYBACK_TOKEN_REUSE_S` seconds (at most half the margin), so every
token handed out still has at least the video's duration plus half the margin to run. The
reuse store is per process (no shared state is needed: any valid set plays).
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections import OrderedDict
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


_REUSE_MAX_ENTRIES = 4096
# (key id, key object, margin, playback id, whole seconds) -> (signed at, tokens)
_reusable: OrderedDict[tuple[str, int, int, str, int], tuple[float, PlaybackTokens]] = OrderedDict()
_reusable_lock = threading.Lock()


def _reuse_window_s() -> float:
    margin = max(float(settings.MUX_PLAYBACK_TOKEN_MARGIN_S), 0.0)
    return min(max(float(settings.MUX_PLAYBACK_TOKEN_REUSE_S), 0.0), margin / 2)


def playback_tokens_issue(
    *, playback_id: str, duration_s: float, now: datetime | None = None
) -> PlaybackTokens:
    """Tokens valid long enough to watch the whole video once, plus a margin for pauses.
    A set signed for this playback id and duration less than the reuse window ago is
    handed out again (see the module docstring)."""
    key_id, private_key = signing_key()
    issued = now or datetime.now(UTC)
    issued_ts = issued.timestamp()
    whole_s = int(max(duration_s, 0))
    margin_s = int(settings.MUX_PLAYBACK_TOKEN_MARGIN_S)
    reuse_key = (key_id, id(private_key), margin_s, playback_id, whole_s)
    window_s = _reuse_window_s()
    with _reusable_lock:
        found = _reusable.get(reuse_key)
    if found is not None and found[0] <= issued_ts < found[0] + window_s:
        return found[1]
    tokens = _sign_set(
        key_id=key_id,
        private_key=private_key,
        playback_id=playback_id,
        issued_ts=issued_ts,
        duration_s=duration_s,
    )
    if window_s > 0:
        with _reusable_lock:
            _reusable[reuse_key] = (issued_ts, tokens)
            _reusable.move_to_end(reuse_key)
            while len(_reusable) > _REUSE_MAX_ENTRIES:
                _reusable.popitem(last=False)
    return tokens


def _sign_set(
    *, key_id: str, private_key: Any, playback_id: str, issued_ts: float, duration_s: float
) -> PlaybackTokens:
    expires = int(issued_ts + max(duration_s, 0) + settings.MUX_PLAYBACK_TOKEN_MARGIN_S)

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


def static_rendition_url(*, playback_id: str, name: str, token: str) -> str:
    """A static rendition (MP4) of a signed playback id, checked against a video (`v`) token."""
    return f"{settings.MUX_STREAM_BASE_URL}/{playback_id}/{name}?token={token}"
