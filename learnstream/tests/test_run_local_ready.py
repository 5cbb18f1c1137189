"""`./dev run` says "running at" only once the app answers /readyz: the runner waits through
the app's start-up (connection refused, then 503 while a database is still coming up), and
gives up with an error, never a "running" line, when the app dies or stays unready."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from devtools import mongo_server

ROOT = Path(__file__).resolve().parents[2]

# An app stand-in in its own process: refuses connections for `delay` seconds (not yet
# listening), then answers /readyz 503 for `delay` seconds more, then 200.
APP = textwrap.dedent(
    """
    import http.server, sys, time
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    time.sleep(delay)
    started = time.monotonic()
    class Ready(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ready = self.path == "/readyz" and time.monotonic() - started >= delay
            print("ready" if ready else "unready", time.time(), flush=True)
            self.send_response(200 if ready else 503)
            self.end_headers()
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", port), Ready).serve_forever()
    """
)


@pytest.fixture
def runner(monkeypatch):
    spec = importlib.util.spec_from_file_location("run_local", ROOT / "scripts" / "run_local.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    port = mongo_server.free_port()
    monkeypatch.setattr(module, "APP_ADDRESS", f"127.0.0.1:{port}")
    monkeypatch.setattr(module, "READY_TIMEOUT_S", 20)
    return module, port


def _app(port: int, delay: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", APP, str(port), str(delay)], stdout=subprocess.PIPE, text=True
    )


def test_waits_through_refused_connections_and_503_until_ready(runner):
    module, port = runner
    app = _app(port, delay=1.0)
    try:
        module.wait_until_ready(app)
        returned_at = time.time()
    finally:
        app.terminate()
        out, _ = app.communicate(timeout=10)
    ready_lines = [line for line in out.splitlines() if line.startswith("ready")]
    assert ready_lines, "the runner returned before the app ever answered 200"
    assert float(ready_lines[0].split()[1]) <= returned_at
    assert out.splitlines()[0].startswith("unready"), "the 503 phase was never seen"


def test_an_app_that_exits_is_an_error_not_a_run(runner):
    module, _ = runner
    app = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    with pytest.raises(RuntimeError, match="exited before it was ready"):
        module.wait_until_ready(app)


def test_an_app_that_never_gets_ready_is_an_error(runner, monkeypatch):
    module, port = runner
    monkeypatch.setattr(module, "READY_TIMEOUT_S", 2)
    app = _app(port, delay=30.0)
    try:
        with pytest.raises(RuntimeError, match="did not answer"):
            module.wait_until_ready(app)
    finally:
        app.kill()
        app.wait(timeout=10)
