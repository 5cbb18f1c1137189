"""Settings of the `accounts` app (imported by base)."""

from learnstream.settings.env import env  # noqa: F401
