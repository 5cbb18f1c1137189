"""Settings of the `playback` app (imported by base)."""

from learnstream.settings.env import env

# Origins (besides those of MUX_API_HOST / MUX_STREAM_BASE_URL / MUX_IMAGE_BASE_URL) that
# player and upload pages may load media from or upload to. Real Mux serves renditions and
# receives direct uploads on other hosts than stream.mux.com.
MUX_CSP_EXTRA_SOURCES = env.list(
    "MUX_CSP_EXTRA_SOURCES",
    default=["https://*.mux.com", "https://storage.googleapis.com"],
)
