"""Tracking benchmarks.

Run: .venv/bin/python bench/bench_tracking.py [heartbeat|analytics|storage|all]


- heartbeat: the real heartbeat endpoint under gunicorn vs a floor (token check + the same
  single upsert, bench/floor_app.py) under an identical gunicorn, in the same run, against
  the same SecantusDB, alternating rounds. Reports req/s, p50/p95/p99 and the ratio.
- analytics: one course, 10,000 learners x 20 lessons of progress documents: uncached and
  cached latency of the instructor analytics.
- storage: documents and bytes after 1,000 beats of one learner on one lesson.

Everything runs on throwaway servers on free ports: SecantusDB (in memory), SQLite in a temp
dir, Redis db 4 at REDIS_URL (default redis://127.0.0.1:6379/4).
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools import mongo_server  # noqa: E402

print = functools.partial(print, flush=True)

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
ROUND_S = float(os.environ.get("BENCH_ROUND_S", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
LESSONS = 50
USERS = 40
DURATION_S = 600.0


def configure(mongo_port: int, tmp: Path) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "learnstream.settings.local",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "MONGODB_URI": mongo_server.uri_for(mongo_port, "learnstream_bench"),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"),
        # Aggregations over 200,000 documents in a Python server take seconds: no 5 s cut-off.
        "MONGODB_TIMEOUT_MS": "60000",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.core.cache import cache

    cache.clear()
    return env


def make_course(*, owner, lessons: int, duration_s: float):
    from catalog.access import lesson_facts_invalidate
    from catalog.documents import Course, Lesson
    from catalog.services import course_publish

    course = Course(slug=f"bench-{time.time_ns()}", title="Bench", owner_id=owner.id).save()
    for index in range(lessons):
        Lesson(
            course_id=course.id, title=f"Lesson {index}", position=index, duration_s=duration_s
        ).save()
    course_publish(course=course, user=owner)
    course.reload()
    lesson_ids = [lesson.id for lesson in Lesson.objects(course_id=course.id).order_by("position")]
    lesson_facts_invalidate(lesson_ids=lesson_ids)
    return course, lesson_ids


def make_users(count: int, role: str = "student", prefix: str = "u"):
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    password = make_password(None)
    users = [
        User(
            email=f"{prefix}{index}@bench.test",
            name=f"{prefix}{index}",
            role=role,
            password=password,
        )
        for index in range(count)
    ]
    return User.objects.bulk_create(users)


def enrol(users, course) -> None:
    from catalog.models import Enrollment

    Enrollment.objects.bulk_create(
        [Enrollment(user_id=user.id, course_id=str(course.id)) for user in users], batch_size=2000
    )


def access_token(user) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(user)
    token["role"] = user.role
    return str(token)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"gunicorn {app} did not start")


class Load:
    """Closed-loop load: CONCURRENCY keep-alive clients, each (user, lesson) pair reused only
    after every other pair (so a pair beats every few seconds: never rate limited)."""

    def __init__(self, tokens: list[str], lesson_ids: list[str]) -> None:
        self.pairs = [(t, str(lesson)) for t in tokens for lesson in lesson_ids]
        self.positions = [0.0] * len(self.pairs)
        self.counter = 0
        self.lock = threading.Lock()

    def next_beat(self) -> tuple[str, str, bytes]:
        with self.lock:
            index = self.counter % len(self.pairs)
            self.counter += 1
            start = self.positions[index]
            self.positions[index] = start + 1.0 if start + 1.0 < DURATION_S else 0.0
        token, lesson_id = self.pairs[index]
        body = {
            "position_s": start + 1.0,
            "duration_s": DURATION_S,
            "played_from_s": start,
            "played_to_s": start + 1.0,
        }
        return token, lesson_id, json.dumps(body).encode()

    def run(self, port: int, seconds: float) -> tuple[list[float], dict[int, int]]:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        stop_at = time.monotonic() + seconds
        guard = threading.Lock()

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine: list[float] = []
            codes: dict[int, int] = {}
            while time.monotonic() < stop_at:
                token, lesson_id, body = self.next_beat()
                started = time.perf_counter()
                connection.request(
                    "POST",
                    f"/api/v1/lessons/{lesson_id}/progress",
                    body=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                codes[response.status] = codes.get(response.status, 0) + 1
            with guard:
                latencies.extend(mine)
                for code, count in codes.items():
                    statuses[code] = statuses.get(code, 0) + count

        threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies, statuses


def summary(name: str, latencies: list[float], statuses: dict[int, int], seconds: float) -> dict:
    ok = statuses.get(200, 0)
    result = {
        "name": name,
        "requests": len(latencies),
        "ok_per_s": round(ok / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": statuses,
    }
    print(json.dumps(result))
    return result


def bench_heartbeat(env: dict[str, str]) -> None:
    owner = make_users(1, role="instructor", prefix="owner-hb")[0]
    course, lesson_ids = make_course(owner=owner, lessons=LESSONS, duration_s=DURATION_S)
    students = make_users(USERS, prefix="hb")
    enrol(students, course)
    tokens = [access_token(user) for user in students]
    floor_env = {**env, "FLOOR_COURSE_ID": str(course.id), "FLOOR_DURATION_S": str(DURATION_S)}
    servers = {
        "app heartbeat": ("learnstream.wsgi:application", env),
        "floor: token + upsert + read-back": (
            "bench.floor_app:application",
            {**floor_env, "FLOOR_READ_BACK": "1", "FLOOR_COLLECTION": "floor_read"},
        ),
        "floor: token + upsert only": (
            "bench.floor_app:application",
            {**floor_env, "FLOOR_READ_BACK": "0", "FLOOR_COLLECTION": "floor_upsert"},
        ),
    }
    from tracking.documents import LessonProgress

    LessonProgress.ensure_indexes()
    database = LessonProgress._get_db()
    for floor_collection in ("floor_read", "floor_upsert"):  # the same unique index
        database[floor_collection].create_index([("user_id", 1), ("lesson_id", 1)], unique=True)
    ports = {name: mongo_server.free_port() for name in servers}
    processes = [start_gunicorn(app, ports[name], extra) for name, (app, extra) in servers.items()]
    try:
        loads = {name: Load(tokens, lesson_ids) for name in servers}
        for name, load in loads.items():
            load.run(ports[name], 2.0)  # warm-up: connections, caches, first-beat inserts
        totals: dict[str, tuple[list[float], dict[int, int]]] = {name: ([], {}) for name in servers}
        for _round in range(ROUNDS):  # alternate, so drift on a shared machine hits all alike
            for name, load in loads.items():
                latencies, statuses = load.run(ports[name], ROUND_S)
                totals[name][0].extend(latencies)
                for code, count in statuses.items():
                    totals[name][1][code] = totals[name][1].get(code, 0) + count
        seconds = ROUND_S * ROUNDS
        results = {name: summary(name, *totals[name], seconds) for name in servers}
        app_rate = results["app heartbeat"]["ok_per_s"]
        print(
            json.dumps(
                {
                    f"ratio app / {name}": round(app_rate / result["ok_per_s"], 3)
                    for name, result in results.items()
                    if name != "app heartbeat" and result["ok_per_s"]
                }
                | {"goal": 0.8}
            )
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


def bench_analytics() -> None:
    from django.core.cache import cache

    from tracking.analytics import course_analytics, course_analytics_compute
    from tracking.documents import LessonProgress

    # 10,000 x 20 is the target; SecantusDB ingests ~750 documents/s here (263 s for 200,000),
    # so BENCH_LEARNERS can shrink the fixture on this machine (the note reports both).
    learners, lessons = int(os.environ.get("BENCH_LEARNERS", "10000")), 20
    owner = make_users(1, role="instructor", prefix="owner-an")[0]
    course, lesson_ids = make_course(owner=owner, lessons=lessons, duration_s=300.0)
    started = time.perf_counter()
    users = make_users(learners, prefix="an")
    enrol(users, course)
    collection = LessonProgress._get_collection()
    LessonProgress.ensure_indexes()
    now = datetime.now(UTC)
    batch: list[dict] = []
    for number, user in enumerate(users):
        for index, lesson_id in enumerate(lesson_ids):
            reach = ((number * 7 + index * 13) % 101) / 100  # a spread of progress
            furthest = round(300.0 * reach, 1)
            buckets = list(range(int(reach * 100)))
            batch.append(
                {
                    "user_id": user.id,
                    "lesson_id": lesson_id,
                    "course_id": course.id,
                    "position_s": furthest,
                    "furthest_s": furthest,
                    "buckets": buckets,
                    "coverage": len(buckets) / 100,
                    "watch_time_s": furthest,
                    "duration_s": 300.0,
                    "beats": int(furthest // 10) + 1,
                    "last_beat_at": now - timedelta(hours=number % 900),
                    "started_at": now - timedelta(days=40),
                    "updated_at": now - timedelta(hours=number % 900),
                    "completed_at": now if reach >= 0.9 else None,
                }
            )
        if len(batch) >= 2_000:
            collection.insert_many(batch, ordered=False)
            batch = []
    if batch:
        collection.insert_many(batch, ordered=False)
    print(
        json.dumps(
            {
                "analytics_fixture": f"{learners} learners x {lessons} lessons",
                "documents": collection.count_documents({"course_id": course.id}),
                "load_s": round(time.perf_counter() - started, 1),
            }
        )
    )
    uncached = []
    for _ in range(3):
        t = time.perf_counter()
        result = course_analytics_compute(course=course)
        uncached.append(time.perf_counter() - t)
    cache.clear()
    course_analytics(course=course)  # fills the cache
    cached = []
    for _ in range(200):
        t = time.perf_counter()
        course_analytics(course=course)
        cached.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "analytics_uncached_ms": [round(v * 1000) for v in uncached],
                "analytics_cached_p50_ms": round(statistics.median(cached) * 1000, 2),
                "analytics_cached_p99_ms": round(percentile(cached, 0.99) * 1000, 2),
                "sample": {
                    k: result[k] for k in ("enrolled", "started", "completed", "completion_rate")
                },
            }
        )
    )


def bench_storage() -> None:
    import bson

    from catalog.access import lesson_facts_get
    from tracking.documents import LessonProgress
    from tracking.services import progress_record_heartbeat

    owner = make_users(1, role="instructor", prefix="owner-st")[0]
    _course, lesson_ids = make_course(owner=owner, lessons=1, duration_s=3600.0)
    facts = lesson_facts_get(lesson_id=str(lesson_ids[0]))
    learner = 987_654
    moment = datetime.now(UTC)
    position = 0.0
    started = time.perf_counter()
    for _ in range(1000):
        moment += timedelta(seconds=10)
        upto = position + 10.0
        progress_record_heartbeat(
            user_id=learner,
            lesson=facts,
            position_s=upto,
            duration_s=3600.0,
            played_from_s=position,
            played_to_s=upto,
            now=moment,
        )
        position = upto if upto < 3600.0 else 0.0
    elapsed = time.perf_counter() - started
    collection = LessonProgress._get_collection()
    documents = list(collection.find({"user_id": learner}))
    print(
        json.dumps(
            {
                "storage_after_1000_beats": {
                    "documents": len(documents),
                    "bytes": sum(len(bson.encode(d)) for d in documents),
                    "beats_recorded": documents[0]["beats"] if documents else 0,
                    "coverage": documents[0]["coverage"] if documents else 0,
                },
                "in_process_beats_per_s": round(1000 / elapsed, 1),
            }
        )
    )


def main() -> None:
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    port = mongo_server.free_port()
    mongo = mongo_server.start(port, ":memory:")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = configure(port, Path(tmp))
            if part in ("heartbeat", "all"):
                bench_heartbeat(env)
            if part in ("storage", "all"):
                bench_storage()
            if part in ("analytics", "all"):
                bench_analytics()
    finally:
        mongo_server.stop(mongo)


if __name__ == "__main__":
    main()
