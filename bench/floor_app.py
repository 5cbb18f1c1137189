"""The floor for the heartbeat benchmark: a bare WSGI app that does only what a heartbeat
cannot avoid — verify the bearer token (SimpleJWT, same settings) and run the same single
upsert (same filter and pipeline as `tracking.services`) in raw pymongo, then (FLOOR_READ_BACK=1,
the default) read the state back by the unique key as the endpoint does to answer it.

No Django request stack, no DRF, no access check, no validation. Never mounted in the
project's URLs: bench_tracking.py serves it with its own gunicorn.
"""

from __future__ import annotations

import json
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnstream.settings.local")
django.setup()

from bson import ObjectId  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from pymongo.errors import DuplicateKeyError  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from tracking.services import Beat, _beat_filter, _merge_pipeline, now_ms  # noqa: E402

COURSE_ID = ObjectId(os.environ["FLOOR_COURSE_ID"])
DURATION_S = float(os.environ["FLOOR_DURATION_S"])
# "1": also read the state back by the unique key, as the endpoint must to answer it.
READ_BACK = os.environ.get("FLOOR_READ_BACK", "1") == "1"
_collection = None


def collection():
    global _collection
    if _collection is None:  # after the fork: pymongo is not fork-safe
        database: Any = MongoClient(settings.MONGODB_URI).get_default_database()
        _collection = database[os.environ.get("FLOOR_COLLECTION", "lesson_progress_floor")]
    return _collection


def _reply(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def application(environ, start_response):
    header = environ.get("HTTP_AUTHORIZATION", "")
    try:
        token = AccessToken(header.removeprefix("Bearer ").encode())
        user_id = int(token["user_id"])
    except Exception:
        return _reply(start_response, "401 Unauthorized", {"code": "not_authenticated"})
    lesson_id = ObjectId(environ["PATH_INFO"].split("/")[-2])
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length))
    beat = Beat(
        position_s=float(body["position_s"]),
        played_from_s=float(body["played_from_s"]),
        played_to_s=float(body["played_to_s"]),
        duration_s=DURATION_S,
    )
    now = now_ms(timezone.now())
    key = {"user_id": user_id, "lesson_id": lesson_id}
    try:
        result = collection().update_one(
            _beat_filter(user_id=user_id, lesson_id=lesson_id, beat=beat, now=now),
            _merge_pipeline(beat=beat, course_id=COURSE_ID, now=now),
            upsert=True,
        )
        written = result.matched_count > 0 or result.upserted_id is not None
    except DuplicateKeyError:
        written = False
    if not written:
        return _reply(start_response, "429 Too Many Requests", {"code": "throttled"})
    if not READ_BACK:
        return _reply(start_response, "200 OK", {"ok": True})
    document = collection().find_one(key, {"buckets": False})
    return _reply(
        start_response,
        "200 OK",
        {
            "position_s": document["position_s"],
            "furthest_s": document["furthest_s"],
            "coverage": document["coverage"],
            "watch_time_s": document["watch_time_s"],
            "completed": document.get("completed_at") is not None,
        },
    )
