"""Start and stop a throwaway MongoDB-wire server (SecantusDB) for tests and local runs.

SecantusDB is a development dependency: it is run as a separate process, never imported.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def secantus_command() -> list[str]:
    beside_python = Path(sys.executable).parent / "secantusd-py"
    executable = str(beside_python) if beside_python.exists() else shutil.which("secantusd-py")
    if not executable:
        raise RuntimeError("secantusd-py not found: install requirements-dev.txt")
    return [executable]


def uri_for(port: int, database: str) -> str:
    # SecantusDB advertises a replica set; connect directly so no member discovery is needed.
    return f"mongodb://127.0.0.1:{port}/{database}?directConnection=true"


def wait_until_up(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    client: MongoClient = MongoClient(uri_for(port, "admin"), serverSelectionTimeoutMS=500)
    try:
        while True:
            try:
                client.admin.command("ping")
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        client.close()


def start(port: int, storage_path: str, log_path: Path | None = None) -> subprocess.Popen:
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            *secantus_command(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            storage_path,
            "--log-level",
            "WARNING",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(port)
    except Exception:
        process.kill()
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
