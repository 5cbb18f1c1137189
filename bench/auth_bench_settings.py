"""Settings for bench/bench_auth.py: the normal local settings (real Argon2id hasher) plus
two no-op endpoints, so the cost of authentication is measured on its own."""

from learnstream.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.auth_bench_urls"
DEBUG = False
