"""Mux settings. Unset credentials mean the local simulator (`python -m playback.simulator`)."""

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
MUX_MAX_UPLOAD_BYTES = env.int("MUX_MAX_UPLOAD_BYTES", default=5 * 1024**3)
