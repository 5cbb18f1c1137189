"""Mux settings. Unset credentials mean the local simulator (`python -m mux_simulator`)."""

from learnstream.settings.env import env

MUX_API_HOST = env.str("MUX_API_HOST", default="http://127.0.0.1:8900").rstrip("/")
MUX_TOKEN_ID = env.str("MUX_TOKEN_ID", default="simulator-token-id")
MUX_TOKEN_SECRET = env.str("MUX_TOKEN_SECRET", default="simulator-token-secret")
MUX_WEBHOOK_SECRET = env.str("MUX_WEBHOOK_SECRET", default="simulator-webhook-secret")
MUX_SIGNING_KEY_ID = env.str("MUX_SIGNING_KEY_ID", default="")
MUX_SIGNING_PRIVATE_KEY = env.str("MUX_SIGNING_PRIVATE_KEY", default="")
# Where players fetch media: real Mux serves stream.mux.com / image.mux.com; the
# simulator serves both under its own address.
MUX_STREAM_BASE_URL = env.str("MUX_STREAM_BASE_URL", default=f"{MUX_API_HOST}/stream").rstrip("/")
MUX_IMAGE_BASE_URL = env.str("MUX_IMAGE_BASE_URL", default=f"{MUX_API_HOST}/image").rstrip("/")
# One Mux API call per request at most; a slow Mux must still let the request answer
# (502/503) well within 5 s, so the call gives up after 3 s.
MUX_REQUEST_TIMEOUT_S = env.float("MUX_REQUEST_TIMEOUT_S", default=3.0)
MUX_UPLOAD_TIMEOUT_S = env.int("MUX_UPLOAD_TIMEOUT_S", default=3600)
MUX_WEBHOOK_TOLERANCE_S = env.int("MUX_WEBHOOK_TOLERANCE_S", default=300)
MUX_PLAYBACK_TOKEN_MARGIN_S = env.int("MUX_PLAYBACK_TOKEN_MARGIN_S", default=3600)
# A signed set for a playback id is handed out again for this long (capped at half the
# margin), so a reused token always has the duration plus half the margin left.
MUX_PLAYBACK_TOKEN_REUSE_S = env.int("MUX_PLAYBACK_TOKEN_REUSE_S", default=1800)
MUX_MAX_UPLOAD_BYTES = env.int("MUX_MAX_UPLOAD_BYTES", default=5 * 1024**3)
# Asset quality and resolution cap for new uploads (validated against the SDK's enums by the
# `playback` system checks): video_quality basic | plus | premium; tier 1080p | 1440p | 2160p.
# Empty: not sent, so Mux applies the environment's defaults.
MUX_VIDEO_QUALITY = env.str("MUX_VIDEO_QUALITY", default="")
MUX_MAX_RESOLUTION_TIER = env.str("MUX_MAX_RESOLUTION_TIER", default="")
# Mux 429/5xx and refused connections are retried: at most this many attempts in all, with
# exponential backoff and full jitter, a Retry-After honoured up to the cap, and never
# sleeping past the budget (request paths stay well under 5 s of retrying).
MUX_RETRY_ATTEMPTS = env.int("MUX_RETRY_ATTEMPTS", default=3)
MUX_RETRY_BASE_S = env.float("MUX_RETRY_BASE_S", default=0.2)
MUX_RETRY_CAP_S = env.float("MUX_RETRY_CAP_S", default=1.0)
MUX_RETRY_BUDGET_S = env.float("MUX_RETRY_BUDGET_S", default=2.5)
# Webhook-secret rotation: extra secrets (comma-separated) accepted besides
# MUX_WEBHOOK_SECRET while Mux switches over (see docs/OPERATIONS.md).
MUX_WEBHOOK_SECRETS = env.list("MUX_WEBHOOK_SECRETS", default=[])
# Signing-key rotation: ids of older signing keys that must stay valid at Mux until every
# token they signed has expired. Tokens are always signed with MUX_SIGNING_KEY_ID (the newest).
MUX_SIGNING_KEYS = env.list("MUX_SIGNING_KEYS", default=[])
# Replaced (and removed lessons') Mux assets are deleted this many days after retirement.
MUX_ASSET_GRACE_DAYS = env.int("MUX_ASSET_GRACE_DAYS", default=7)
# Where Mux fetches caption files from (signed, expiring links to this app); SITE_URL by
# default. Must be reachable from Mux (the public origin in production).
MUX_CAPTION_SOURCE_BASE_URL = env.str("MUX_CAPTION_SOURCE_BASE_URL", default="").rstrip("/")
MUX_CAPTION_SOURCE_MAX_AGE_S = env.int("MUX_CAPTION_SOURCE_MAX_AGE_S", default=86400)
# Offline viewing: learners who may watch a lesson can download its video as a signed MP4
# (a Mux static rendition) with an offline grant for syncing what they watched
# (POST /api/v1/lessons/{id}/download). Off: that route answers 404 downloads_disabled, and
# new uploads ask Mux for no MP4.
MUX_DOWNLOADS = env.bool("MUX_DOWNLOADS", default=False)
