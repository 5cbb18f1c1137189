"""Hardened settings. Refuses to start with a default secret key or DEBUG on."""

from django.core.exceptions import ImproperlyConfigured

from learnstream.settings.base import *  # noqa: F403
from learnstream.settings.base import INSECURE_DEFAULT_SECRET_KEY, SECRET_KEY
from learnstream.settings.env import env

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production settings.")
if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value in production.")

MONGODB_AUTO_CREATE_INDEX = env.bool("MONGODB_AUTO_CREATE_INDEX", default=False)
# Admins need an OTP-verified session (TOTP or a recovery code) to enter /admin/.
ADMIN_REQUIRE_2FA_ROLES = env.list("ADMIN_REQUIRE_2FA_ROLES", default=["admin"])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# One JSON object per log line (request id, user id, route, status, duration) for the log
# pipeline; LOG_FORMAT=plain switches back.
LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="json")  # noqa: F405
