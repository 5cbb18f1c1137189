"""Two app servers (two gunicorn processes) against the same PostgreSQL, Redis and MongoDB,
with write-behind on: learners whose beats alternate between the servers end with exactly
the progress of learners who watch the same way through one server, within the flush
interval, each beat counted once and the completion reported once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from bson import ObjectId
from django.conf import settings
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from catalog.documents import Course
from catalog.services import enrollment_create
from devtools import mongo_server
from tracking.documents import LessonProgress
from tracking.tests.helpers import video_course

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
FLUSH_INTERVAL_S = 0.5
DURATION_S = 40.0
SPAN_S = 5.0  # eight beats of 5 s play the whole lesson; the eighth completes it
BEATS = int(DURATION_S // SPAN_S)


def _start_server() -> tuple[subprocess.Popen, str]:
    port = mongo_server.free_port()
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learnstream.settings.test",
        "TEST_MONGODB_URI": settings.MONGODB_URI,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "PROGRESS_FLUSH_INTERVAL_S": str(FLUSH_INTERVAL_S),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "learnstream.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                return process, base
        except (requests.ConnectionError, requests.Timeout):
            pass
        assert process.poll() is None, "the app server exited"
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the app server did not start")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()  # a graceful stop: the worker writes what changed
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def servers():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("two app servers need the shared PostgreSQL and Redis")
    started = [_start_server(), _start_server()]
    yield [base for _process, base in started]
    for process, _base in started:
        _stop(process)


def _watch(bases: list[str], token: str, lesson_ids: list[str], out: list[Any]) -> None:
    """Both lessons, one beat per lesson every 2.5 s, beat k on bases[k % len(bases)]."""
    # A new connection per beat (as beats 10 s apart would get): no idle keep-alive reuse.
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    for step in range(BEATS):
        moment = time.monotonic()
        for lesson_id in lesson_ids:
            start = step * SPAN_S
            for _attempt in range(5):
                response = requests.post(
                    f"{bases[step % len(bases)]}/api/v1/lessons/{lesson_id}/progress",
                    json={
                        "position_s": start + SPAN_S,
                        "duration_s": DURATION_S,
                        "played_from_s": start,
                        "played_to_s": start + SPAN_S,
                    },
                    headers=headers,
                    timeout=30,
                )
                if response.status_code != 429:
                    break
                # Too soon after the previous beat (a slow machine): wait as the player does.
                time.sleep(float(response.headers["Retry-After"]))
            out.append((lesson_id, step, response.status_code, response.json()))
        time.sleep(max(0.0, 2.5 - (time.monotonic() - moment)))


def _documents(user_id: int) -> dict[str, dict]:
    kept = ("position_s", "furthest_s", "watch_time_s", "beats", "coverage", "duration_s")
    found = {}
    for document in LessonProgress._get_collection().find({"user_id": user_id}):
        row = {name: document.get(name) for name in kept}
        row["buckets"] = sorted(document.get("buckets") or [])
        row["completed"] = document.get("completed_at") is not None
        found[str(document["lesson_id"])] = row
    return found


def test_two_servers_give_the_same_progress_as_one(servers, instructor):
    course, lesson_ids = video_course(owner=instructor, lessons=2, duration_s=DURATION_S)
    course = Course.objects.get(id=course.id)
    spread = [UserFactory(role="student") for _ in range(4)]  # across both servers
    single = [UserFactory(role="student") for _ in range(4)]  # through one server
    for user in spread + single:
        enrollment_create(user=user, course=course)
    answers: dict[int, list[Any]] = {user.id: [] for user in spread + single}
    threads = [
        threading.Thread(
            target=_watch,
            args=(
                servers if user in spread else servers[:1],
                str(AccessToken.for_user(user)),
                lesson_ids,
                answers[user.id],
            ),
        )
        for user in spread + single
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = time.monotonic()

    for user_answers in answers.values():
        assert [status for _l, _s, status, _b in user_answers] == [200] * (2 * BEATS)
        for lesson_id in lesson_ids:
            completed = [
                b["completed"] for lesson, _s, _c, b in user_answers if lesson == lesson_id
            ]
            assert completed == [False] * (BEATS - 1) + [True]  # reported once, on the last

    # Every beat is in MongoDB within the flush interval (plus one write).
    everyone = [user.id for user in spread + single]
    while time.monotonic() < finished + 2 * FLUSH_INTERVAL_S + 1:
        counts = [row["beats"] for uid in everyone for row in _documents(uid).values()]
        if len(counts) == 2 * len(everyone) and set(counts) == {BEATS}:
            break
        time.sleep(0.1)
    expected = _documents(single[0].id)
    assert sorted(expected) == sorted(lesson_ids)
    assert all(row["beats"] == BEATS and row["completed"] for row in expected.values())
    for user_id in everyone:
        assert _documents(user_id) == expected
    assert LessonProgress._get_collection().count_documents({"user_id": {"$in": everyone}}) == (
        2 * len(everyone)
    )
    assert all(
        isinstance(doc["lesson_id"], ObjectId)
        for doc in LessonProgress._get_collection().find({"user_id": {"$in": everyone}})
    )
