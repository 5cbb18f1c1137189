"""Profile one heartbeat request through the whole WSGI stack, in-process.

    .venv/bin/python bench/profile_heartbeat.py [--n 400] [--top 35] [--sort tottime]

Starts a throw-away SecantusDB, uses SQLite in a temp dir and the cache at REDIS_URL (else
local memory), seeds one published course with a ready lesson and enrolled learners, then
calls `learnstream.wsgi.application` directly (as gunicorn would: no test client) for N
beats under cProfile. Besides the profile it prints:

- the split of wall time between MongoDB round trips (SecantusDB: measured, not ours) and
  everything else (ours: Django, DRF, validation, Redis, pickling);
- the number of Redis commands and MongoDB commands per beat (cache hits or not?).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pymongo import monitoring  # noqa: E402

from devtools import mongo_server  # noqa: E402


class _MongoTimer(monitoring.CommandListener):
    """A pymongo command listener: counts commands and sums their round-trip time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.names: dict[str, int] = {}

    def started(self, event) -> None:
        self.names[event.command_name] = self.names.get(event.command_name, 0) + 1

    def succeeded(self, event) -> None:
        self.count += 1
        self.seconds += event.duration_micros / 1e6

    def failed(self, event) -> None:
        self.succeeded(event)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true", help="time only (CPU, wall)")
    args = parser.parse_args()

    port = mongo_server.free_port()
    mongo = mongo_server.start(port, ":memory:")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(args, port, Path(tmp))
    finally:
        mongo_server.stop(mongo)
    return 0


def run(args: argparse.Namespace, port: int, tmp: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "learnstream.settings.local",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "MONGODB_URI": mongo_server.uri_for(port, "learnstream_profile"),
            "DATABASE_URL": f"sqlite:///{tmp / 'profile.sqlite3'}",
        }
    )
    timer = _MongoTimer()
    monitoring.register(timer)  # before the client is made (at Django start-up)

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cache.clear()

    from bench.bench_tracking import access_token, enrol, make_course, make_users

    owner = make_users(1, role="instructor", prefix="owner")[0]
    course, lesson_ids = make_course(owner=owner, lessons=20, duration_s=600.0)
    learners = make_users(20, prefix="p")
    enrol(learners, course)
    tokens = [access_token(user) for user in learners]
    pairs = [(token, str(lesson)) for token in tokens for lesson in lesson_ids]

    redis_commands = _count_redis_commands()

    from learnstream.wsgi import application as app

    os.environ.update({"FLOOR_COURSE_ID": str(course.id), "FLOOR_DURATION_S": "600.0"})
    from tracking.documents import LessonProgress

    LessonProgress._get_db()["floor_read"].create_index(
        [("user_id", 1), ("lesson_id", 1)], unique=True
    )
    os.environ["FLOOR_COLLECTION"] = "floor_read"
    from bench.floor_app import application as floor

    results = {}
    for name, application in (("floor", floor), ("app", app)):
        results[name] = measure(name, application, pairs, timer, redis_commands, args)
    print(
        json.dumps(
            {
                "cpu_ratio floor/app (this process)": round(
                    results["floor"]["cpu_ms_per_beat (this process)"]
                    / results["app"]["cpu_ms_per_beat (this process)"],
                    3,
                )
            }
        )
    )


def measure(name, application, pairs, timer, redis_commands, args) -> dict:
    def beat(index: int, position: float) -> int:
        token, lesson_id = pairs[index % len(pairs)]
        body = json.dumps(
            {
                "position_s": position + 1.0,
                "duration_s": 600.0,
                "played_from_s": position,
                "played_to_s": position + 1.0,
            }
        ).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": f"/api/v1/lessons/{lesson_id}/progress",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status: list[str] = []
        chunks = application(environ, lambda s, h, e=None: status.append(s))
        b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(status[0].split()[0])

    # Warm-up: every pair once (first-beat inserts, facts and enrolment caches filled).
    for index in range(len(pairs)):
        assert beat(index, 0.0) == 200, "warm-up beat refused"
    time.sleep(2.1)  # past the minimum interval between two beats of one pair

    timer.count, timer.seconds, timer.names = 0, 0.0, {}
    redis_before = redis_commands()
    profiler = cProfile.Profile()
    if args.no_profile:
        profiler.enable = profiler.disable = lambda: None  # type: ignore[method-assign,assignment]
    started = time.perf_counter()
    cpu_started = time.process_time()
    statuses: dict[int, int] = {}
    profiler.enable()
    for index in range(args.n):
        # Each pair is reused only after every other one (400 pairs): far apart in time?
        # No - in-process beats are fast; move `now` instead by giving every beat a fresh
        # pair until the pairs run out, then wait out the 2 s interval.
        code = beat(len(pairs) + index, 1.0 + index // len(pairs))
        statuses[code] = statuses.get(code, 0) + 1
        if (index + 1) % len(pairs) == 0:
            profiler.disable()
            time.sleep(2.1)
            started += 2.1
            profiler.enable()
    profiler.disable()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    redis_used = redis_commands() - redis_before

    per_beat_ms = elapsed / args.n * 1000
    mongo_ms = timer.seconds / args.n * 1000
    print(
        json.dumps(
            result := {
                "target": name,
                "beats": args.n,
                "cpu_ms_per_beat (this process)": round(cpu / args.n * 1000, 3),
                "statuses": statuses,
                "per_beat_ms": round(per_beat_ms, 3),
                "mongo_round_trips_ms": round(mongo_ms, 3),
                "everything_else_ms (ours)": round(per_beat_ms - mongo_ms, 3),
                "mongo_commands_per_beat": {k: v / args.n for k, v in timer.names.items()},
                "redis_commands_per_beat": (
                    round(redis_used / args.n, 2) if redis_used is not None else "n/a (locmem)"
                ),
            },
            indent=1,
        )
    )
    if not args.no_profile:
        print(json.dumps({"own_time_by_package_ms_per_beat": _by_package(profiler, args.n)}))
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    return result


def _by_package(profiler: cProfile.Profile, beats: int) -> dict[str, float]:
    """Profiled own time (tottime) per beat, summed per top-level package (profiler overhead
    included: compare packages with each other, not with the timed run)."""
    totals: dict[str, float] = {}
    for (filename, _line, function), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename.startswith(str(ROOT)):
            package = "ours:" + filename[len(str(ROOT)) + 1 :].split("/", 1)[0]
        elif filename == "~":
            package = "builtin:" + function.split(" of ")[0][:40]
        else:
            package = "stdlib"
        totals[package] = totals.get(package, 0.0) + row[2]
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    return {name: round(seconds / beats * 1000, 3) for name, seconds in ordered[:25]}


def _count_redis_commands():
    """A function returning how many Redis commands this process has sent (None on locmem).
    Counted client-side: the server's counter also sees other users of the Redis."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return lambda: None
    import redis

    sent = [0]
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        sent[0] += 1
        return original(self, *args, **options)

    redis.Redis.execute_command = counting  # type: ignore[method-assign]
    return lambda: sent[0]


if __name__ == "__main__":
    raise SystemExit(main())
