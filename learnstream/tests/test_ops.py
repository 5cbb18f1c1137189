"""Observability and security headers: /metrics, the JSON access log, the site-wide CSP,
Permissions-Policy, and the Sentry hook that stays out of the way without a DSN."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from django.test import Client
from pymongo.errors import ServerSelectionTimeoutError

from catalog.documents import Lesson
from catalog.tests.factories import published_course
from learnstream.logging import JsonFormatter, RequestIdFilter
from learnstream.metrics import heartbeat_count, webhook_event_count
from learnstream.outages import outage_record
from learnstream.security import content_security_policy
from learnstream.tests.test_settings import ROOT, run_manage

TOKEN = "metrics-token-0123456789"


def scrape(client: Client, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get("/metrics", headers=headers)


def sample(text: str, line_prefix: str) -> float:
    """The value of the first sample line starting with `line_prefix`."""
    for line in text.splitlines():
        if line.startswith(line_prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# --- /metrics ------------------------------------------------------------------------------


def test_metrics_disabled_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client).status_code == 404


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 401), ("Bearer wrong-token", 403), ("Basic abc", 401), ("Bearer ", 401)],
)
def test_metrics_refuses_anonymous_and_wrong_tokens(client, settings, header, status):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": header} if header else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == status
    assert b"learnstream_" not in response.content
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


@pytest.mark.django_db
def test_metrics_exposes_the_named_counters(client, settings):
    settings.METRICS_TOKEN = TOKEN
    before = scrape(client).content.decode()
    client.get("/healthz")
    heartbeat_count(outcome="accepted")
    webhook_event_count(event_type="video.asset.ready", outcome="applied")
    webhook_event_count(event_type="<script>", outcome="refused")
    outage_record(ServerSelectionTimeoutError("down"))
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name, delta in [
        ('learnstream_http_requests_total{method="GET",route="/healthz",status="200"}', 1),
        ('learnstream_heartbeats_total{outcome="accepted"}', 1),
        ('learnstream_webhook_events_total{outcome="applied",type="video.asset.ready"}', 1),
        ('learnstream_webhook_events_total{outcome="refused",type="other"}', 1),
        ('learnstream_backend_errors_total{backend="mongo"}', 1),
    ]:
        assert sample(text, name) - sample(before, name) == delta, name
    assert 'learnstream_http_request_duration_seconds_bucket{le="0.005",route="/healthz"}' in text
    assert "learnstream_maintenance_steps_total" in text


@pytest.mark.django_db
def test_request_metrics_use_the_route_pattern_not_the_path(client, settings):
    settings.METRICS_TOKEN = TOKEN
    client.get("/api/v1/courses/no-such-course")
    client.get("/definitely/not/a/page")
    text = scrape(client).content.decode()
    assert 'route="/api/v1/courses/<str:slug>",status="404"' in text
    assert "no-such-course" not in text
    assert "definitely" not in text
    assert 'route="<unmatched>"' in text


# --- JSON logs -----------------------------------------------------------------------------


def test_access_log_line_carries_the_request_fields_as_json(client):
    # The production handler: the request-id filter and the JSON formatter.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("learnstream.access")
    access.addHandler(handler)
    try:
        response = client.get("/healthz", headers={"X-Request-ID": "req-abc-123"})
    finally:
        access.removeHandler(handler)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert response["X-Request-ID"] == "req-abc-123"
    assert line["request_id"] == "req-abc-123"
    assert line["route"] == "/healthz"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["user_id"] is None
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"
    assert line["logger"] == "learnstream.access"
    assert line["message"].startswith("GET /healthz 200 ")
    assert line["time"].endswith("+00:00")


def test_json_formatter_keeps_exceptions_and_odd_values():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t",
            logging.ERROR,
            __file__,
            1,
            "failed %s",
            ("x",),
            sys.exc_info(),
            extra={"obj": object},
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed x"
    assert "ValueError: boom" in line["exc_info"]
    assert line["obj"] == "<class 'object'>"


def test_production_logs_json():
    code = (
        "import django, logging; django.setup(); "
        "print(type(logging.getLogger().handlers[0].formatter).__name__)"
    )
    result = run_manage("shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "JsonFormatter"


# --- Sentry --------------------------------------------------------------------------------


def _sentry_state(**env: str) -> str:
    code = (
        "import sys, django; django.setup(); "
        "sdk = sys.modules.get('sentry_sdk'); "
        "active = sdk is not None and sdk.get_client().is_active(); "
        "print('sentry_sdk' in sys.modules, active)"
    )
    return run_manage("shell", "--no-imports", "-c", code, **env).stdout.strip()


def test_sentry_is_not_imported_without_a_dsn():
    assert _sentry_state() == "False False"


def test_sentry_is_initialised_with_a_dsn():
    assert _sentry_state(SENTRY_DSN="https://public@127.0.0.1:9/1") == "True True"


# --- security headers ----------------------------------------------------------------------


@pytest.mark.django_db
def test_lesson_page_csp_allows_the_player_and_mux_and_nothing_else(client, settings, student):
    settings.MUX_API_HOST = "http://127.0.0.1:8900"
    settings.MUX_STREAM_BASE_URL = "https://stream.mux.com"
    settings.MUX_IMAGE_BASE_URL = "https://image.mux.com"
    settings.MUX_CSP_EXTRA_SOURCES = ["https://*.mux.com"]
    course = published_course(owner=student, lessons=1, preview_first=True)
    lesson = Lesson.objects(course_id=course.id).first()
    response = client.get(f"/courses/{course.slug}/lessons/{lesson.id}/")
    assert response.status_code == 200
    directives = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")
    )
    mux = "http://127.0.0.1:8900 https://*.mux.com https://image.mux.com https://stream.mux.com"
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: {mux}",
        "media-src": f"'self' blob: {mux}",
        "connect-src": f"'self' {mux}",
        "worker-src": "'self' blob:",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/courses", "/admin/login/", "/nope"])
def test_every_response_has_the_site_policy(client, path):
    response = client.get(path)
    # The admin's pages also allow the exact inline blocks of Django's admin templates.
    admin = path.startswith("/admin/")
    assert response["Content-Security-Policy"] == content_security_policy(admin=admin)


@pytest.mark.django_db
def test_swagger_page_has_no_inline_script_and_only_relaxed_styles(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html
    csp = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp
    script = client.get("/api/v1/docs/?script")
    assert script.status_code == 200


def test_production_sends_hsts_and_referrer_policy():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_REFERRER_POLICY, bool(s.PERMISSIONS_POLICY))"
    )
    result = run_manage("shell", "--no-imports", "-c", code)
    assert result.stdout.strip() == "31536000 same-origin True", result.stderr
    assert ROOT.exists()


def test_heartbeat_outcomes_are_counted(client, settings):
    from learnstream.errors import Throttled, ValidationError
    from tracking.metrics import heartbeat_outcomes
    from tracking.services import progress_record_heartbeat

    assert hasattr(progress_record_heartbeat, "__wrapped__")  # the service is counted

    @heartbeat_outcomes
    def beat(outcome: str) -> str:
        if outcome == "throttled":
            raise Throttled(1)
        if outcome == "refused":
            raise ValidationError("bad")
        return "ok"

    settings.METRICS_TOKEN = TOKEN
    before = scrape(client).content.decode()
    assert beat("accepted") == "ok"
    for outcome, error in (("throttled", Throttled), ("refused", ValidationError)):
        with pytest.raises(error):
            beat(outcome)
    after = scrape(client).content.decode()
    for outcome in ("accepted", "throttled", "refused"):
        name = f'learnstream_heartbeats_total{{outcome="{outcome}"}}'
        assert sample(after, name) - sample(before, name) == 1


def test_multiprocess_mode_sums_the_workers(tmp_path):
    """gunicorn workers (here: two processes) share samples through PROMETHEUS_MULTIPROC_DIR."""
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); "
        "from prometheus_client import generate_latest; "
        "from learnstream.metrics import _registry, heartbeat_count; "
        "heartbeat_count(outcome='accepted'); "
        "print([l for l in generate_latest(_registry()).decode().splitlines() "
        "if l.startswith('learnstream_heartbeats_total')][0])"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert outputs == [
        'learnstream_heartbeats_total{outcome="accepted"} 1.0',
        'learnstream_heartbeats_total{outcome="accepted"} 2.0',
    ]
