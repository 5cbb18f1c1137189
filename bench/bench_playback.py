"""Playback benchmarks: webhook handling, and playback-token issue next to a bare
authenticated request in the same run.

    python bench/bench_playback.py [--n 300]

Runs the real request stack in-process (Django test client: middleware, auth, DRF) against
a throw-away SQL test database (PostgreSQL at DATABASE_URL, else SQLite), a SecantusDB
started for the run, and the cache at REDIS_URL (else local memory). SecantusDB is a Python
server and dominates anything that touches MongoDB (TRAPS.md), so every figure is printed
next to a floor measured in the same run:

- webhook: a state-changing event (signature check, ledger lookup, one conditional Mongo
  update, ledger insert), a replay (signature check + ledger hit only), an ignored type;
- playback: GET /api/v1/lessons/{id}/playback vs a bare authenticated DRF view (bearer JWT,
  same middleware), interleaved so both see the same machine load; plus token signing alone.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnstream.settings.test")

from bench._harness import (
    floor_urlconf,
    signing_key_settings,
    throwaway_stack,
    timed_ms,
)


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ordered)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()
    with throwaway_stack():
        run(args.n)
    return 0


def run(n: int) -> None:
    import logging

    logging.disable(logging.INFO)  # one access-log line per request would be measured too
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.tests.factories import UserFactory
    from catalog.documents import Lesson
    from catalog.lesson_video import VideoState
    from catalog.services import enrollment_create
    from catalog.tests.factories import LessonFactory, published_course
    from playback import signing
    from playback.tests.helpers import deliver, event, set_video, upload_data

    secret = "bench-webhook-secret"
    with override_settings(
        ROOT_URLCONF=floor_urlconf(), MUX_WEBHOOK_SECRET=secret, **signing_key_settings()
    ):
        instructor = UserFactory(role="instructor")
        student = UserFactory(role="student")
        course = published_course(owner=instructor, lessons=1)
        enrollment_create(user=student, course=course)
        lesson = Lesson.objects(course_id=course.id).first()
        ready = {"asset_id": "a", "playback_id": "pb", "state": "ready", "duration_s": 600.0}
        set_video(lesson, current=ready)

        # --- webhooks ------------------------------------------------------------------
        lessons = [
            set_video(
                LessonFactory(course_id=course.id, position=i + 1),
                pending={"upload_id": f"up-{i}", "state": VideoState.AWAITING_UPLOAD},
            )
            for i in range(n)
        ]
        events = [
            event(
                "video.upload.asset_created",
                upload_data(
                    upload_id=f"up-{i}",
                    lesson_id=str(item.id),
                    status="asset_created",
                    asset_id=f"as-{i}",
                ),
            )
            for i, item in enumerate(lessons)
        ]
        web = Client()
        applied: list[float] = []
        for payload in events:
            body = json.dumps(payload).encode()
            applied.append(timed_ms(functools.partial(deliver, web, body, secret=secret)))
        replayed = [
            timed_ms(functools.partial(deliver, web, payload, secret=secret)) for payload in events
        ]
        ignored = [
            timed_ms(
                lambda: deliver(
                    web,
                    event("video.asset.track.ready", {"id": str(uuid.uuid4())}),
                    secret=secret,
                )
            )
            for _ in range(n)
        ]
        assert all(
            Lesson._get_collection().find_one({"_id": item.id})["video"]["pending"]["state"]
            == VideoState.PROCESSING
            for item in lessons
        )

        # --- playback tokens -----------------------------------------------------------
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(student)}")
        playback_url = f"/api/v1/lessons/{lesson.id}/playback"
        for url in ("/bench/whoami", playback_url):  # warm caches (facts, enrolment)
            assert api.get(url).status_code == 200
        bare, playback = [], []
        for _ in range(n):
            bare.append(timed_ms(lambda: api.get("/bench/whoami")))
            playback.append(timed_ms(lambda: api.get(playback_url)))
        mongo_floor = [
            timed_ms(lambda: Lesson._get_collection().find_one({"_id": lesson.id}, {"video": 1}))
            for _ in range(n)
        ]
        signing_only = [
            timed_ms(lambda: signing.playback_tokens_issue(playback_id="pb", duration_s=600))
            for _ in range(n)
        ]

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = "redis" if settings.REDIS_URL else "locmem"
    print(f"LearnStream playback benchmarks (SQL: {database}, cache: {cache}, Mongo: SecantusDB)")
    print(f"  webhook, state change + ledger insert   {_stats(applied)}")
    print(f"  webhook, replay (ledger hit)            {_stats(replayed)}")
    print(f"  webhook, ignored type                   {_stats(ignored)}")
    print(f"  bare authenticated request (floor)      {_stats(bare)}")
    print(f"  GET playback (3 RS256 tokens)           {_stats(playback)}")
    print(f"  token signing alone (3 RS256 tokens)    {_stats(signing_only)}")
    print(f"  one Mongo find_one by _id (floor)       {_stats(mongo_floor)}")
    extra = statistics.median(playback) - statistics.median(bare)
    print(f"  playback over the floor: {extra:.2f} ms (median difference)")


if __name__ == "__main__":
    raise SystemExit(main())
