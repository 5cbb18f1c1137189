import pytest

from catalog.access import lesson_get_for_viewer, lesson_get_watchable
from catalog.documents import Lesson
from catalog.services import enrollment_cancel, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory, published_course
from catalog.tests.helpers import cache_calls
from learnstream.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def first_lesson(course):
    return Lesson.objects(course_id=course.id).order_by("position").first()


def test_enrolled_student_may_watch_and_unenrolled_may_not(instructor, student):
    course = published_course(owner=instructor)
    lesson = first_lesson(course)
    with pytest.raises(PermissionDenied):
        lesson_get_watchable(user=student, lesson_id=str(lesson.id))
    enrollment_create(user=student, course=course)
    assert lesson_get_watchable(user=student, lesson_id=str(lesson.id)).can_watch is True
    enrollment_cancel(user=student, course_id=str(course.id))
    with pytest.raises(PermissionDenied):
        lesson_get_watchable(user=student, lesson_id=str(lesson.id))


def test_preview_lesson_needs_sign_in_only(instructor, student):
    course = published_course(owner=instructor, preview_first=True)
    lesson = first_lesson(course)
    assert lesson_get_watchable(user=student, lesson_id=str(lesson.id)).can_watch is True
    from django.contrib.auth.models import AnonymousUser

    assert lesson_get_for_viewer(user=AnonymousUser(), lesson_id=str(lesson.id)).can_watch is False


def test_draft_lessons_are_hidden_from_students_but_not_staff(
    instructor, other_instructor, student, admin_user
):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id, position=0)
    for outsider in (student, other_instructor):
        with pytest.raises(NotFound):
            lesson_get_for_viewer(user=outsider, lesson_id=str(lesson.id))
    for staff in (instructor, admin_user):
        assert lesson_get_watchable(user=staff, lesson_id=str(lesson.id)).is_course_staff


@pytest.mark.parametrize("bad_id", ["nope", "0" * 23, "g" * 24, "\x00" * 24, 12])
def test_malformed_ids_are_404(student, bad_id):
    with pytest.raises(NotFound):
        lesson_get_for_viewer(user=student, lesson_id=bad_id)


def test_a_repeated_check_is_one_cache_round_trip_and_no_query(
    instructor, student, monkeypatch, django_assert_num_queries
):
    """After the first check in this process, the facts and the enrolment come back in one
    get_many; a cancelled enrolment is still seen at once (its entry is dropped)."""
    course = published_course(owner=instructor)
    lesson = first_lesson(course)
    enrollment_create(user=student, course=course)
    lesson_get_watchable(user=student, lesson_id=str(lesson.id))  # learns the course hint
    calls = cache_calls(monkeypatch, ("get", "get_many"))
    with django_assert_num_queries(0):
        assert lesson_get_watchable(user=student, lesson_id=str(lesson.id)).can_watch is True
    assert calls == ["get_many"]
    enrollment_cancel(user=student, course_id=str(course.id))
    with pytest.raises(PermissionDenied):
        lesson_get_watchable(user=student, lesson_id=str(lesson.id))
