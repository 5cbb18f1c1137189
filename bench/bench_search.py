"""Course transcript search benchmark: GET /api/v1/courses/{slug}/search?q= for an enrolled
learner in a course with 50 lessons x 1 hour of captions (one cue every 3.6 s: 50,000 cues),
p50/p95 over varied queries, plus the first search after a caption changed (the per-process
index is rebuilt from MongoDB then).

Run (PostgreSQL and Redis as in the tests; SecantusDB is started here):
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/bench_search.py

BENCH_HOURS (50) and BENCH_ROUNDS (200) change the size and the number of requests.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnstream.settings.test")

from bench._harness import percentile, stack_label, throwaway_stack

HOURS = int(os.environ.get("BENCH_HOURS", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
CUE_S = 3.6
WORDS = [
    "light",
    "energy",
    "sugar",
    "plant",
    "cell",
    "membrane",
    "protein",
    "enzyme",
    "réaction",
    "café",
    "naïve",
    "élan",
    "water",
    "carbon",
    "oxygen",
    "molecule",
    "gradient",
    "function",
    "derivative",
    "integral",
    "matrix",
    "vector",
    "theorem",
    "proof",
    "lemma",
    "graph",
    "node",
    "edge",
    "tree",
    "sort",
    "search",
    "index",
    "cache",
    "latency",
    "throughput",
    "memory",
    "thread",
    "lock",
    "queue",
    "stream",
    "packet",
    "socket",
    "request",
    "response",
    "header",
    "body",
    "token",
    "signature",
    "hash",
    "key",
    "value",
]


def seed(owner) -> str:
    from django.utils import timezone

    from catalog.documents import Lesson
    from catalog.services import course_publish
    from catalog.tests.factories import CourseFactory, LessonFactory
    from playback.captions_documents import Caption
    from playback.captions_format import Cue, cues_to_vtt
    from playback.captions_services import _searchable

    course = CourseFactory(owner_id=owner.id, slug="fifty-hours")
    for position in range(HOURS):
        LessonFactory(course_id=course.id, position=position, is_preview=position == 0)
    course_publish(course=course, user=owner)
    rng = random.Random(7)
    now = timezone.now()
    docs = []
    for lesson in Lesson.objects(course_id=course.id):
        cues = [
            Cue(
                start_s=round(i * CUE_S, 3),
                end_s=round(i * CUE_S + CUE_S - 0.1, 3),
                text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))).capitalize(),
            )
            for i in range(int(3600 / CUE_S))
        ]
        vtt = cues_to_vtt(cues)
        docs.append(
            Caption(
                lesson_id=lesson.id,
                course_id=course.id,
                language="en",
                label="English",
                current={
                    "rev": "r1",
                    "asset_id": "a",
                    "track_id": f"t{lesson.id}",
                    "state": "ready",
                    "vtt": vtt,
                    "created_at": now,
                    "updated_at": now,
                },
                cues=_searchable(vtt),
            ).to_mongo()
        )
    collection = Caption._get_collection()
    for doc in docs:
        collection.insert_one(doc)
    return course.slug


def main() -> int:
    with throwaway_stack(test_environment=True, indexes=True):
        from rest_framework.test import APIClient

        from accounts.tests.factories import UserFactory
        from catalog.documents import Course
        from catalog.services import enrollment_create
        from playback.captions_search import search_index_invalidate

        owner = UserFactory(role="instructor")
        started = time.perf_counter()
        slug = seed(owner)
        course = Course.objects.get(slug=slug)
        learner = UserFactory(role="student")
        enrollment_create(user=learner, course=course)
        print(
            f"seeded {HOURS} lessons x 1 h of captions ({HOURS * int(3600 / CUE_S)} cues) in "
            f"{time.perf_counter() - started:.1f}s ({stack_label()})"
        )
        client = APIClient()
        client.force_authenticate(user=learner)
        rng = random.Random(11)
        queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(50)]
        queries += ["CAFE", "naive elan", "zzz-no-match"]

        rebuilds = []
        for _ in range(3):
            search_index_invalidate(course_id=str(course.id))
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/courses/{slug}/search", {"q": "light"})
            rebuilds.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content
        samples, hits = [], 0
        for i in range(ROUNDS):
            t0 = time.perf_counter()
            response = client.get(
                f"/api/v1/courses/{slug}/search", {"q": queries[i % len(queries)]}
            )
            samples.append((time.perf_counter() - t0) * 1000)
            hits += len(response.json()["results"])
        print(
            f"search (warm index)  p50 {percentile(samples, 0.5):6.1f} ms  "
            f"p95 {percentile(samples, 0.95):6.1f} ms  max {max(samples):6.1f} ms  "
            f"({ROUNDS} requests, {hits / ROUNDS:.1f} results each on average)"
        )
        print(
            f"first search after a caption change (index rebuilt from MongoDB): "
            f"{', '.join(f'{r:.0f}' for r in rebuilds)} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
