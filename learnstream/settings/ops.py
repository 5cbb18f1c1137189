"""Operations settings (imported by base): metrics, error reporting, maintenance, CSP."""

from learnstream.settings.env import env

# GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset → 404 (disabled).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Scheduled maintenance (`manage.py maintenance`): one run at a time across machines.
MAINTENANCE_LOCK_TTL_S = env.int("MAINTENANCE_LOCK_TTL_S", default=30 * 60)
# Lessons whose pending video has not moved for this long are reconciled with Mux.
RECONCILE_STUCK_AFTER_MINUTES = env.int("RECONCILE_STUCK_AFTER_MINUTES", default=30)
# Processed-webhook ledger rows are kept this long (Mux retries a delivery for about a day).
WEBHOOK_LEDGER_DAYS = env.int("WEBHOOK_LEDGER_DAYS", default=30)

# Extra sources (full origins) the Content-Security-Policy allows for scripts/styles/
# connections beyond our own origin and the Mux origins (e.g. an analytics host).
CSP_EXTRA_CONNECT_SRC = env.list("CSP_EXTRA_CONNECT_SRC", default=[])
# Report violations here (a URL); empty: violations are only shown in the browser console.
CSP_REPORT_URI = env.str("CSP_REPORT_URI", default="")

# Error reporting: with SENTRY_DSN set, sentry_sdk is imported and initialised; without it,
# it is never imported (see learnstream/settings/production.py / base).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

# Log format: "plain" (development) or "json" (one JSON object per line; production default).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")

# Pages whose third-party template has a `<style>` element (the Swagger UI page).
CSP_INLINE_STYLE_PATHS = env.list("CSP_INLINE_STYLE_PATHS", default=["/api/v1/docs/"])
# Browser features no page of ours uses are switched off (fullscreen stays on for the
# player; autoplay for the resume-and-play flow).
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default=(
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=(), "
        "fullscreen=(self), autoplay=(self), picture-in-picture=(self)"
    ),
)
