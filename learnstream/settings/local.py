"""The default settings: plain HTTP on localhost, embedded services unless told otherwise."""

from learnstream.settings.base import *  # noqa: F403
from learnstream.settings.env import env

DEBUG = env.bool("DEBUG", default=True)

# The development tools' commands (`seed_demo_videos` makes the demo's lesson videos).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405
