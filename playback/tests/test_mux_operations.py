"""Mux operations: bounded retries with backoff (against the simulator's fault injection),
quality settings sent with uploads, the settings checks, webhook-secret rotation."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
import requests
from django.core.checks import run_checks

from learnstream.errors import ServiceUnavailable, UpstreamError
from playback import mux_client
from playback.checks import mux_settings_check
from playback.tests.helpers import deliver, event, sign

RETRY_LOG = "retrying in"


def retries_logged(caplog) -> int:
    return sum(
        RETRY_LOG in r.getMessage() for r in caplog.records if r.name == "playback.mux_client"
    )


def test_5xx_is_retried_until_mux_recovers(mux_sim, caplog, settings):
    settings.MUX_RETRY_BASE_S = 0.3
    settings.MUX_RETRY_CAP_S = 0.3
    mux_sim.configure(fail_api=True)
    # Mux comes back while the client is backing off; full jitter may pick ~0 s for the
    # first wait, so allow the third attempt to be the one that succeeds.
    threading.Timer(0.05, lambda: mux_sim.configure(fail_api=False)).start()
    caplog.set_level(logging.INFO, logger="playback.mux_client")
    upload = mux_client.direct_upload_create(passthrough="retry")
    assert upload.status == "waiting"
    assert 1 <= retries_logged(caplog) <= 2


def test_attempts_are_bounded_and_fast(mux_sim, caplog, settings):
    mux_sim.configure(fail_api=True, latency_ms=100)
    caplog.set_level(logging.INFO, logger="playback.mux_client")
    started = time.monotonic()
    with pytest.raises(UpstreamError):
        mux_client.direct_upload_create(passthrough="x")
    elapsed = time.monotonic() - started
    assert retries_logged(caplog) == 2  # 3 attempts in all
    # 3 x 100 ms latency + two waits of at most 0.2 s and 0.4 s (capped at 1 s each).
    assert elapsed < 0.3 + 0.6 + 0.5


def test_retry_budget_stops_early(mux_sim, caplog, settings):
    settings.MUX_RETRY_BUDGET_S = 0.25
    mux_sim.configure(fail_api=True, latency_ms=200)
    caplog.set_level(logging.INFO, logger="playback.mux_client")
    started = time.monotonic()
    with pytest.raises(UpstreamError):
        mux_client.asset_get(asset_id="anything")
    assert time.monotonic() - started < 1.0
    assert retries_logged(caplog) <= 1


def test_timeouts_are_not_retried(mux_sim, caplog, settings):
    settings.MUX_REQUEST_TIMEOUT_S = 0.2
    mux_sim.configure(latency_ms=600)
    caplog.set_level(logging.INFO, logger="playback.mux_client")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        mux_client.asset_get(asset_id="anything")
    assert time.monotonic() - started < 0.5
    assert retries_logged(caplog) == 0


def test_4xx_is_not_retried(mux_sim, caplog, settings):
    settings.MUX_TOKEN_SECRET = "wrong"
    caplog.set_level(logging.INFO, logger="playback.mux_client")
    with pytest.raises(UpstreamError):
        mux_client.direct_upload_create(passthrough="x")
    assert retries_logged(caplog) == 0


@pytest.mark.parametrize(
    ("retry_after", "attempt", "expected_max"),
    [("1", 1, 1.0), ("30", 1, 1.0), (None, 1, 0.2), (None, 2, 0.4), (None, 5, 1.0), ("x", 3, 0.8)],
)
def test_retry_delay_honours_retry_after_up_to_the_cap(
    settings, retry_after, attempt, expected_max
):
    settings.MUX_RETRY_BASE_S, settings.MUX_RETRY_CAP_S = 0.2, 1.0
    delays = [mux_client.retry_delay(attempt=attempt, retry_after=retry_after) for _ in range(50)]
    assert all(0 <= d <= expected_max for d in delays)
    if retry_after in ("1", "30"):
        assert set(delays) == {1.0}  # Retry-After is exact (capped), never jittered


def test_quality_and_resolution_are_sent_with_the_upload(mux_sim, settings):
    settings.MUX_VIDEO_QUALITY = "plus"
    settings.MUX_MAX_RESOLUTION_TIER = "1440p"
    upload = mux_client.direct_upload_create(passthrough="q")
    body = requests.get(
        f"{mux_sim.url}/video/v1/uploads/{upload.id}",
        auth=("test-token-id", "test-token-secret"),
        timeout=5,
    ).json()["data"]
    assert body["new_asset_settings"]["video_quality"] == "plus"
    assert body["new_asset_settings"]["max_resolution_tier"] == "1440p"


def test_settings_checks(settings):
    assert mux_settings_check() == []
    settings.MUX_VIDEO_QUALITY = "ultra"
    settings.MUX_MAX_RESOLUTION_TIER = "720p"
    settings.MUX_SIGNING_KEY_ID = "k2"
    settings.MUX_SIGNING_KEYS = ["k1", "k2"]
    ids = sorted(str(m.id) for m in mux_settings_check())
    assert ids == ["playback.E001", "playback.E002", "playback.W001"]
    assert {m.id for m in run_checks()} >= {"playback.E001", "playback.E002"}


# --- webhook-secret rotation ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["new-secret", "old-secret"])
def test_both_secrets_are_accepted_during_a_rotation(client, settings, secret):
    settings.MUX_WEBHOOK_SECRET = "new-secret"
    settings.MUX_WEBHOOK_SECRETS = ["old-secret"]
    payload = event("video.asset.created", {"id": "a1", "passthrough": "nobody"})
    response = deliver(client, payload, secret=secret)
    assert response.status_code == 200
    assert response.json() == {"received": True, "applied": False}


@pytest.mark.django_db
def test_a_retired_secret_is_refused_once_removed(client, settings):
    settings.MUX_WEBHOOK_SECRET = "new-secret"
    settings.MUX_WEBHOOK_SECRETS = []
    payload = event("video.asset.created", {"id": "a1", "passthrough": "nobody"})
    response = deliver(client, payload, secret="old-secret")
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"


@pytest.mark.django_db
def test_a_header_with_both_signatures_is_accepted(client, settings):
    settings.MUX_WEBHOOK_SECRET = "new-secret"
    body = json.dumps(event("video.asset.created", {"id": "a1"})).encode()
    old = sign(body, "old-secret")
    new = sign(body, "new-secret", timestamp=int(old.split(",")[0][2:]))
    header = f"{old},v1={new.split('v1=')[1]}"
    assert deliver(client, body, secret="", header=header).status_code == 200
