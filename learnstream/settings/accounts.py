"""Settings of the `accounts` app (imported by base): email, password reset, email
verification, staff two-factor and the account-lifecycle rate limits."""

from datetime import timedelta
from urllib.parse import urlsplit

from learnstream.settings.env import VAR_DIR, env

# --- email ----------------------------------------------------------------------------------
# EMAIL_URL (django-environ syntax, e.g. smtp+tls://user:pass@smtp.example.com:587) selects a
# real mail server. Without it every mail is printed to the console and a copy is kept as an
# .eml file under var/mail/, so a newcomer can follow reset and verification links.
# EMAIL_FILE_PATH first: a `filemail://` EMAIL_URL names the directory, and the URL wins.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
_EMAIL_URL = env.str("EMAIL_URL", default="")
if _EMAIL_URL:
    # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS...
    globals().update(env.email_url("EMAIL_URL"))
    if _EMAIL_URL.startswith("filemail:"):
        # django-environ drops the path's leading "/": `filemail:///srv/mail` means /srv/mail
        # (and `filemail://var/mail` the relative var/mail).
        _parsed = urlsplit(_EMAIL_URL)
        EMAIL_FILE_PATH = (_parsed.netloc + _parsed.path) or EMAIL_FILE_PATH
else:
    EMAIL_BACKEND = "accounts.mail_backend.ConsoleAndFileEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LearnStream <no-reply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- password reset and email verification --------------------------------------------------
# A reset link works once (it is bound to the password hash) and for this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=env.int("EMAIL_VERIFICATION_DAYS", default=3))
# Unverified users may browse; with this on they must verify before enrolling.
REQUIRE_VERIFIED_EMAIL_TO_ENROL = env.bool("REQUIRE_VERIFIED_EMAIL_TO_ENROL", default=True)

# --- staff two-factor -----------------------------------------------------------------------
# Roles that need an OTP-verified session to enter /admin/ (production defaults to admins).
ADMIN_REQUIRE_2FA_ROLES = env.list("ADMIN_REQUIRE_2FA_ROLES", default=[])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="LearnStream")
RECOVERY_CODE_COUNT = 10
# How long the otp_token of a password-checked API sign-in waits for its code.
OTP_SIGN_IN_MAX_AGE = timedelta(minutes=5)
# Enrolling an authenticator needs a link mailed to the account's address: it works once,
# for this long; the authenticator it starts must then be confirmed within the window.
TWO_FACTOR_ENROL_LINK_MAX_AGE = timedelta(
    minutes=env.int("TWO_FACTOR_ENROL_LINK_MINUTES", default=15)
)
TWO_FACTOR_ENROL_WINDOW = timedelta(minutes=15)

# --- rate limits (merged into RATE_LIMITS by base) -------------------------------------------
ACCOUNT_LIFECYCLE_RATE_LIMITS = {
    "password_reset_ip": (env.int("RATE_PASSWORD_RESET_PER_IP", default=20), 3600),
    "password_reset_email": (env.int("RATE_PASSWORD_RESET_PER_EMAIL", default=5), 3600),
    "password_reset_confirm_ip": (env.int("RATE_PASSWORD_RESET_CONFIRM_PER_IP", default=30), 3600),
    "verify_email_resend": (env.int("RATE_VERIFY_EMAIL_RESEND_PER_USER", default=5), 3600),
    "verify_email_ip": (env.int("RATE_VERIFY_EMAIL_PER_IP", default=60), 3600),
    "otp_verify_user": (env.int("RATE_OTP_VERIFY_PER_USER", default=10), 300),
    "two_factor_enrol_mail": (env.int("RATE_TWO_FACTOR_ENROL_MAIL_PER_USER", default=5), 3600),
}
