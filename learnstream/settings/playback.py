"""Settings of the `playback` app (imported by base)."""

from learnstream.settings.env import env  # noqa: F401
