"""The SDK wrapper against the simulator: real HTTP, real mux-python, errors mapped."""

from __future__ import annotations

import pytest
import requests

from devtools.mongo_server import free_port
from learnstream.errors import NotFound, ServiceUnavailable, UpstreamError
from playback import mux_client
from playback.tests.conftest import TOKEN_ID, TOKEN_SECRET


def test_direct_upload_create_asks_for_a_signed_asset_for_the_lesson(mux_sim, settings):
    upload = mux_client.direct_upload_create(passthrough="0123456789abcdef01234567")
    assert upload.url == f"{mux_sim.url}/upload/{upload.id}"
    assert upload.status == "waiting"
    raw = requests.get(
        f"{mux_sim.url}/video/v1/uploads/{upload.id}", auth=(TOKEN_ID, TOKEN_SECRET), timeout=5
    ).json()["data"]
    settings_sent = raw["new_asset_settings"]
    assert settings_sent["playback_policies"] == ["signed"]
    assert settings_sent["passthrough"] == "0123456789abcdef01234567"
    assert raw["cors_origin"] == settings.SITE_URL
    assert raw["timeout"] == settings.MUX_UPLOAD_TIMEOUT_S


def test_get_and_cancel_upload(mux_sim):
    upload = mux_client.direct_upload_create(passthrough="x")
    assert mux_client.direct_upload_get(upload_id=upload.id).status == "waiting"
    mux_client.direct_upload_cancel(upload_id=upload.id)
    assert mux_client.direct_upload_get(upload_id=upload.id).status == "cancelled"


def test_unknown_objects_are_not_found(mux_sim):
    with pytest.raises(NotFound):
        mux_client.asset_get(asset_id="nope")
    with pytest.raises(NotFound):
        mux_client.asset_delete(asset_id="nope")
    with pytest.raises(NotFound):
        mux_client.direct_upload_get(upload_id="nope")


def test_mux_error_answer_is_upstream_error(mux_sim):
    mux_sim.configure(fail_api=True)
    with pytest.raises(UpstreamError):
        mux_client.direct_upload_create(passthrough="x")


def test_wrong_credentials_are_upstream_error(mux_sim, settings):
    settings.MUX_TOKEN_SECRET = "wrong"
    with pytest.raises(UpstreamError):
        mux_client.direct_upload_create(passthrough="x")


def test_unreachable_mux_is_service_unavailable(mux_sim, settings):
    settings.MUX_API_HOST = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(ServiceUnavailable):
        mux_client.direct_upload_create(passthrough="x")


def test_slow_mux_times_out_as_service_unavailable(mux_sim, settings):
    settings.MUX_REQUEST_TIMEOUT_S = 0.2
    mux_sim.configure(latency_ms=1000)
    with pytest.raises(ServiceUnavailable):
        mux_client.direct_upload_create(passthrough="x")
