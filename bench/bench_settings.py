"""Production settings as bench/load.py serves them: everything of
`learnstream.settings.production` (DEBUG off, real Argon2id hasher, manifest static files,
no automatic Mongo index creation, INFO access log) except TLS, because the benchmark talks
plain HTTP to 127.0.0.1 — no HTTPS redirect, no HSTS, no Secure-only cookies."""

from pathlib import Path

from learnstream.settings.env import env
from learnstream.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# collectstatic of this run (the manifest storage needs its manifest to render pages).
STATIC_ROOT = Path(env.str("BENCH_STATIC_ROOT"))
