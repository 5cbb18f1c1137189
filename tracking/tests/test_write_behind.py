"""Write-behind: beats are judged and merged in Redis, answered from there, and written to
MongoDB in batches. The documents come out exactly as when every beat is written at once;
a completion is in MongoDB before it is answered; snapshots merge order-safely; the rules
(rate limit, span rule) hold as in write-through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from bson import ObjectId
from django.test import override_settings

from learnstream.errors import Throttled, ValidationError
from tracking import progress_buffer
from tracking.documents import LessonProgress
from tracking.services import progress_mark_complete, progress_record_heartbeat, progress_reset
from tracking.tests.helpers import T0, Clock, facts, video_course

pytestmark = [pytest.mark.django_db]

WRITE_BEHIND = override_settings(PROGRESS_FLUSH_INTERVAL_S=3600.0)  # only explicit flushes

_COMPARED = (
    "course_id",
    "position_s",
    "furthest_s",
    "buckets",
    "watch_time_s",
    "beats",
    "duration_s",
    "coverage",
    "last_beat_at",
    "started_at",
    "updated_at",
    "completed_at",
)


@pytest.fixture
def lessons(instructor):
    _course, lesson_ids = video_course(owner=instructor, lessons=2, duration_s=100.0)
    return [facts(lesson_id) for lesson_id in lesson_ids]


def _stored(user_id: int, lesson) -> Any:
    return LessonProgress._get_collection().find_one(
        {"user_id": user_id, "lesson_id": ObjectId(lesson.lesson_id)}
    )


def _comparable(document: dict) -> dict:
    return {
        name: sorted(document[name]) if name == "buckets" else document.get(name)
        for name in _COMPARED
    }


def _watch(user_id: int, lesson, clock: Clock, spans: Sequence[tuple[float, float]]):
    states = []
    for start, end in spans:
        states.append(
            progress_record_heartbeat(
                user_id=user_id,
                lesson=lesson,
                position_s=end,
                duration_s=100.0,
                played_from_s=start,
                played_to_s=end,
                now=clock.advance(max(end - start, 2.0)),
            )
        )
    return states


# A rewatch, a seek back, a zero-length beat and a completion at the end.
SPANS: list[tuple[float, float]] = [
    (0, 10),
    (10, 20),
    (5, 15),
    (15, 15),
    (20, 30),
    (30, 40),
    (40, 50),
    (50, 60),
]
SPANS += [(60, 70), (70, 80), (80, 90), (90, 100)]


def test_documents_equal_write_through_after_a_flush(lessons):
    lesson = lessons[0]
    through_states = _watch(1, lesson, Clock(), SPANS)
    with WRITE_BEHIND:
        clock = Clock()
        behind_states = _watch(2, lesson, clock, SPANS[:6])
        assert _stored(2, lesson) is None  # nothing written yet: answered from Redis
        assert progress_buffer.flush_lag_s(now=clock.now.timestamp()) > 0
        assert progress_buffer.flush_all() == 1
        assert progress_buffer.flush_lag_s() == 0.0
        assert _stored(2, lesson)["beats"] == 6
        assert _stored(2, lesson)["position_s"] == behind_states[-1].position_s
        behind_states += _watch(2, lesson, clock, SPANS[6:])
        assert progress_buffer.flush_all() == 1
    assert behind_states == through_states
    assert _comparable(_stored(2, lesson)) == _comparable(_stored(1, lesson))


def test_a_completing_beat_is_in_mongodb_before_it_is_answered(lessons):
    lesson = lessons[0]
    with WRITE_BEHIND:
        states = _watch(3, lesson, Clock(), SPANS)
        completed = next(i for i, state in enumerate(states) if state.completed)
        stored = _stored(3, lesson)
        assert stored is not None and stored["completed_at"] == states[completed].completed_at
        # Later beats stay in Redis until the flush; the completion never moves.
        progress_buffer.flush_all()
        assert _stored(3, lesson)["completed_at"] == states[completed].completed_at


def test_rules_hold_in_write_behind(lessons):
    lesson = lessons[0]
    clock = Clock()
    with WRITE_BEHIND:
        beat = {"lesson": lesson, "duration_s": 100.0}
        progress_record_heartbeat(
            user_id=4, position_s=5, played_from_s=0, played_to_s=5, now=clock.now, **beat
        )
        with pytest.raises(Throttled):  # 2 s rate limit
            progress_record_heartbeat(
                user_id=4,
                position_s=6,
                played_from_s=5,
                played_to_s=6,
                now=clock.advance(1),
                **beat,
            )
        with pytest.raises(ValidationError):  # span longer than the time allows
            progress_record_heartbeat(
                user_id=4,
                position_s=60,
                played_from_s=5,
                played_to_s=60,
                now=clock.advance(2),
                **beat,
            )
        with pytest.raises(ValidationError):  # a first beat claiming too much
            progress_record_heartbeat(
                user_id=5, position_s=60, played_from_s=0, played_to_s=60, now=clock.now, **beat
            )
        progress_buffer.flush_all()
    assert _stored(4, lesson)["beats"] == 1
    assert _stored(5, lesson) is None


def test_snapshots_merge_order_safely(lessons):
    lesson = lessons[0]
    with WRITE_BEHIND:
        _watch(6, lesson, Clock(), SPANS[:3])
        old = progress_buffer.snapshot_read(user_id=6, lesson_id=ObjectId(lesson.lesson_id))
        clock = Clock()
        clock.now = T0.replace(year=2026)
        _watch(6, lesson, clock, [(15, 25)])
        new = progress_buffer.snapshot_read(user_id=6, lesson_id=ObjectId(lesson.lesson_id))
    assert old is not None and new is not None
    progress_buffer.snapshots_write([new])
    after_new = _comparable(_stored(6, lesson))
    progress_buffer.snapshots_write([old])  # a late writer with an older snapshot
    progress_buffer.snapshots_write([new])  # and a repeated one
    assert _comparable(_stored(6, lesson)) == after_new
    assert after_new["position_s"] == 25.0


def test_completion_and_reset_take_the_live_state_first(lessons):
    lesson = lessons[1]
    with WRITE_BEHIND:
        _watch(7, lesson, Clock(), SPANS[:2])
        # An audited reset drops the live state too: the next flush writes nothing back.
        progress_reset(actor_id=1, course_id=ObjectId(lesson.course_id), user_id=7, lesson_id=None)
        assert progress_buffer.flush_all() == 0
        assert _stored(7, lesson) is None
        _watch(7, lesson, Clock(), SPANS[:1])
        assert progress_buffer.snapshot_read(user_id=7, lesson_id=ObjectId(lesson.lesson_id))
        assert _stored(7, lesson) is None


def test_reading_lessons_complete_after_unwritten_beats(instructor):
    from catalog.documents import Lesson
    from catalog.tests.factories import published_course

    course = published_course(owner=instructor, lessons=1)
    lesson = facts(str(Lesson.objects(course_id=course.id).first().id))
    with WRITE_BEHIND:
        _watch(8, lesson, Clock(), [(0, 10), (10, 20)])
        state = progress_mark_complete(user_id=8, lesson=lesson)
    stored = _stored(8, lesson)
    assert state.completed and stored["completed_at"] is not None
    assert stored["watch_time_s"] == 20.0  # the unwritten beats were written first
    assert progress_buffer.flush_all() == 0
