"""Catalogue benchmark: the catalogue page, the catalogue API and the course API with
200 published courses x 30 lessons — p50/p95 uncached and cached, and the SQL and MongoDB
queries per request.

Run (PostgreSQL and Redis as in the tests; SecantusDB is started here):
    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/bench_catalog.py

SecantusDB is a Python server, so uncached figures mostly measure it: the "floor" rows
time the same MongoDB commands sent straight through pymongo in the same run.
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

COURSES = int(os.environ.get("BENCH_COURSES", "200"))
LESSONS = int(os.environ.get("BENCH_LESSONS", "30"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))


def seed(instructors: list) -> list[str]:
    from bson import ObjectId
    from django.utils import timezone

    from catalog.documents import Course, Lesson
    from catalog.services import course_publish

    topics = ["python", "django", "rust", "video", "design", "data", "cloud", "security"]
    levels = ["beginner", "intermediate", "advanced"]
    now = timezone.now()
    courses, lessons = [], []
    for index in range(COURSES):
        course_id = ObjectId()
        topic = topics[index % len(topics)]
        courses.append(
            Course(
                id=course_id,
                slug=f"{topic}-course-{index}",
                title=f"{topic.title()} in practice, part {index}",
                subtitle=f"Hands-on {topic} for working engineers",
                description="A **practical** course.\n\n" * 5,
                level=levels[index % 3],
                language="en" if index % 4 else "fr",
                tags=[topic, "engineering"],
                owner_id=instructors[index % len(instructors)].id,
                created_at=now,
                updated_at=now,
            ).to_mongo()
        )
        for position in range(LESSONS):
            lessons.append(
                Lesson(
                    course_id=course_id,
                    section=f"Module {position // 6 + 1}",
                    title=f"Lesson {position + 1}",
                    position=position,
                    is_preview=position == 0,
                    duration_s=300.0 + position,
                    created_at=now,
                    updated_at=now,
                ).to_mongo()
            )
    # Small batches: one huge insert can outlast the socket timeout and be retried.
    for collection, docs in (
        (Course._get_collection(), courses),
        (Lesson._get_collection(), lessons),
    ):
        for start in range(0, len(docs), 300):
            collection.insert_many(docs[start : start + 300])
    slugs = []
    for course in Course.objects():
        course_publish(course=course, user=instructors[0])
        slugs.append(course.slug)
    return slugs


def measure(client, urls, *, cached: bool, rounds: int) -> list[float]:
    from django.core.cache import cache

    timings = []
    for index in range(rounds):
        url = urls[index % len(urls)]
        if cached:
            client.get(url)  # warm this entry
        else:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def count_queries(client, url, *, cached: bool) -> str:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from devtools.mongo_queries import capture_mongo_commands

    cache.clear()
    if cached:
        client.get(url)
    with CaptureQueriesContext(connection) as sql, capture_mongo_commands() as mongo:
        client.get(url)
    return f"{len(sql)}/{len(mongo)}"


def floor(slugs: list[str], rounds: int) -> dict[str, list[float]]:
    """The MongoDB commands the endpoints send, straight through pymongo."""
    from catalog.documents import Course, CourseVersion, Lesson

    courses = Course._get_collection()
    versions = CourseVersion._get_collection()
    lessons = Lesson._get_collection()
    listing, detail = [], []
    filters: list[dict[str, object]] = [  # the same mix as the catalogue URLs
        {},
        {"published.keywords": {"$regex": "^pyth"}},
        {"published.level": "advanced"},
        {"published.tags": "rust"},
    ]
    for index in range(rounds):
        started = time.perf_counter()
        query = {"status": "published", **filters[index % len(filters)]}
        list(
            courses.find(query, {"slug": 1, "owner_id": 1, "published": 1})
            .sort([("published.title", 1), ("_id", 1)])
            .limit(25)
        )
        listing.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        course = courses.find_one({"slug": slugs[index % len(slugs)], "status": "published"})
        version = versions.find_one({"course_id": course["_id"], "version": course["version"]})
        ids = [item["lesson_id"] for item in version["lessons"]]
        list(lessons.find({"_id": {"$in": ids}}, {"duration_s": 1, "video": 1}))
        detail.append((time.perf_counter() - started) * 1000)
    return {"listing": listing, "detail": detail}


def main() -> int:
    with throwaway_stack(test_environment=True, indexes=True):
        from django.test import Client

        from accounts.tests.factories import UserFactory

        instructors = [UserFactory(role="instructor") for _ in range(10)]
        started = time.perf_counter()
        slugs = seed(instructors)
        print(
            f"seeded {COURSES} courses x {LESSONS} lessons in "
            f"{time.perf_counter() - started:.1f}s ({stack_label()})"
        )
        client = Client()
        random.seed(7)
        course_urls = [f"/api/v1/courses/{slug}" for slug in random.sample(slugs, 40)]
        endpoints = {
            "catalogue page /": ["/", "/?q=pyth", "/?level=advanced", "/?tag=rust"],
            "catalogue API": [
                "/api/v1/courses",
                "/api/v1/courses?q=pyth",
                "/api/v1/courses?level=advanced",
                "/api/v1/courses?tag=rust",
            ],
            "course API": course_urls,
        }
        print(
            f"\n{'endpoint':<20} {'uncached p50':>12} {'p95':>8} {'cached p50':>11} "
            f"{'p95':>8} {'SQL/Mongo':>12} {'(cached)':>12}   (ms; {ROUNDS} requests each)"
        )
        for name, urls in endpoints.items():
            measure(client, urls, cached=False, rounds=5)  # warm-up
            cold = measure(client, urls, cached=False, rounds=ROUNDS)
            warm = measure(client, urls, cached=True, rounds=ROUNDS)
            cold_q = count_queries(client, urls[0], cached=False)
            warm_q = count_queries(client, urls[0], cached=True)
            print(
                f"{name:<20} {percentile(cold, 0.5):>12.1f} {percentile(cold, 0.95):>8.1f} "
                f"{percentile(warm, 0.5):>11.1f} {percentile(warm, 0.95):>8.1f} {cold_q:>12} "
                f"{warm_q:>12}"
            )
        floors = floor(slugs, ROUNDS)
        print("\nfloor: the same MongoDB commands straight through pymongo")
        for name, samples in floors.items():
            print(
                f"  {name:<18} p50 {percentile(samples, 0.5):6.1f}  "
                f"p95 {percentile(samples, 0.95):6.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
