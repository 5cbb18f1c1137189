"""`./dev run` refuses ports another program holds: it names the port and the variable that
moves it, exits non-zero, and writes nothing (not var/, not the foreign server)."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pymongo import MongoClient

from devtools import mongo_server

ROOT = Path(__file__).resolve().parents[2]


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A foreign web server that notes every request it receives and answers 200."""

    received: list[str]

    def _any(self) -> None:
        self.received.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.end_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _foreign_http_server(port: int) -> Iterator[list[str]]:
    received: list[str] = []
    handler = type("Handler", (_Recorder,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def _run(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    # A copy of the runner in an empty checkout-like folder, so nothing it might write lands
    # in the real var/.
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "run_local.py", tmp_path / "scripts" / "run_local.py")
    base = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MUX_API_HOST")}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / "run_local.py")],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def _ports() -> dict[str, int]:
    return {name: mongo_server.free_port() for name in ("app", "mongo", "sim")}


def _env(ports: dict[str, int]) -> dict[str, str]:
    return {
        "LEARNSTREAM_ADDRESS": f"127.0.0.1:{ports['app']}",
        "LEARNSTREAM_MONGO_PORT": str(ports["mongo"]),
        "MUX_API_HOST": f"http://127.0.0.1:{ports['sim']}",
    }


@pytest.mark.parametrize(
    ("taken", "variable"),
    [("app", "LEARNSTREAM_ADDRESS"), ("sim", "MUX_API_HOST")],
)
def test_a_taken_port_stops_the_run_naming_its_variable(tmp_path, taken, variable):
    ports = _ports()
    with _foreign_http_server(ports[taken]) as received:
        result = _run(tmp_path, _env(ports))
    assert received == []
    assert result.returncode != 0
    assert str(ports[taken]) in result.stderr and variable in result.stderr
    assert not (tmp_path / "var").exists()


def test_a_foreign_mongodb_on_the_port_receives_no_writes(tmp_path):
    ports = _ports()
    foreign = mongo_server.start(ports["mongo"], ":memory:")
    try:
        result = _run(tmp_path, _env(ports))
        assert result.returncode != 0
        assert str(ports["mongo"]) in result.stderr
        assert "LEARNSTREAM_MONGO_PORT" in result.stderr
        client: MongoClient = MongoClient(mongo_server.uri_for(ports["mongo"], "admin"))
        try:
            assert "learnstream" not in client.list_database_names()
        finally:
            client.close()
    finally:
        mongo_server.stop(foreign)
    assert not (tmp_path / "var").exists()
