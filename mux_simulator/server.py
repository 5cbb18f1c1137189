"""HTTP plumbing: the Simulator (shared state and workers), routing, and in-thread start-up."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qsl, urlsplit

from . import lifecycle
from .lifecycle import ApiError
from .state import Store
from .tokens import TokenVerifier
from .transcode import Transcoder
from .webhooks import WebhookDispatcher

log = logging.getLogger("mux_simulator")

MAX_JSON_BODY = 1024 * 1024

# Runtime-tunable settings (POST /_sim/config) with the type each must have.
CONFIG_TYPES: dict[str, tuple[type, ...]] = {
    "webhook_url": (str, type(None)),
    "webhook_secret": (str,),
    "latency_ms": (int, float),
    "fail_api": (bool,),
    "deliver_webhooks": (bool,),
    "webhook_max_attempts": (int,),
    "webhook_retry_base_s": (int, float),
    "webhook_retry_cap_s": (int, float),
    "webhook_timeout_s": (int, float),
    "max_upload_bytes": (int,),
}


class Simulator:
    """Everything the handlers share: the store, the runtime config and the background workers."""

    def __init__(
        self,
        data_dir: str,
        token_id: str,
        token_secret: str,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        public_url: str | None = None,
    ) -> None:
        self.store = Store(data_dir)
        self.token_id, self.token_secret = token_id, token_secret
        self.public_url = (public_url or "").rstrip("/")
        self._config_lock = threading.Lock()
        self._config = {
            "webhook_url": webhook_url,
            "webhook_secret": webhook_secret or "",
            "latency_ms": 0,
            "fail_api": False,
            "deliver_webhooks": True,
            "webhook_max_attempts": 8,
            "webhook_retry_base_s": 1.0,
            "webhook_retry_cap_s": 60.0,
            "webhook_timeout_s": 10.0,
            "max_upload_bytes": 4 * 1024**3,
        }
        self.webhooks = WebhookDispatcher(self.config)
        self.transcoder = Transcoder()
        # One transcode at a time: the machines this runs on have two cores.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mux-sim-transcode")
        self.verifier = TokenVerifier(self.store)
        self._upload_locks: dict[str, threading.Lock] = {}
        self._upload_locks_guard = threading.Lock()

    def config(self) -> dict:
        with self._config_lock:
            return dict(self._config)

    def update_config(self, changes: object) -> dict:
        if not isinstance(changes, dict):
            raise ApiError(400, "config must be a JSON object")
        for key, value in changes.items():
            types = CONFIG_TYPES.get(key)
            if types is None:
                raise ApiError(400, f"unknown config key {key!r}")
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ApiError(400, f"bad type for {key!r}")
        with self._config_lock:
            self._config.update(changes)
            return dict(self._config)

    def upload_lock(self, upload_id: str) -> threading.Lock:
        with self._upload_locks_guard:
            return self._upload_locks.setdefault(upload_id, threading.Lock())

    def schedule_transcode(self, asset_id: str) -> None:
        self._executor.submit(lifecycle.process_asset, self, asset_id)

    def submit(self, job: Callable[..., object], *args: object) -> None:
        """Run a media job (e.g. a static rendition) on the transcode worker."""
        self._executor.submit(job, *args)

    def check_api_auth(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # Both compared every time so timing says nothing about which half was wrong.
        ok_user = hmac.compare_digest(user.encode(), self.token_id.encode())
        ok_pass = hmac.compare_digest(password.encode(), self.token_secret.encode())
        return ok_user and ok_pass

    def stop(self) -> None:
        self.transcoder.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.webhooks.stop()


# --- requests and responses --------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    params: dict[str, str]
    client_ip: str
    handler: BaseHTTPRequestHandler
    consumed: int = 0

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        if not value.isdigit():
            raise ApiError(400, "bad Content-Length")
        return int(value)

    def read(self, size: int) -> bytes:
        data = self.handler.rfile.read(size)
        self.consumed += len(data)
        return data

    def json(self) -> dict:
        length = self.content_length or 0
        if length > MAX_JSON_BODY:
            raise ApiError(413, "request body too large")
        raw = self.read(length)
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(400, "request body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "request body must be a JSON object")
        return body


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: object, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(payload).encode(), "application/json", headers or {})


def text_response(status: int, message: str, headers: dict | None = None) -> Response:
    return Response(status, message.encode(), "text/plain; charset=utf-8", headers or {})


def api_error(status: int, message: str, error_type: str) -> Response:
    return json_response(status, {"error": {"type": error_type, "messages": [message]}})


# --- routing -----------------------------------------------------------------------------

Handler = Callable[[Simulator, Request], Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    kind: str  # "api" (Basic auth), "control" (loopback only) or "public"


def _routes() -> list[Route]:
    # Imported here: those modules import Request/Response from this one.
    from . import api, control, media, renditions, tracks, uploads

    table = [
        *api.ROUTES,
        *tracks.ROUTES,
        *renditions.ROUTES,
        *uploads.ROUTES,
        *media.ROUTES,
        *control.ROUTES,
    ]
    return [Route(m, re.compile(f"^{p}$"), h, k) for m, p, h, k in table]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MuxSimulator/1.0"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def _dispatch(self) -> None:
        sim, parts = self.server.sim, urlsplit(self.path)
        path_matched, route, params = False, None, {}
        for candidate in self.server.routes:
            if m := candidate.pattern.match(parts.path):
                path_matched = True
                if candidate.method == self.command or (
                    self.command == "HEAD" and candidate.method == "GET"
                ):
                    route, params = candidate, m.groupdict()
                    break
        request = Request(
            self.command,
            parts.path,
            dict(parse_qsl(parts.query)),
            self.headers,
            params,
            self.client_address[0],
            self,
        )
        try:
            if route is None:
                status = 405 if path_matched else 404
                is_api = parts.path.startswith(("/video/", "/system/"))
                message = "Method not allowed" if path_matched else "Not found"
                response = (
                    api_error(status, message, "not_found")
                    if is_api
                    else text_response(status, message)
                )
            else:
                response = self._guarded(sim, route, request)
        except ApiError as exc:
            response = api_error(exc.status, exc.message, exc.error_type)
        except Exception:  # Answer something, so a client bug report has a status to show.
            log.exception("error handling %s %s", self.command, self.path)
            response = api_error(500, "Internal simulator error", "internal_error")
        self._send(request, response)

    def _guarded(self, sim: Simulator, route: Route, request: Request) -> Response:
        if route.kind == "control" and not ipaddress.ip_address(request.client_ip).is_loopback:
            return text_response(403, "control endpoints answer localhost only")
        if route.kind == "api":
            if not sim.check_api_auth(request.headers.get("Authorization")):
                return json_response(
                    401,
                    {
                        "error": {
                            "type": "unauthorized",
                            "messages": ["Unauthorized request"],
                        }
                    },
                    {"WWW-Authenticate": 'Basic realm="Mux"'},
                )
            cfg = sim.config()
            if cfg["latency_ms"]:
                time.sleep(cfg["latency_ms"] / 1000)
            if cfg["fail_api"]:
                return api_error(503, "Service unavailable (simulated)", "service_unavailable")
        return route.handler(sim, request)

    def _send(self, request: Request, response: Response) -> None:
        remaining = (request.headers.get("Content-Length") or "0").strip()
        unread = (int(remaining) if remaining.isdigit() else 0) - request.consumed
        if unread > 0:
            # The handler refused the body without reading it; reading it now could take
            # long (a rejected 100 MB chunk), so drop the connection instead.
            self.close_connection = True
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Restarting on the same port in tests/demos must not fail on TIME_WAIT.
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        super().__init__(address, _RequestHandler)
        self.sim = sim
        self.routes = _routes()


# --- starting and stopping ---------------------------------------------------------------


class SimulatorHandle:
    def __init__(self, server: _Server, thread: threading.Thread | None) -> None:
        self._server, self._thread = server, thread
        self.sim = server.sim
        self.url = server.sim.public_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.sim.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def create_server(
    *,
    host: str = "127.0.0.1",
    port: int = 8900,
    data_dir: str = "var/mux-sim",
    token_id: str,
    token_secret: str,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    public_url: str | None = None,
) -> _Server:
    sim = Simulator(data_dir, token_id, token_secret, webhook_url, webhook_secret, public_url)
    try:
        server = _Server((host, port), sim)
    except OSError:
        sim.stop()  # e.g. port in use: don't leave the worker threads behind
        raise
    if not sim.public_url:
        # Known only after binding when port=0; a wildcard bind is still reached via loopback.
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        sim.public_url = f"http://{shown}:{server.server_address[1]}"
    lifecycle.resume_pending(sim)
    return server


def start_in_thread(**options: object) -> SimulatorHandle:
    """Run the simulator in this process (for tests); port=0 picks a free port."""
    options.setdefault("port", 0)
    server = create_server(**options)  # type: ignore[arg-type]
    # A short poll interval makes stop() quick; tests start and stop many simulators.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="mux-sim-http", daemon=True
    )
    thread.start()
    return SimulatorHandle(server, thread)
