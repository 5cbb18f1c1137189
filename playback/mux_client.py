"""The one place LearnStream talks to the Mux API, through the official `mux-python` SDK.

Every call carries `_request_timeout` (the SDK waits forever otherwise) and every failure
becomes part of the error contract:

- Mux answered with an error (4xx/5xx)            → `UpstreamError` (502 upstream_error)
- Mux could not be reached / timed out (urllib3)  → `ServiceUnavailable` (503)

Mux 429 and 5xx answers and refused/reset connections are retried (bounded attempts,
exponential backoff with full jitter, `Retry-After` honoured up to a cap, never sleeping
past `MUX_RETRY_BUDGET_S`); a timed-out call is not retried (it already spent its time).

`MUX_API_HOST` decides where the SDK goes: api.mux.com with real credentials, the local
simulator (`python -m mux_simulator`) by default. Nothing else changes between them.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import mux_python
import urllib3
from django.conf import settings
from django.utils import timezone
from mux_python.rest import ApiException

from learnstream.errors import ApplicationError, NotFound, ServiceUnavailable, UpstreamError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The static rendition offline viewing downloads: the asset's highest resolution as one MP4.
DOWNLOAD_RESOLUTION = "highest"


@dataclass(frozen=True)
class DirectUpload:
    id: str
    url: str
    status: str
    asset_id: str | None
    expires_at: datetime
    passthrough: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Asset:
    id: str
    status: str
    playback_ids: list[tuple[str, str]]  # (id, policy)
    duration_s: float | None
    aspect_ratio: str | None
    upload_id: str | None
    passthrough: str | None
    errors: list[str]
    tracks: tuple[Track, ...] = ()
    static_renditions: tuple[StaticRendition, ...] = ()


@dataclass(frozen=True)
class StaticRendition:
    """An MP4 (or M4A) file of an asset, for download (`name` e.g. `highest.mp4`)."""

    id: str | None
    name: str | None
    resolution: str | None
    status: str | None


@dataclass(frozen=True)
class Track:
    id: str
    type: str
    status: str | None
    text_source: str | None = None
    language_code: str | None = None
    passthrough: str | None = None


@dataclass(frozen=True)
class SigningKey:
    id: str
    private_key: str  # base64 of a PEM, as Mux hands it out (once)


@lru_cache(maxsize=4)
def _api_client(host: str, token_id: str, token_secret: str) -> mux_python.ApiClient:
    # Keyed on the settings so tests that point MUX_API_HOST elsewhere get a fresh client;
    # one client per configuration keeps urllib3's connection pool warm between calls.
    configuration = mux_python.Configuration()
    configuration.host = host
    configuration.username = token_id
    configuration.password = token_secret
    # urllib3's own silent retries (3 by default, no backoff) are off: `_call` decides.
    configuration.retries = False
    return mux_python.ApiClient(configuration)


def _client() -> mux_python.ApiClient:
    return _api_client(settings.MUX_API_HOST, settings.MUX_TOKEN_ID, settings.MUX_TOKEN_SECRET)


RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_delay(*, attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1-based): Mux's Retry-After (seconds)
    when it sent one, else full jitter over base·2^(attempt-1); both capped."""
    cap = settings.MUX_RETRY_CAP_S
    if retry_after is not None and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), cap)
    return random.uniform(0, min(cap, settings.MUX_RETRY_BASE_S * 2 ** (attempt - 1)))


def _retry_after_of(exc: ApiException) -> str | None:
    headers = getattr(exc, "headers", None) or {}
    return headers.get("Retry-After") if hasattr(headers, "get") else None


def _call(operation: str, call: Callable[..., T], *args: Any, not_found_ok: bool = False) -> T:
    """Run one SDK call with the timeout and bounded retries, translating failures into the
    contract: the last failure decides the error (HTTP answer → 502, no answer → 503)."""
    started = time.monotonic()
    attempts = max(1, settings.MUX_RETRY_ATTEMPTS)
    attempt = 0
    while True:
        attempt += 1
        retry_after: str | None = None
        try:
            return call(*args, _request_timeout=settings.MUX_REQUEST_TIMEOUT_S)
        except ApiException as exc:
            if not_found_ok and exc.status == 404:
                raise NotFound(f"Mux has no such object ({operation}).") from exc
            failure: ApplicationError = UpstreamError(
                f"The video service refused the request ({exc.status})."
            )
            # The body is Mux's error description; the request never contains our secret.
            reason = f"HTTP {exc.status} {(exc.body or '')[:300]}"
            retryable = exc.status in RETRYABLE_STATUSES
            retry_after, cause = _retry_after_of(exc), exc
        except urllib3.exceptions.NewConnectionError as exc:
            # Refused at once (it subclasses ConnectTimeoutError, but cost no time): retry.
            failure, reason, retryable, cause = _unreachable(), type(exc).__name__, True, exc
        except urllib3.exceptions.TimeoutError as exc:
            # Not retried: it already spent the whole timeout (and may have been applied).
            failure, reason, retryable, cause = _unreachable(), "timed out", False, exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            failure, reason, retryable, cause = _unreachable(), type(exc).__name__, True, exc
        delay = retry_delay(attempt=attempt, retry_after=retry_after) if retryable else 0.0
        out_of_budget = time.monotonic() - started + delay > settings.MUX_RETRY_BUDGET_S
        if not retryable or attempt >= attempts or out_of_budget:
            logger.warning("Mux %s failed after %d attempt(s): %s", operation, attempt, reason)
            raise failure from cause
        logger.info(
            "Mux %s: %s; retrying in %.2fs (attempt %d/%d)",
            operation,
            reason[:120],
            delay,
            attempt + 1,
            attempts,
        )
        time.sleep(delay)


def _unreachable() -> ServiceUnavailable:
    return ServiceUnavailable("The video service cannot be reached; please retry.")


def _asset_from(data: Any) -> Asset:
    return Asset(
        id=data.id,
        status=data.status,
        playback_ids=[(p.id, str(p.policy)) for p in (data.playback_ids or [])],
        duration_s=data.duration,
        aspect_ratio=data.aspect_ratio,
        upload_id=data.upload_id,
        passthrough=data.passthrough,
        errors=[str(m) for m in ((data.errors.messages or []) if data.errors else [])],
        tracks=tuple(_track_from(t) for t in (data.tracks or [])),
        static_renditions=tuple(
            _static_rendition_from(f)
            for f in ((data.static_renditions.files or []) if data.static_renditions else [])
        ),
    )


def _static_rendition_from(data: Any) -> StaticRendition:
    return StaticRendition(
        id=data.id, name=data.name, resolution=data.resolution, status=data.status
    )


def _track_from(data: Any) -> Track:
    return Track(
        id=data.id,
        type=str(data.type),
        status=data.status,
        text_source=data.text_source,
        language_code=data.language_code,
        passthrough=data.passthrough,
    )


def _upload_from(data: Any, *, created: datetime) -> DirectUpload:
    return DirectUpload(
        id=data.id,
        url=data.url,
        status=data.status,
        asset_id=data.asset_id,
        expires_at=created + timedelta(seconds=int(data.timeout or 0)),
        passthrough=data.new_asset_settings.passthrough if data.new_asset_settings else None,
        error=(data.error.message or data.error.type) if data.error else None,
    )


@dataclass(frozen=True)
class GeneratedSubtitles:
    """Automatic captions to ask for in a new asset's settings."""

    language: str
    name: str
    passthrough: str


def direct_upload_create(
    *, passthrough: str, generated_subtitles: GeneratedSubtitles | None = None
) -> DirectUpload:
    """A direct upload whose asset is signed-playback only and points back at `passthrough`,
    with the configured quality and resolution cap, and optionally automatic captions
    (`generated_subtitles` of the asset's input: Mux transcribes the audio once it has it)."""
    asset_settings: dict[str, Any] = {}
    if generated_subtitles is not None:
        asset_settings["inputs"] = [
            mux_python.InputSettings(
                generated_subtitles=[
                    mux_python.AssetGeneratedSubtitleSettings(
                        language_code=generated_subtitles.language,
                        name=generated_subtitles.name,
                        passthrough=generated_subtitles.passthrough,
                    )
                ]
            )
        ]
    if settings.MUX_VIDEO_QUALITY:
        asset_settings["video_quality"] = settings.MUX_VIDEO_QUALITY
    if settings.MUX_MAX_RESOLUTION_TIER:
        asset_settings["max_resolution_tier"] = settings.MUX_MAX_RESOLUTION_TIER
    if settings.MUX_DOWNLOADS:  # an MP4 for offline viewing (playback.downloads)
        asset_settings["static_renditions"] = [
            mux_python.CreateStaticRenditionRequest(resolution=DOWNLOAD_RESOLUTION)
        ]
    request = mux_python.CreateUploadRequest(
        new_asset_settings=mux_python.CreateAssetRequest(
            playback_policies=[mux_python.PlaybackPolicy.SIGNED],
            passthrough=passthrough,
            **asset_settings,
        ),
        cors_origin=settings.SITE_URL,
        timeout=settings.MUX_UPLOAD_TIMEOUT_S,
    )
    started = timezone.now()
    api = mux_python.DirectUploadsApi(_client())
    response = _call("create_direct_upload", api.create_direct_upload, request)
    return _upload_from(response.data, created=started)


def direct_upload_get(*, upload_id: str) -> DirectUpload:
    api = mux_python.DirectUploadsApi(_client())
    response = _call("get_direct_upload", api.get_direct_upload, upload_id, not_found_ok=True)
    return _upload_from(response.data, created=timezone.now())


def direct_upload_cancel(*, upload_id: str) -> None:
    api = mux_python.DirectUploadsApi(_client())
    _call("cancel_direct_upload", api.cancel_direct_upload, upload_id, not_found_ok=True)


def asset_get(*, asset_id: str) -> Asset:
    api = mux_python.AssetsApi(_client())
    return _asset_from(_call("get_asset", api.get_asset, asset_id, not_found_ok=True).data)


def asset_delete(*, asset_id: str) -> None:
    api = mux_python.AssetsApi(_client())
    _call("delete_asset", api.delete_asset, asset_id, not_found_ok=True)


def static_rendition_create(*, asset_id: str, resolution: str) -> StaticRendition:
    """Ask Mux to make a static rendition (an MP4) of an existing asset."""
    request = mux_python.CreateStaticRenditionRequest(resolution=resolution)
    api = mux_python.AssetsApi(_client())
    response = _call(
        "create_asset_static_rendition",
        api.create_asset_static_rendition,
        asset_id,
        request,
        not_found_ok=True,
    )
    return _static_rendition_from(response.data)


def signing_key_create() -> SigningKey:
    api = mux_python.SigningKeysApi(_client())
    data = _call("create_signing_key", api.create_signing_key).data
    return SigningKey(id=data.id, private_key=data.private_key)


def text_track_create(
    *, asset_id: str, url: str, language: str, name: str, closed_captions: bool, passthrough: str
) -> Track:
    """Ask Mux to fetch a WebVTT file from `url` and add it to the asset as subtitles."""
    request = mux_python.CreateTrackRequest(
        url=url,
        type="text",
        text_type="subtitles",
        language_code=language,
        name=name,
        closed_captions=closed_captions,
        passthrough=passthrough,
    )
    api = mux_python.AssetsApi(_client())
    response = _call("create_asset_track", api.create_asset_track, asset_id, request)
    return _track_from(response.data)


def text_track_delete(*, asset_id: str, track_id: str) -> None:
    api = mux_python.AssetsApi(_client())
    _call("delete_asset_track", api.delete_asset_track, asset_id, track_id, not_found_ok=True)


def generated_subtitles_create(
    *, asset_id: str, audio_track_id: str, language: str, name: str, passthrough: str
) -> Track:
    """Ask Mux to transcribe the asset's audio track into a text track."""
    request = mux_python.GenerateTrackSubtitlesRequest(
        generated_subtitles=[
            mux_python.AssetGeneratedSubtitleSettings(
                language_code=language, name=name, passthrough=passthrough
            )
        ]
    )
    api = mux_python.AssetsApi(_client())
    response = _call(
        "generate_asset_track_subtitles",
        api.generate_asset_track_subtitles,
        asset_id,
        audio_track_id,
        request,
    )
    tracks = response.data or []
    if not tracks:
        raise UpstreamError("The video service returned no generated track.")
    return _track_from(tracks[0])
