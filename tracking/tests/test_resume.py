"""The resume position comes from the live state in Redis when there is one (it is newer
than MongoDB under write-behind), is remembered as "nothing saved" for a learner without
progress, and is right again at once after a first beat or a reset."""

from __future__ import annotations

import pytest
from bson import ObjectId
from django.test import override_settings

from tracking import progress_buffer
from tracking.documents import LessonProgress
from tracking.selectors import progress_resume_position
from tracking.services import progress_reset
from tracking.tests.helpers import Clock, facts, video_course
from tracking.tests.test_heartbeat import beat

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not progress_buffer.enabled(), reason="live progress needs REDIS_URL"),
]

WRITE_BEHIND = override_settings(PROGRESS_FLUSH_INTERVAL_S=3600.0)  # only explicit flushes


@pytest.fixture
def lesson(instructor):
    _course, lesson_ids = video_course(owner=instructor, lessons=1, duration_s=100.0)
    return facts(lesson_ids[0])


def marked(user_id: int, lesson) -> bool:
    member = progress_buffer.member_of(user_id, ObjectId(lesson.lesson_id))
    return bool(progress_buffer.redis_client().exists(progress_buffer.NOTHING_PREFIX + member))


@WRITE_BEHIND
def test_the_live_position_is_the_resume_position_before_any_flush(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 10)
    clock.advance(10)
    beat(lesson, clock, 10, 20)
    assert LessonProgress._get_collection().count_documents({}) == 0  # nothing flushed yet
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 20.0
    progress_buffer.flush_all()
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 20.0


@WRITE_BEHIND
def test_nothing_saved_is_remembered_until_the_first_beat(lesson):
    clock = Clock()
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 0.0
    assert marked(7, lesson)
    assert not marked(8, lesson)
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 0.0
    beat(lesson, clock, 0, 12)
    assert not marked(7, lesson)  # seeding the live state dropped the mark
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 12.0
    # With the live state gone (expired) the flushed document answers, and no mark is set.
    progress_buffer.flush_all()
    progress_buffer.state_evict(user_id=7, lesson_id=ObjectId(lesson.lesson_id))
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 12.0
    assert not marked(7, lesson)


@WRITE_BEHIND
def test_a_reset_and_the_end_of_the_video_start_from_zero(lesson):
    clock = Clock()
    beat(lesson, clock, 0, 10)
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 10.0
    progress_reset(actor_id=1, course_id=ObjectId(lesson.course_id), user_id=7)
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 0.0
    clock.advance(10)
    beat(lesson, clock, 0, 10)
    clock.advance(10)
    beat(lesson, clock, 96, 96)  # within the last 5%
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 0.0


@WRITE_BEHIND
def test_a_mark_never_hides_a_live_state(lesson):
    """A request that found nothing in MongoDB marks the learner only if no live state
    appeared meanwhile (a first beat racing the read)."""
    clock = Clock()
    beat(lesson, clock, 0, 15)
    progress_buffer.resume_nothing_saved(user_id=7, lesson_id=ObjectId(lesson.lesson_id))
    assert not marked(7, lesson)
    assert progress_resume_position(user_id=7, lesson_id=lesson.lesson_id) == 15.0
