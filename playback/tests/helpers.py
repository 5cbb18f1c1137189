"""Builders for Mux events (in the shapes Mux and the simulator send) and signed deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from django.test import Client
from django.utils import timezone

from catalog.documents import Lesson
from catalog.lesson_video import LessonVideo, VideoGeneration, VideoState
from playback.playback_source import playback_source_changed


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event(event_type: str, data: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "type": event_type,
        "id": event_id or str(uuid.uuid4()),
        "created_at": "2026-01-01T00:00:00.000000Z",
        "object": {"type": event_type.split(".")[1], "id": data["id"]},
        "environment": {"name": "Test", "id": "test"},
        "data": data,
    }


def upload_data(*, upload_id: str, lesson_id: str, status: str, **extra: Any) -> dict:
    return {
        "id": upload_id,
        "status": status,
        "timeout": 3600,
        "new_asset_settings": {"playback_policies": ["signed"], "passthrough": lesson_id},
        **extra,
    }


def asset_data(
    *,
    asset_id: str,
    upload_id: str | None,
    lesson_id: str,
    status: str,
    playback_id: str = "pb-1",
    **extra: Any,
) -> dict:
    data = {
        "id": asset_id,
        "status": status,
        "passthrough": lesson_id,
        "playback_ids": [{"id": playback_id, "policy": "signed"}],
        **extra,
    }
    if upload_id:
        data["upload_id"] = upload_id
    return data


def deliver(
    client: Client,
    payload: dict | bytes,
    *,
    secret: str,
    timestamp: int | None = None,
    header: str | None = None,
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    signature = header if header is not None else sign(body, secret, timestamp)
    if signature:
        headers["Mux-Signature"] = signature
    return client.post("/webhooks/mux", data=body, content_type="application/json", headers=headers)


def set_video(
    lesson: Lesson,
    *,
    current: dict | None = None,
    pending: dict | None = None,
) -> Lesson:
    """Put a lesson's video in a given state, as the webhooks would have left it (and, as
    their writer does, retire what playback requests serve from the cache)."""
    now = timezone.now()

    def generation(fields: dict | None) -> VideoGeneration | None:
        if fields is None:
            return None
        return VideoGeneration(created_at=now, updated_at=now, **fields)

    lesson.video = LessonVideo(current=generation(current), pending=generation(pending))
    duration = (current or {}).get("duration_s") if (current or {}).get("state") else None
    lesson.duration_s = float(duration or 0)
    lesson.save()
    playback_source_changed(lesson_oid=lesson.id)
    return lesson


def ready_generation(asset: dict) -> dict:
    """Fields of a ready generation for a simulator asset."""
    playback_id = next(p["id"] for p in asset["playback_ids"] if p["policy"] == "signed")
    return {
        "upload_id": asset.get("upload_id"),
        "asset_id": asset["id"],
        "playback_id": playback_id,
        "state": VideoState.READY,
        "duration_s": float(asset.get("duration") or 0),
        "aspect_ratio": asset.get("aspect_ratio"),
    }
