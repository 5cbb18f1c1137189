"""Signed webhook delivery with retries, in the shape Mux sends them.

One worker thread delivers due events oldest-first. A failed event is rescheduled with
exponential backoff, so newer events may overtake it, as with real Mux; the app has to
cope with out-of-order events anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

ENVIRONMENT = {"name": "Simulator", "id": "simulator"}
LOG_LIMIT = 1000


def sign(body: bytes, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _iso_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WebhookDispatcher:
    def __init__(self, config: Callable[[], dict]) -> None:
        # Read the config at each attempt: tests and demos change the URL/secret at runtime.
        self._config = config
        self._heap: list[tuple[float, int, dict]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._log: list[dict] = []
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="mux-sim-webhooks", daemon=True)
        self._thread.start()

    def emit(self, event_type: str, object_type: str, data: dict) -> dict:
        event: dict[str, Any] = {
            "type": event_type,
            "id": str(uuid.uuid4()),
            "created_at": _iso_now(),
            "object": {"type": object_type, "id": data["id"]},
            "environment": dict(ENVIRONMENT),
            "data": data,
            "attempts": [],
            "accessor_source": None,
            "accessor": None,
            "request_id": None,
        }
        entry = {
            "id": event["id"],
            "type": event_type,
            "object_id": data["id"],
            "created_at": event["created_at"],
            "state": "pending",
            "attempts": 0,
            "last_status": None,
            "last_error": None,
        }
        with self._cond:
            self._log.append(entry)
            del self._log[:-LOG_LIMIT]
            if not self._config().get("deliver_webhooks", True):
                entry["state"] = "dropped"
                return event
            heapq.heappush(
                self._heap,
                (time.monotonic(), next(self._seq), {"event": event, "log": entry}),
            )
            self._cond.notify()
        return event

    def log(self) -> list[dict]:
        with self._cond:
            return [dict(e) for e in self._log]

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _, _, job = heapq.heappop(self._heap)
            self._attempt(job)

    def _attempt(self, job: dict) -> None:
        cfg = self._config()
        entry = job["log"]
        url, secret = cfg.get("webhook_url"), cfg.get("webhook_secret") or ""
        with self._cond:
            if not cfg.get("deliver_webhooks", True):
                entry["state"] = "dropped"
                return
            if not url:
                entry["state"] = "skipped"
                entry["last_error"] = "no webhook_url configured"
                return
        body = json.dumps(job["event"]).encode()
        status, error = None, None
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Mux Webhooks (LearnStream simulator)",
                # A fresh timestamp per attempt, as Mux does, so tolerance checks still pass.
                "Mux-Signature": sign(body, secret, int(time.time())),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=cfg.get("webhook_timeout_s", 10)) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._cond:
            entry["attempts"] += 1
            entry["last_status"] = status
            entry["last_error"] = error
            if status is not None and 200 <= status < 300:
                entry["state"] = "delivered"
                return
            if entry["attempts"] >= int(cfg.get("webhook_max_attempts", 8)):
                entry["state"] = "failed"
                return
            delay = min(
                float(cfg.get("webhook_retry_base_s", 1.0)) * 2 ** (entry["attempts"] - 1),
                float(cfg.get("webhook_retry_cap_s", 60.0)),
            )
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), job))
            self._cond.notify()
