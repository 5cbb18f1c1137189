"""Thread-safe store of uploads, assets, playback ids and signing keys.

Everything lives in one JSON file in the data dir, rewritten atomically after each change,
so a restarted simulator still knows the uploads, assets and keys the app stored ids of.
The data is small (metadata only; media files sit next to it), so rewriting it is cheap.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import secrets
import string
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import overload

COLLECTIONS = ("uploads", "assets", "playback_ids", "signing_keys")
_ALPHABET = string.ascii_letters + string.digits


def new_id(length: int = 32) -> str:
    # Mux ids are opaque alphanumeric strings; callers must not parse them, so neither do we.
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def unix_now() -> str:
    # Mux reports created_at as a string of Unix seconds on API objects.
    return str(int(time.time()))


@overload
def public(obj: dict) -> dict: ...
@overload
def public(obj: None) -> None: ...
def public(obj: dict | None) -> dict | None:
    """Drop the simulator's own bookkeeping (keys starting with "_") before a client sees it."""
    if obj is None:
        return None
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


class Store:
    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._path = self.data_dir / "state.json"
        self._lock = threading.RLock()
        self._data: dict[str, dict[str, dict]] = {c: {} for c in COLLECTIONS}
        if self._path.exists():
            loaded = json.loads(self._path.read_text(encoding="utf-8"))
            for name in COLLECTIONS:
                self._data[name] = loaded.get(name, {})

    @contextlib.contextmanager
    def tx(self) -> Iterator[dict[str, dict[str, dict]]]:
        """Hold the lock across a read-modify-write and persist once at the end.

        Several collections often change together (upload -> asset_created plus the new asset),
        so a single lock and a single save keep the file consistent.
        """
        with self._lock:
            yield self._data
            self._save()

    def get(self, collection: str, key: str) -> dict | None:
        with self._lock:
            obj = self._data[collection].get(key)
            return copy.deepcopy(obj) if obj is not None else None

    def all(self, collection: str) -> list[dict]:
        with self._lock:
            return copy.deepcopy(list(self._data[collection].values()))

    def _save(self) -> None:
        tmp = self._path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self._data, indent=1, sort_keys=True), encoding="utf-8")
        # os.replace is atomic, so a crash mid-write never leaves a half-written state file.
        os.replace(tmp, self._path)

    # Paths for media files; kept here so every module agrees on the layout.
    def upload_path(self, upload_id: str) -> Path:
        path = self.data_dir / "uploads"
        path.mkdir(exist_ok=True)
        return path / f"{upload_id}.bin"

    def asset_dir(self, asset_id: str) -> Path:
        return self.data_dir / "assets" / asset_id
