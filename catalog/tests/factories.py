from typing import Any, cast

import factory
from factory.mongoengine import MongoEngineFactory

from catalog.documents import Course, CourseLevel, Lesson


class _CourseFactory(MongoEngineFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    subtitle = "Learn something useful"
    description = "A **good** course."
    level = CourseLevel.BEGINNER
    language = "en"
    tags = factory.LazyFunction(lambda: ["python"])
    # An id no test user has: tests that care pass the real owner explicitly.
    owner_id = factory.Sequence(lambda n: 10_000_000 + n)


class _LessonFactory(MongoEngineFactory):
    class Meta:
        model = Lesson

    course_id = factory.LazyAttribute(lambda o: CourseFactory().id)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    section = "Basics"
    position = factory.Sequence(lambda n: n)
    duration_s = 0


def CourseFactory(**fields: Any) -> Course:
    """A saved course; the wrapper gives type checkers the document type factory_boy hides."""
    return cast(Course, _CourseFactory(**fields))


def LessonFactory(**fields: Any) -> Lesson:
    """A saved lesson (in a fresh course unless `course_id` is given)."""
    return cast(Lesson, _LessonFactory(**fields))


def published_course(*, owner, lessons: int = 2, preview_first: bool = False, **course_fields):
    """A course owned by `owner` with `lessons` lessons, published as version 1."""
    from catalog.services import course_publish

    course = CourseFactory(owner_id=owner.id, **course_fields)
    for index in range(lessons):
        LessonFactory(course_id=course.id, position=index, is_preview=preview_first and index == 0)
    course_publish(course=course, user=owner)
    course.reload()
    return course
