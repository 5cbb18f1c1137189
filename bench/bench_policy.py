"""Completion-policy benchmark: a lesson's bar is lowered under 100,000 learners' progress.

Run: .venv/bin/python bench/bench_policy.py

One lesson of 300 s with BENCH_LEARNERS (default 100,000) progress documents spread evenly
from 0% to 100% watched (those at 90% or more completed, as the site's threshold had it).
Then, through `catalog.services.lesson_update` (the path the admin and the API take):

1. the share is lowered from 0.9 to 0.7;
2. end credits are set at 240 s (with the share at 0.7, 168 s of the first 240 must be
   played).

Each pass reads its candidates once (a plain filter on the stored coverage) and completes
who qualifies with bulk_write in batches of 1,000.

Each step reports its wall time, how many documents it completed, and checks the count
against a direct count of who qualifies. Everything runs on a throwaway in-memory SecantusDB
(the same server the tests use) and SQLite in a temp dir; Redis at REDIS_URL
(default redis://127.0.0.1:6379/4).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_tracking import configure, make_course, make_users  # noqa: E402
from devtools import mongo_server  # noqa: E402

print = functools.partial(print, flush=True)

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "100000"))
DURATION_S = 300.0


def seed(course, lesson_id) -> float:
    from tracking.documents import LessonProgress

    collection = LessonProgress._get_collection()
    LessonProgress.ensure_indexes()
    now = datetime.now(UTC)
    started = time.perf_counter()
    batch: list[dict] = []
    for number in range(LEARNERS):
        reach = (number * 7 % 101) / 100  # an even spread of progress, 0% to 100%
        buckets = list(range(int(reach * 100)))
        watched = round(DURATION_S * reach, 1)
        batch.append(
            {
                "user_id": 1_000_000 + number,
                "lesson_id": lesson_id,
                "course_id": course.id,
                "position_s": watched,
                "furthest_s": watched,
                "buckets": buckets,
                "coverage": min(len(buckets) / 100, watched / DURATION_S),
                "watch_time_s": watched,
                "duration_s": DURATION_S,
                "beats": int(watched // 10) + 1,
                "last_beat_at": now - timedelta(hours=number % 900),
                "started_at": now - timedelta(days=40),
                "updated_at": now - timedelta(hours=number % 900),
                "completed_at": now if reach >= 0.9 else None,
            }
        )
        if len(batch) >= 5_000:
            collection.insert_many(batch, ordered=False)
            batch = []
    if batch:
        collection.insert_many(batch, ordered=False)
    return time.perf_counter() - started


def expected_after_credits(lesson_id) -> int:
    """Who qualifies with credits at 240 s and a 0.7 share, counted directly in Python."""
    from tracking.documents import LessonProgress

    count = 0
    for document in LessonProgress._get_collection().find(
        {"lesson_id": lesson_id, "completed_at": None}, {"buckets": True, "watch_time_s": True}
    ):
        content = sum(1 for index in document["buckets"] if index < 80)
        if content >= 56 and document["watch_time_s"] >= 0.7 * 240 - 1e-6:
            count += 1
    return count


def main() -> None:
    port = mongo_server.free_port()
    mongo = mongo_server.start(port, ":memory:")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            configure(port, Path(tmp))
            from catalog.documents import Course, Lesson
            from catalog.services import lesson_update
            from learnstream.audit import AuditEntry
            from tracking.documents import LessonProgress

            owner = make_users(1, role="instructor", prefix="owner-policy")[0]
            course, lesson_ids = make_course(owner=owner, lessons=1, duration_s=DURATION_S)
            lesson_id = lesson_ids[0]
            load_s = seed(course, lesson_id)
            collection = LessonProgress._get_collection()
            open_before = collection.count_documents({"lesson_id": lesson_id, "completed_at": None})
            expected_share = collection.count_documents(
                {"lesson_id": lesson_id, "completed_at": None, "coverage": {"$gte": 0.7}}
            )
            print(
                json.dumps(
                    {
                        "documents": collection.count_documents({"lesson_id": lesson_id}),
                        "load_s": round(load_s, 1),
                        "not_completed_before": open_before,
                    }
                )
            )
            course = Course.objects.get(id=course.id)

            lesson = Lesson.objects.get(id=lesson_id)
            started = time.perf_counter()
            lesson_update(lesson=lesson, course=course, user=owner, completion_share=0.7)
            share_s = time.perf_counter() - started
            entry = AuditEntry.objects(action="progress.completion_policy").order_by("-at").first()
            print(
                json.dumps(
                    {
                        "step": "share 0.9 -> 0.7",
                        "seconds": round(share_s, 1),
                        "completed": entry.details["completed"],
                        "expected": expected_share,
                    }
                )
            )

            expected_credits = expected_after_credits(lesson_id)
            lesson = Lesson.objects.get(id=lesson_id)
            started = time.perf_counter()
            lesson_update(lesson=lesson, course=course, user=owner, credits_start_s=240.0)
            credits_s = time.perf_counter() - started
            entry = AuditEntry.objects(action="progress.completion_policy").order_by("-at").first()
            print(
                json.dumps(
                    {
                        "step": "credits at 240 s",
                        "seconds": round(credits_s, 1),
                        "examined": entry.details["examined"],
                        "completed": entry.details["completed"],
                        "expected": expected_credits,
                    }
                )
            )
    finally:
        mongo_server.stop(mongo)


if __name__ == "__main__":
    main()
