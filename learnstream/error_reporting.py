"""Error reporting to Sentry, switched on by `SENTRY_DSN` (learnstream/settings/base.py calls
`sentry_init` only when it is set, so without a DSN sentry_sdk is never imported)."""

from __future__ import annotations

from learnstream.settings.env import env


def sentry_init() -> None:
    # Imported only when a DSN is configured: sentry_sdk hooks into Django when it loads.
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=env.str("SENTRY_DSN"),
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        integrations=[DjangoIntegration()],
        # Emails, IPs, cookies and bodies stay out of reports (tokens travel in headers).
        send_default_pii=False,
    )
