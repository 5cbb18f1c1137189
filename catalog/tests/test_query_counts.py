"""The catalogue and course endpoints cost the same number of SQL and MongoDB queries for
5 and for 50 courses/lessons (no N+1), uncached."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.models import Enrollment
from catalog.selectors import course_get_published_by_slug
from catalog.services import course_publish, enrollment_create, lesson_create
from catalog.tests.factories import published_course
from devtools.clients import client_for
from devtools.mongo_queries import capture_mongo_commands

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/courses",
    "/",
    "/api/v1/courses/big-course",
    "/courses/big-course/",
    "/api/v1/me/enrollments",
    "/my/",
]


def counted(client, url):
    cache.clear()  # uncached: what the first visitor pays
    with CaptureQueriesContext(connection) as sql, capture_mongo_commands() as mongo:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(sql), mongo.names


def grow_to(n, *, student, admin):
    """n published courses (by several instructors) the student is enrolled in, and a
    "big-course" with n lessons."""
    existing = Enrollment.objects.filter(user=student).count()
    for index in range(existing, n):
        course = published_course(
            owner=UserFactory(role="instructor"), lessons=1, slug=f"course-{index}"
        )
        enrollment_create(user=student, course=course)
    big = course_get_published_by_slug(slug="big-course")
    for index in range(Lesson.objects(course_id=big.id, removed_at=None).count(), n):
        lesson_create(course=big, title=f"Lesson {index}", section=f"Part {index % 4}")
    course_publish(course=big, user=admin)


@pytest.mark.parametrize("url", URLS)
def test_same_query_count_for_5_and_50(student, admin_user, settings, url):
    settings.CATALOG_PAGE_SIZE = 100  # every course on one page
    published_course(owner=admin_user, lessons=0, slug="big-course")
    enrollment_create(user=student, course=course_get_published_by_slug(slug="big-course"))
    client = client_for(student)
    client.force_login(student)  # the HTML pages use the session

    grow_to(5, student=student, admin=admin_user)
    small = counted(client, url)
    grow_to(50, student=student, admin=admin_user)
    assert Enrollment.objects.filter(user=student).count() == 50
    large = counted(client, url)

    assert small == large
    # A handful of MongoDB commands whatever the size: the course page reads the course, its
    # version, live lesson video facts, (tracking) the learner's progress documents, and
    # (assessments) the completion rules and the version's quizzes.
    assert 1 <= len(small[1]) <= 8, small
