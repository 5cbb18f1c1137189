"""Shared test fixtures (registered by the root conftest): the local Mux simulator in-process,
a signing key made through the real SDK, a tiny generated clip, and helpers to turn a lesson's
video ready."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings

from devtools.clips import make_clip
from mux_simulator.server import SimulatorHandle, start_in_thread
from playback import mux_client

TOKEN_ID = "test-token-id"
TOKEN_SECRET = "test-token-secret"
WEBHOOK_SECRET = "test-webhook-secret"


@dataclass
class MuxSim:
    handle: SimulatorHandle

    @property
    def url(self) -> str:
        return self.handle.url

    def configure(self, **changes: Any) -> None:
        response = requests.post(f"{self.url}/_sim/config", json=changes, timeout=5)
        response.raise_for_status()

    def webhooks(self) -> list[dict]:
        return requests.get(f"{self.url}/_sim/webhooks", timeout=5).json()["data"]

    def asset(self, asset_id: str) -> dict:
        response = requests.get(
            f"{self.url}/video/v1/assets/{asset_id}", auth=(TOKEN_ID, TOKEN_SECRET), timeout=5
        )
        response.raise_for_status()
        return response.json()["data"]

    def wait_asset(self, asset_id: str, status: str = "ready", timeout_s: float = 60) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            asset = self.asset(asset_id)
            if asset["status"] == status:
                return asset
            time.sleep(0.1)
        raise AssertionError(f"asset {asset_id} never became {status}")


@pytest.fixture(scope="session")
def video_clip(tmp_path_factory) -> bytes:
    """A 2-second 160x120 H.264 clip, generated once per session."""
    return make_clip(tmp_path_factory.mktemp("clip"), 2).read_bytes()


@pytest.fixture(scope="session")
def _mux_sim_session(tmp_path_factory) -> Iterator[MuxSim]:
    """The simulator for the whole session, with the app's settings pointed at it and a
    signing key created through the SDK (as `manage.py mux_signing_key_create` does)."""
    handle = start_in_thread(
        data_dir=str(tmp_path_factory.mktemp("mux-sim")),
        token_id=TOKEN_ID,
        token_secret=TOKEN_SECRET,
        webhook_secret=WEBHOOK_SECRET,
    )
    overrides = {
        "MUX_API_HOST": handle.url,
        "MUX_STREAM_BASE_URL": f"{handle.url}/stream",
        "MUX_IMAGE_BASE_URL": f"{handle.url}/image",
        "MUX_TOKEN_ID": TOKEN_ID,
        "MUX_TOKEN_SECRET": TOKEN_SECRET,
        "MUX_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    saved = {name: getattr(django_settings, name) for name in overrides}
    saved.update(
        MUX_SIGNING_KEY_ID=django_settings.MUX_SIGNING_KEY_ID,
        MUX_SIGNING_PRIVATE_KEY=django_settings.MUX_SIGNING_PRIVATE_KEY,
    )
    for name, value in overrides.items():
        setattr(django_settings, name, value)
    key = mux_client.signing_key_create()
    django_settings.MUX_SIGNING_KEY_ID = key.id
    django_settings.MUX_SIGNING_PRIVATE_KEY = key.private_key
    try:
        yield MuxSim(handle)
    finally:
        handle.stop()
        for name, value in saved.items():
            setattr(django_settings, name, value)


@pytest.fixture
def mux_sim(_mux_sim_session: MuxSim) -> MuxSim:
    """The session's simulator, reset to healthy with webhooks going nowhere (tests that
    want them delivered point `webhook_url` at a live server)."""
    _mux_sim_session.configure(
        fail_api=False, latency_ms=0, deliver_webhooks=True, webhook_url=None
    )
    return _mux_sim_session


@pytest.fixture(scope="session")
def ready_assets(_mux_sim_session: MuxSim, video_clip: bytes) -> list[dict]:
    """Two ready signed assets (A and B) in the simulator, made through the SDK and an
    upload PUT, without webhooks: tests attach them to lessons as the webhooks would."""
    assets = []
    for label in ("asset-a", "asset-b"):
        upload = mux_client.direct_upload_create(passthrough=label)
        requests.put(upload.url, data=video_clip, timeout=30).raise_for_status()
        asset_id = mux_client.direct_upload_get(upload_id=upload.id).asset_id
        assert asset_id
        assets.append(_mux_sim_session.wait_asset(asset_id))
    return assets
