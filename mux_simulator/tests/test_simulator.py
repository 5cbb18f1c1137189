"""The local Mux simulator, driven through the real mux-python SDK, plain HTTP and a webhook sink.

No Django here: the simulator is a separate process in production and must stand alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import mux_python
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from mux_python.rest import ApiException

from mux_simulator.server import start_in_thread

TOKEN_ID, TOKEN_SECRET = "sim-token-id", "sim-token-secret"
WEBHOOK_SECRET = "whsec-test"
REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 5


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> bytes:
    import imageio_ffmpeg

    path = tmp_path_factory.mktemp("clips") / "testsrc.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=24",
            "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


class WebhookSink:
    """A tiny receiver that records every delivery and answers from a script of statuses."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []  # answered first, in order; then 200
        self._cond = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with sink._cond:
                    sink.requests.append((dict(self.headers), body))
                    status = sink.statuses.pop(0) if sink.statuses else 200
                    sink._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/mux"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def wait_for(self, count: int, timeout: float = 15) -> list[tuple[dict, bytes]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"expected {count} webhooks, got {len(self.requests)}"
            )
            return list(self.requests)

    def events(self, count: int) -> list[dict]:
        return [json.loads(body) for _, body in self.wait_for(count)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink():
    receiver = WebhookSink()
    yield receiver
    receiver.close()


def _start(data_dir: Path, sink: WebhookSink):
    sim = start_in_thread(
        data_dir=str(data_dir),
        token_id=TOKEN_ID,
        token_secret=TOKEN_SECRET,
        webhook_url=sink.url,
        webhook_secret=WEBHOOK_SECRET,
    )
    # Fast retries so the retry test does not wait seconds.
    requests.post(f"{sim.url}/_sim/config", json={"webhook_retry_base_s": 0.1}, timeout=TIMEOUT)
    return sim


@pytest.fixture
def sim(tmp_path, sink):
    handle = _start(tmp_path / "mux-sim", sink)
    yield handle
    handle.stop()


def sdk(sim, password: str = TOKEN_SECRET) -> mux_python.ApiClient:
    config = mux_python.Configuration()
    config.host = sim.url
    config.username = TOKEN_ID
    config.password = password
    return mux_python.ApiClient(config)


def verify_signature(headers: dict, body: bytes) -> None:
    parts = dict(p.split("=", 1) for p in headers["Mux-Signature"].split(","))
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert abs(time.time() - int(parts["t"])) < 60


def create_upload(sim, passthrough: str = "lesson-1") -> mux_python.Upload:
    request = mux_python.CreateUploadRequest(
        cors_origin="http://127.0.0.1:8000",
        new_asset_settings=mux_python.CreateAssetRequest(
            playback_policies=[mux_python.PlaybackPolicy.SIGNED],
            passthrough=passthrough,
            video_quality="basic",
        ),
        timeout=3600,
    )
    api = mux_python.DirectUploadsApi(sdk(sim))
    return api.create_direct_upload(request, _request_timeout=TIMEOUT).data


def put_chunks(url: str, data: bytes, chunk: int) -> list[requests.Response]:
    responses = []
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        end = start + len(part) - 1
        responses.append(
            requests.put(
                url,
                data=part,
                headers={"Content-Range": f"bytes {start}-{end}/{len(data)}"},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
        )
    return responses


def wait_asset(sim, asset_id: str, status: str) -> mux_python.Asset:
    assets = mux_python.AssetsApi(sdk(sim))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        asset = assets.get_asset(asset_id, _request_timeout=TIMEOUT).data
        if asset.status != "preparing":
            assert asset.status == status, asset.errors
            return asset
        time.sleep(0.1)
    raise AssertionError("asset still preparing")


def ready_asset(sim, clip: bytes, passthrough: str = "lesson-1") -> mux_python.Asset:
    upload = create_upload(sim, passthrough)
    responses = put_chunks(upload.url, clip, chunk=len(clip) // 2 + 1)
    assert [r.status_code for r in responses] == [308, 200]
    asset_id = mux_python.DirectUploadsApi(sdk(sim)).get_direct_upload(upload.id).data.asset_id
    return wait_asset(sim, asset_id, "ready")


def playback_token(private_pem: bytes, kid: str, sub: str, aud: str, ttl: int = 600) -> str:
    claims = {"sub": sub, "aud": aud, "exp": int(time.time()) + ttl}
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid})


def new_signing_key(sim) -> tuple[str, bytes]:
    key = mux_python.SigningKeysApi(sdk(sim)).create_signing_key(_request_timeout=TIMEOUT).data
    return key.id, base64.b64decode(key.private_key)


# --- API ---------------------------------------------------------------------------------


def test_wrong_basic_auth_is_401(sim):
    with pytest.raises(ApiException) as excinfo:
        mux_python.DirectUploadsApi(sdk(sim, password="wrong")).list_direct_uploads()
    assert excinfo.value.status == 401
    anonymous = requests.get(f"{sim.url}/video/v1/assets", timeout=TIMEOUT)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="Mux"'
    assert anonymous.json() == {
        "error": {"type": "unauthorized", "messages": ["Unauthorized request"]}
    }


def test_direct_upload_create_get_list_cancel(sim, sink):
    upload = create_upload(sim, passthrough="lesson-42")
    assert upload.status == "waiting"
    assert upload.timeout == 3600
    assert upload.cors_origin == "http://127.0.0.1:8000"
    assert upload.url == f"{sim.url}/upload/{upload.id}"
    assert upload.asset_id is None
    assert upload.new_asset_settings.passthrough == "lesson-42"
    assert upload.new_asset_settings.playback_policies == ["signed"]
    assert upload.new_asset_settings.video_quality == "basic"

    api = mux_python.DirectUploadsApi(sdk(sim))
    fetched = api.get_direct_upload(upload.id).data
    assert fetched.to_dict() == upload.to_dict()
    assert [u.id for u in api.list_direct_uploads().data] == [upload.id]

    cancelled = api.cancel_direct_upload(upload.id).data
    assert cancelled.status == "cancelled"
    assert api.get_direct_upload(upload.id).data.status == "cancelled"
    with pytest.raises(ApiException) as excinfo:
        api.cancel_direct_upload(upload.id)
    assert excinfo.value.status == 400
    late = requests.put(upload.url, data=b"x" * 10, timeout=TIMEOUT)
    assert late.status_code == 409

    [event] = sink.events(1)
    assert event["type"] == "video.upload.cancelled"
    assert event["object"] == {"type": "upload", "id": upload.id}
    assert event["data"]["status"] == "cancelled"

    with pytest.raises(ApiException) as excinfo:
        api.get_direct_upload("doesNotExist")
    assert excinfo.value.status == 404


def test_invalid_upload_settings_are_rejected(sim):
    response = requests.post(
        f"{sim.url}/video/v1/uploads",
        json={"new_asset_settings": {"playback_policies": ["secret"]}},
        auth=(TOKEN_ID, TOKEN_SECRET),
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_parameters"


def test_chunked_upload_transcodes_to_ready_with_signed_webhooks(sim, sink, clip):
    upload = create_upload(sim)
    chunk = len(clip) // 3 + 1
    responses = put_chunks(upload.url, clip, chunk=chunk)
    assert [r.status_code for r in responses] == [308, 308, 200]
    for r in responses:
        assert "Location" not in r.headers
        assert r.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
        assert r.headers["Access-Control-Expose-Headers"] == "Range"
        # A browser would parse an untyped body as XML for UpChunk's responseXML read.
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert responses[0].headers["Range"] == f"bytes=0-{chunk - 1}"
    assert responses[1].headers["Range"] == f"bytes=0-{2 * chunk - 1}"

    after = mux_python.DirectUploadsApi(sdk(sim)).get_direct_upload(upload.id).data
    assert after.status == "asset_created"
    asset = wait_asset(sim, after.asset_id, "ready")
    assert asset.duration == pytest.approx(3.0, abs=0.1)
    assert asset.aspect_ratio == "4:3"
    assert asset.passthrough == "lesson-1"
    assert asset.upload_id == upload.id
    assert asset.max_stored_resolution == "SD"
    assert asset.video_quality == "basic"
    assert [p.policy for p in asset.playback_ids] == ["signed"]
    assert [t.type for t in asset.tracks] == ["video"]
    assert (asset.tracks[0].max_width, asset.tracks[0].max_height) == (320, 240)
    listed = mux_python.AssetsApi(sdk(sim)).list_assets(upload_id=upload.id).data
    assert [a.id for a in listed] == [asset.id]

    delivered = sink.wait_for(3)
    events = [json.loads(body) for _, body in delivered]
    assert [e["type"] for e in events] == [
        "video.upload.asset_created",
        "video.asset.created",
        "video.asset.ready",
    ]
    for headers, body in delivered:
        verify_signature(headers, body)
    assert events[0]["data"]["asset_id"] == asset.id
    assert events[1]["data"]["status"] == "preparing"
    assert events[1]["data"]["passthrough"] == "lesson-1"
    assert events[2]["data"]["status"] == "ready"
    assert events[2]["data"]["playback_ids"] == [
        {"id": asset.playback_ids[0].id, "policy": "signed"}
    ]
    assert events[2]["object"] == {"type": "asset", "id": asset.id}
    assert len({e["id"] for e in events}) == 3
    assert all(e["attempts"] == [] and e["accessor_source"] is None for e in events)


def test_upload_rejects_out_of_order_and_overlapping_chunks(sim):
    upload = create_upload(sim)
    url, total = upload.url, 1000

    def put(start: int, end: int, size: int | None = None) -> requests.Response:
        body = b"\0" * (size if size is not None else end - start + 1)
        headers = {"Content-Range": f"bytes {start}-{end}/{total}"}
        return requests.put(url, data=body, headers=headers, timeout=TIMEOUT)

    assert put(100, 199).status_code == 416  # gap before it
    first = put(0, 99)
    assert first.status_code == 308
    overlap = put(50, 149)
    assert overlap.status_code == 416
    assert overlap.headers["Range"] == "bytes=0-99"
    assert put(100, 199, size=50).status_code == 400  # body shorter than the range
    options = requests.options(url, timeout=TIMEOUT)
    assert options.status_code == 204
    assert options.headers["Access-Control-Allow-Methods"] == "PUT, OPTIONS"
    assert options.headers["Access-Control-Allow-Headers"] == (
        "Content-Type, Content-Range, Content-Length"
    )
    upload_now = mux_python.DirectUploadsApi(sdk(sim)).get_direct_upload(upload.id).data
    assert upload_now.status == "waiting"


def test_non_video_upload_errors(sim, sink):
    upload = create_upload(sim, passthrough="lesson-bad")
    whole = requests.put(upload.url, data=b"this is not a video\n" * 50, timeout=TIMEOUT)
    assert whole.status_code == 200
    asset_id = mux_python.DirectUploadsApi(sdk(sim)).get_direct_upload(upload.id).data.asset_id
    asset = wait_asset(sim, asset_id, "errored")
    assert asset.errors.type == "invalid_input"
    assert asset.errors.messages == ["The input file does not contain a video track"]
    upload_after = mux_python.DirectUploadsApi(sdk(sim)).get_direct_upload(upload.id).data
    assert upload_after.status == "asset_created"
    events = sink.events(3)
    assert [e["type"] for e in events] == [
        "video.upload.asset_created",
        "video.asset.created",
        "video.asset.errored",
    ]
    assert events[2]["data"]["passthrough"] == "lesson-bad"


# --- webhooks ----------------------------------------------------------------------------


def test_webhook_retried_after_500_with_fresh_signature(sim, sink):
    sink.statuses = [500]
    upload = create_upload(sim)
    mux_python.DirectUploadsApi(sdk(sim)).cancel_direct_upload(upload.id)
    delivered = sink.wait_for(2)
    bodies = [json.loads(body) for _, body in delivered]
    assert bodies[0]["id"] == bodies[1]["id"]
    assert bodies[0]["type"] == "video.upload.cancelled"
    for headers, body in delivered:
        verify_signature(headers, body)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        [entry] = requests.get(f"{sim.url}/_sim/webhooks", timeout=TIMEOUT).json()["data"]
        if entry["state"] == "delivered":
            break
        time.sleep(0.05)
    assert entry["id"] == bodies[0]["id"]
    assert (entry["state"], entry["attempts"], entry["last_status"]) == ("delivered", 2, 200)


def test_fault_injection_controls(sim, sink):
    def configure(**changes: Any) -> None:
        response = requests.post(f"{sim.url}/_sim/config", json=changes, timeout=TIMEOUT)
        assert response.status_code == 200

    configure(fail_api=True)
    with pytest.raises(ApiException) as excinfo:
        mux_python.AssetsApi(sdk(sim)).list_assets()
    assert excinfo.value.status == 503
    configure(fail_api=False, latency_ms=300)
    started = time.monotonic()
    mux_python.AssetsApi(sdk(sim)).list_assets()
    assert time.monotonic() - started >= 0.3
    configure(latency_ms=0, deliver_webhooks=False)
    upload = create_upload(sim)
    mux_python.DirectUploadsApi(sdk(sim)).cancel_direct_upload(upload.id)
    log = requests.get(f"{sim.url}/_sim/webhooks", timeout=TIMEOUT).json()["data"]
    assert [(e["type"], e["state"], e["attempts"]) for e in log] == [
        ("video.upload.cancelled", "dropped", 0)
    ]
    time.sleep(0.3)
    assert sink.requests == []
    bad = requests.post(f"{sim.url}/_sim/config", json={"nonsense": 1}, timeout=TIMEOUT)
    assert bad.status_code == 400
    assert requests.get(f"{sim.url}/_sim/healthz", timeout=TIMEOUT).status_code == 200


# --- playback ----------------------------------------------------------------------------


def test_stream_and_images_need_a_valid_token(sim, clip):
    asset = ready_asset(sim, clip)
    playback_id = asset.playback_ids[0].id
    kid, private_pem = new_signing_key(sim)
    stream = f"{sim.url}/stream/{playback_id}.m3u8"

    def get(url: str, token: str | None = None) -> requests.Response:
        params = {"token": token} if token is not None else {}
        return requests.get(url, params=params, timeout=TIMEOUT)

    denied = {
        "no token": None,
        "garbage": "not-a-jwt",
        "wrong aud": playback_token(private_pem, kid, playback_id, "t"),
        "expired": playback_token(private_pem, kid, playback_id, "v", ttl=-10),
        "other playback id": playback_token(private_pem, kid, "someOtherPlaybackId", "v"),
        "unknown kid": playback_token(private_pem, "unknownKid", playback_id, "v"),
    }
    for case, token in denied.items():
        response = get(stream, token)
        assert response.status_code == 403, case
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"

    token = playback_token(private_pem, kid, playback_id, "v")
    master = get(stream, token)
    assert master.status_code == 200
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master.headers["Access-Control-Allow-Origin"] == "*"
    uris = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    assert uris == [f"{playback_id}/rendition.m3u8?token={token}"]
    assert "RESOLUTION=320x240" in master.text

    rendition = requests.get(f"{sim.url}/stream/{uris[0]}", timeout=TIMEOUT)
    assert rendition.status_code == 200
    segments = [line for line in rendition.text.splitlines() if line and line[0] != "#"]
    assert segments == [f"segment_000{i}.ts?token={token}" for i in range(2)]
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in rendition.text

    segment_url = f"{sim.url}/stream/{playback_id}/{segments[0]}"
    segment = requests.get(segment_url, timeout=TIMEOUT)
    assert segment.status_code == 200
    assert segment.headers["Content-Type"] == "video/mp2t"
    assert segment.content[0] == 0x47  # MPEG-TS sync byte
    bare = requests.get(segment_url.split("?")[0], timeout=TIMEOUT)
    assert bare.status_code == 403

    thumb_url = f"{sim.url}/image/{playback_id}/thumbnail.jpg"
    thumbnail = get(thumb_url, playback_token(private_pem, kid, playback_id, "t"))
    assert thumbnail.status_code == 200
    assert thumbnail.headers["Content-Type"] == "image/jpeg"
    assert thumbnail.content[:3] == b"\xff\xd8\xff"
    assert get(thumb_url, token).status_code == 403  # a "v" token does not open images

    board_token = playback_token(private_pem, kid, playback_id, "s")
    vtt = get(f"{sim.url}/image/{playback_id}/storyboard.vtt", board_token)
    assert vtt.status_code == 200
    assert vtt.headers["Content-Type"] == "text/vtt; charset=utf-8"
    sprite = f"{sim.url}/image/{playback_id}/storyboard.jpg?token={board_token}"
    assert vtt.text.splitlines()[:4] == [
        "WEBVTT",
        "",
        "00:00:00.000 --> 00:00:01.000",
        f"{sprite}#xywh=0,0,160,120",
    ]
    board = requests.get(sprite, timeout=TIMEOUT)
    assert (board.status_code, board.headers["Content-Type"]) == (200, "image/jpeg")

    mux_python.SigningKeysApi(sdk(sim)).delete_signing_key(kid)
    assert get(stream, token).status_code == 403


def test_registered_pkcs8_key_and_deleted_asset(sim, sink, clip):
    asset = ready_asset(sim, clip)
    playback_id = asset.playback_ids[0].id
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    registered = requests.post(
        f"{sim.url}/_sim/signing-keys",
        json={"id": "appKey1", "key": base64.b64encode(pkcs8).decode()},
        timeout=TIMEOUT,
    )
    assert registered.status_code == 201
    token = playback_token(pkcs8, "appKey1", playback_id, "v")
    stream = f"{sim.url}/stream/{playback_id}.m3u8"
    assert requests.get(stream, params={"token": token}, timeout=TIMEOUT).status_code == 200

    mux_python.AssetsApi(sdk(sim)).delete_asset(asset.id)
    gone = requests.get(stream, params={"token": token}, timeout=TIMEOUT)
    assert gone.status_code == 404
    deleted = sink.events(4)[3]
    assert (deleted["type"], deleted["object"]["id"]) == ("video.asset.deleted", asset.id)
    with pytest.raises(ApiException) as excinfo:
        mux_python.AssetsApi(sdk(sim)).get_asset(asset.id)
    assert excinfo.value.status == 404


# --- persistence and process -------------------------------------------------------------


def test_state_survives_restart(tmp_path, sink, clip):
    data_dir = tmp_path / "mux-sim"
    first = _start(data_dir, sink)
    try:
        asset = ready_asset(first, clip)
        waiting = create_upload(first, passthrough="later")
        kid, private_pem = new_signing_key(first)
    finally:
        first.stop()

    second = _start(data_dir, sink)
    try:
        again = mux_python.AssetsApi(sdk(second)).get_asset(asset.id).data
        assert again.to_dict() == asset.to_dict()
        upload = mux_python.DirectUploadsApi(sdk(second)).get_direct_upload(waiting.id).data
        assert (upload.status, upload.new_asset_settings.passthrough) == ("waiting", "later")
        assert upload.url == f"{second.url}/upload/{waiting.id}"
        playback_id = asset.playback_ids[0].id
        token = playback_token(private_pem, kid, playback_id, "v")
        response = requests.get(
            f"{second.url}/stream/{playback_id}.m3u8", params={"token": token}, timeout=TIMEOUT
        )
        assert response.status_code == 200
    finally:
        second.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_runs_without_django(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "mux_simulator",
            "--port", str(port), "--data-dir", str(tmp_path / "d"),
            "--token-id", TOKEN_ID, "--token-secret", TOKEN_SECRET,
        ],
        cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/_sim/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "simulator did not start"
                time.sleep(0.1)
        assert (health.status_code, health.text) == (200, "ok")
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    check = "import sys, mux_simulator.__main__; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, check=True)
