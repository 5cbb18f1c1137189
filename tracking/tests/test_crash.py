"""The durability contract, tested by killing processes (kill -9):

- a flusher killed between claiming a batch and writing it loses nothing: its claim is
  handed back after the claim timeout and written by the next flusher;
- an app process killed while answering beats loses no completion it reported (written
  through before the answer) and, even if Redis then loses its data too, MongoDB holds every
  beat answered more than the documented window (the flush interval plus one write) before.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from django.conf import settings
from django.test import override_settings

from tracking import progress_buffer
from tracking.documents import LessonProgress
from tracking.services import progress_record_heartbeat
from tracking.tests.helpers import Clock, facts, video_course

pytestmark = [pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
FLUSH_INTERVAL_S = 0.5
# The window the contract promises for an app crash followed by a Redis loss.
WINDOW_S = 2 * FLUSH_INTERVAL_S + 1.0


def _child(code: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learnstream.settings.test",
        "TEST_MONGODB_URI": settings.MONGODB_URI,
        "PYTHONPATH": str(ROOT),
        **env,
    }
    prelude = "import django; django.setup()\n"
    return subprocess.Popen(
        [sys.executable, "-u", "-c", prelude + code],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )


def _read_until(process: subprocess.Popen, marker: str, timeout_s: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if line.startswith(marker):
            return lines
    raise AssertionError(f"child never printed {marker!r}: {lines[-5:]}")


def _kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def _stored(user_id: int, lesson_id: str) -> Any:
    return LessonProgress._get_collection().find_one(
        {"user_id": user_id, "lesson_id": ObjectId(lesson_id)}
    )


def test_a_flusher_killed_after_claiming_loses_nothing(instructor):
    _course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=100.0)
    lesson = facts(lesson_ids[0])
    with override_settings(PROGRESS_FLUSH_INTERVAL_S=3600.0):
        for user_id in range(10, 20):
            clock = Clock()
            for start in (0, 10, 20):
                progress_record_heartbeat(
                    user_id=user_id,
                    lesson=lesson,
                    position_s=start + 10,
                    duration_s=100.0,
                    played_from_s=start,
                    played_to_s=start + 10,
                    now=clock.advance(10),
                )
    # A flusher that claims a batch, then hangs before writing it, and is killed.
    flusher = _child(
        "import time\n"
        "from tracking import progress_buffer\n"
        "def hang(snapshots):\n"
        "    print('claimed', len(snapshots), flush=True)\n"
        "    time.sleep(600)\n"
        "progress_buffer.snapshots_write = hang\n"
        "progress_buffer.flush_once()\n",
        PROGRESS_FLUSH_INTERVAL_S="3600",
    )
    try:
        assert _read_until(flusher, "claimed")[-1] == "claimed 10"
    finally:
        _kill(flusher)
    client = progress_buffer.redis_client()
    assert client.zcard(progress_buffer.INFLIGHT_KEY) == 10
    assert client.zcard(progress_buffer.DIRTY_KEY) == 0
    assert LessonProgress._get_collection().count_documents({}) == 0
    # Before the claim times out nobody takes it over; after, the next flusher writes it.
    assert progress_buffer.flush_once() == 0
    later = int((time.time() + settings.PROGRESS_FLUSH_CLAIM_TIMEOUT_S + 1) * 1000)
    assert progress_buffer.flush_once(now_ms=later) == 10
    assert client.zcard(progress_buffer.INFLIGHT_KEY) == 0
    for user_id in range(10, 20):
        stored = _stored(user_id, lesson.lesson_id)
        assert stored is not None
        assert (stored["beats"], stored["position_s"], stored["watch_time_s"]) == (3, 30.0, 30.0)


@pytest.mark.django_db
def test_an_app_process_killed_mid_stream_keeps_completions_and_the_window(instructor):
    _course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=60.0)
    lesson = facts(lesson_ids[0])
    # An app process answering beats for 6 learners (write-behind, its own flusher thread),
    # printing each answer with the wall time; learner 1 completes the lesson early.
    app = _child(
        "import json, time\n"
        "from datetime import timedelta\n"
        "from catalog.access import lesson_facts_get\n"
        "from tracking.services import progress_record_heartbeat\n"
        "from tracking.tests.helpers import T0\n"
        "from tracking import progress_buffer\n"
        "print(json.dumps({'write_behind': progress_buffer.write_behind()}), flush=True)\n"
        f"lesson = lesson_facts_get(lesson_id={lesson.lesson_id!r})\n"
        "position = {u: 0.0 for u in range(1, 7)}\n"
        "for step in range(1, 100000):\n"
        "    now = T0 + timedelta(seconds=10 * step)\n"
        "    for user in range(1, 7):\n"
        "        span = 10.0 if user == 1 else 1.0\n"
        "        start = position[user] % 60\n"
        "        state = progress_record_heartbeat(user_id=user, lesson=lesson,\n"
        "            position_s=start + span, duration_s=60.0, played_from_s=start,\n"
        "            played_to_s=start + span, now=now)\n"
        "        position[user] = start + span\n"
        "        print(json.dumps({'user': user, 'step': step, 'wall': time.time(),\n"
        "            'completed': state.completed}), flush=True)\n"
        "    time.sleep(0.02)\n",
        PROGRESS_FLUSH_INTERVAL_S=str(FLUSH_INTERVAL_S),
    )
    answers: list[dict] = []
    try:
        assert app.stdout is not None
        assert json.loads(app.stdout.readline()) == {"write_behind": True}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answers.append(json.loads(app.stdout.readline()))
            completed = [a for a in answers if a["completed"]]
            if completed and answers[-1]["wall"] - completed[0]["wall"] > 3 * WINDOW_S:
                break
    finally:
        _kill(app)
    killed_at = time.time()
    # Redis loses its data as well (the worst case the contract covers).
    progress_buffer.redis_client().flushdb()
    assert any(a["completed"] for a in answers)
    for user in range(1, 7):
        mine = [a for a in answers if a["user"] == user]
        stored = _stored(user, lesson.lesson_id)
        assert stored is not None
        if any(a["completed"] for a in mine):
            assert stored["completed_at"] is not None  # a reported completion is never lost
        safe = [a for a in mine if a["wall"] <= killed_at - WINDOW_S]
        assert safe, "the run was too short to judge the window"
        assert stored["beats"] >= safe[-1]["step"]
