"""In-process CPU per request on the read paths, next to a bare authenticated request.

    python bench/bench_requests.py [--n 400]

Calls the project's WSGI handler directly (as gunicorn would: no test client) against a
throw-away SQL test database (PostgreSQL at DATABASE_URL, else SQLite), a SecantusDB started
for the run and the cache at REDIS_URL (else local memory). For each route it prints the CPU
time of this process per request (`time.process_time`: Django, DRF, our code, the Redis and
MongoDB clients; not the servers) and the median wall time:

- bare: a signed-in DRF view that only answers the caller's id (the floor);
- course list and course detail, served from the cache (anonymous, and signed in + enrolled);
- playback: GET /api/v1/lessons/{id}/playback (tokens reused while fresh), for a learner who
  has not watched the lesson yet and for one who has (one beat recorded: resuming).

Routes are interleaved so all of them see the same machine load.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnstream.settings.test")

from bench._harness import floor_urlconf, signing_key_settings, throwaway_stack


def _start_response(status: list[str]) -> Any:
    """A WSGI start_response that keeps the status line."""

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        status.append(line)
        return lambda _data: None

    return start_response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=400, help="requests per route")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with throwaway_stack():
        figures = run(args.n)
    print(json.dumps(figures, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


def run(n: int) -> dict:
    import logging

    logging.disable(logging.INFO)  # one access-log line per request would be measured too
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.tests.factories import UserFactory
    from catalog.access import lesson_facts_get
    from catalog.documents import Lesson
    from catalog.services import enrollment_create
    from catalog.tests.factories import published_course
    from playback.tests.helpers import set_video
    from tracking.services import progress_record_heartbeat

    with override_settings(
        ROOT_URLCONF=floor_urlconf(), ALLOWED_HOSTS=["*"], **signing_key_settings()
    ):
        cache.clear()
        instructor = UserFactory(role="instructor")
        student = UserFactory(role="student")
        watching = UserFactory(role="student")
        courses = [published_course(owner=instructor, lessons=8) for _ in range(20)]
        course = courses[0]
        enrollment_create(user=student, course=course)
        enrollment_create(user=watching, course=course)
        lesson = Lesson.objects(course_id=course.id).order_by("position").first()
        ready = {"asset_id": "a", "playback_id": "pb", "state": "ready", "duration_s": 600.0}
        set_video(lesson, current=ready)
        progress_record_heartbeat(
            user_id=watching.id,
            lesson=lesson_facts_get(lesson_id=lesson.id),
            position_s=10.0,
            duration_s=600.0,
            played_from_s=0.0,
            played_to_s=10.0,
        )
        tokens = {
            "student": str(AccessToken.for_user(student)),
            "watching": str(AccessToken.for_user(watching)),
        }
        app = WSGIHandler()

        def call(url: str, who: str | None) -> int:
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": url,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1",
                "HTTP_HOST": "127.0.0.1",
                "HTTP_ACCEPT": "application/json",
                "wsgi.input": io.BytesIO(b""),
                "wsgi.url_scheme": "http",
                "wsgi.errors": sys.stderr,
            }
            if who is not None:
                environ["HTTP_AUTHORIZATION"] = f"Bearer {tokens[who]}"
            status: list[str] = []
            chunks = app(environ, _start_response(status))
            b"".join(chunks)
            if hasattr(chunks, "close"):
                chunks.close()
            return int(status[0].split()[0])

        routes: dict[str, tuple[str, str | None]] = {
            "bare authenticated": ("/bench/whoami", "student"),
            "course list (cached)": ("/api/v1/courses", None),
            "course detail (cached, anonymous)": (f"/api/v1/courses/{course.slug}", None),
            "course detail (cached, enrolled)": (f"/api/v1/courses/{course.slug}", "student"),
            "playback": (f"/api/v1/lessons/{lesson.id}/playback", "student"),
            "playback (resuming)": (f"/api/v1/lessons/{lesson.id}/playback", "watching"),
        }
        for url, who in routes.values():  # warm every cache once
            assert call(url, who) == 200, url
        cpu = dict.fromkeys(routes, 0.0)
        wall: dict[str, list[float]] = {name: [] for name in routes}
        for _ in range(n):
            for name, (url, who) in routes.items():
                started_cpu, started = time.process_time(), time.perf_counter()
                call(url, who)
                cpu[name] += time.process_time() - started_cpu
                wall[name].append((time.perf_counter() - started) * 1000)
    figures: dict[str, Any] = {
        name: {
            "cpu_ms_per_request": round(cpu[name] / n * 1000, 3),
            "wall_median_ms": round(statistics.median(wall[name]), 3),
        }
        for name in routes
    }
    bare = figures["bare authenticated"]["cpu_ms_per_request"]
    for name in ("playback", "playback (resuming)"):
        figures[f"{name} / bare (cpu)"] = round(figures[name]["cpu_ms_per_request"] / bare, 2)
    figures["load average at end"] = os.getloadavg()[0]
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
