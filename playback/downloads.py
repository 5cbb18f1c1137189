"""Offline viewing: a signed, expiring MP4 of the lesson's video and the offline grant that
lets the learner's device sync what was watched (`tracking.offline_sync`).

The MP4 is a Mux static rendition (`highest.mp4`, `mux_client.DOWNLOAD_RESOLUTION`). New
uploads ask for it in `new_asset_settings.static_renditions` while MUX_DOWNLOADS is on; an
asset made before that gets it on the first download request, through Mux's static-renditions
API, and the request answers 409 download_preparing (with Retry-After) until Mux has made it.
The URL carries an RS256 video token (`aud` `v`), exactly as the stream does: Mux checks it
when the download starts. The grant is a signed id (`tracking.offline_grants`), so no state
is stored here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from accounts.roles import Viewer, require_user_id
from learnstream.errors import DownloadPreparing, DownloadsDisabled, UpstreamError
from playback import mux_client, signing
from playback.selectors import lesson_playable_source
from tracking.offline_grants import OfflineGrant, offline_grant_issue

RENDITION_NAME = f"{mux_client.DOWNLOAD_RESOLUTION}.mp4"
RETRY_AFTER_S = 15


@dataclass(frozen=True)
class LessonDownload:
    url: str
    url_expires_at: datetime
    rendition: str
    duration_s: float
    grant: OfflineGrant


def _preparing() -> DownloadPreparing:
    return DownloadPreparing(
        "The video's download is being prepared: retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _rendition_ready(asset_id: str) -> None:
    """Return when the asset's download rendition is ready; otherwise ask Mux for it (once)
    and raise 409 download_preparing."""
    asset = mux_client.asset_get(asset_id=asset_id)
    wanted = [r for r in asset.static_renditions if r.name == RENDITION_NAME]
    if not wanted:
        try:
            mux_client.static_rendition_create(
                asset_id=asset_id, resolution=mux_client.DOWNLOAD_RESOLUTION
            )
        except UpstreamError:
            # Refused: most likely a concurrent request asked first. Preparing if it did.
            asset = mux_client.asset_get(asset_id=asset_id)
            if not any(r.name == RENDITION_NAME for r in asset.static_renditions):
                raise
        raise _preparing()
    status = wanted[0].status
    if status == "ready":
        return
    if status == "preparing":
        raise _preparing()
    raise UpstreamError(f"The video service could not make the download ({status}).")


def lesson_download_create(
    *, user: Viewer, lesson_id: Any, now: datetime | None = None
) -> LessonDownload:
    """A signed MP4 URL and an offline grant for a viewer who may watch the lesson:
    404 downloads_disabled (MUX_DOWNLOADS off), then the playback route's 404 / 403 / 409,
    then 409 download_preparing while Mux makes the MP4."""
    if not settings.MUX_DOWNLOADS:
        raise DownloadsDisabled("Offline downloads are not available on this server.")
    access, source = lesson_playable_source(user=user, lesson_id=lesson_id)
    user_id = require_user_id(user)
    _rendition_ready(source.asset_id)
    tokens = signing.playback_tokens_issue(
        playback_id=source.playback_id, duration_s=source.duration_s
    )
    return LessonDownload(
        url=signing.static_rendition_url(
            playback_id=source.playback_id, name=RENDITION_NAME, token=tokens.video
        ),
        url_expires_at=tokens.expires_at,
        rendition=RENDITION_NAME,
        duration_s=source.duration_s,
        grant=offline_grant_issue(user_id=user_id, lesson_id=access.facts.lesson_id, now=now),
    )
