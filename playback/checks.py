"""System checks for the Mux settings, run at start-up (`manage.py check`, runserver,
migrate): a typo in MUX_VIDEO_QUALITY must fail the deploy, not the first upload."""

from __future__ import annotations

from typing import Any

import mux_python
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

# The SDK validates these fields against its own enums when a request is built, so building
# one is the authoritative test of a value (no copy of the enum lists to drift).
_ASSET_FIELDS = {
    "MUX_VIDEO_QUALITY": ("video_quality", "playback.E001"),
    "MUX_MAX_RESOLUTION_TIER": ("max_resolution_tier", "playback.E002"),
}


@register("playback")
def mux_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for setting, (field, check_id) in _ASSET_FIELDS.items():
        value = getattr(settings, setting, "")
        if not value:
            continue  # not sent: Mux's environment default applies
        try:
            mux_python.CreateAssetRequest(**{field: value})
        except ValueError as exc:
            messages.append(
                Error(f"{setting}={value!r} is not accepted by Mux: {exc}", id=check_id)
            )
    if settings.MUX_MAX_UPLOAD_BYTES <= 0:
        messages.append(Error("MUX_MAX_UPLOAD_BYTES must be positive.", id="playback.E003"))
    if settings.MUX_RETRY_ATTEMPTS < 1:
        messages.append(Error("MUX_RETRY_ATTEMPTS must be at least 1.", id="playback.E004"))
    if settings.MUX_SIGNING_KEY_ID and settings.MUX_SIGNING_KEY_ID in settings.MUX_SIGNING_KEYS:
        messages.append(
            Warning(
                "MUX_SIGNING_KEYS lists the current MUX_SIGNING_KEY_ID; it should list only "
                "the older keys kept valid during a rotation.",
                id="playback.W001",
            )
        )
    return messages
