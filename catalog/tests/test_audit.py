"""The catalogue services audit what instructors do, so the JSON API leaves the same trail as
the admin pages: one entry per action, with the right actor, action and target."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from catalog.documents import Course, Lesson
from catalog.services import course_co_instructors_set
from catalog.tests.factories import CourseFactory, published_course
from devtools.clients import client_for
from learnstream.audit import AuditEntry
from learnstream.errors import Conflict, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def new_entries(before: set[Any]) -> list[AuditEntry]:
    return [entry for entry in AuditEntry.objects.order_by("at") if entry.id not in before]


def entry_ids() -> set[Any]:
    return {entry.id for entry in AuditEntry.objects.only("id")}


def summary(entry: AuditEntry) -> tuple[int, str, str, str]:
    return (entry.actor_id, entry.action, entry.target_type, entry.target_id)


def test_api_course_create_is_audited_once(instructor):
    response = client_for(instructor).post(
        "/api/v1/instructor/courses", {"title": "Audited"}, format="json"
    )
    assert response.status_code == 201
    course_id = response.json()["id"]
    [entry] = new_entries(set())
    assert summary(entry) == (instructor.id, "course.create", "course", course_id)
    assert entry.details == {"title": "Audited"}


def test_api_publish_is_audited_once(instructor):
    course = CourseFactory(owner_id=instructor.id)
    response = client_for(instructor).post(f"/api/v1/instructor/courses/{course.id}/publish")
    assert response.status_code == 201
    [entry] = new_entries(set())
    assert summary(entry) == (instructor.id, "course.publish", "course", str(course.id))
    assert entry.details == {"version": 1}


def test_api_restore_is_audited_once_as_a_restore(instructor, admin_user):
    course = published_course(owner=instructor, lessons=1)
    before = entry_ids()
    response = client_for(admin_user).post(
        f"/api/v1/instructor/courses/{course.id}/versions/1/restore"
    )
    assert response.status_code == 201
    [entry] = new_entries(before)  # not also a "course.publish"
    assert summary(entry) == (admin_user.id, "course.restore", "course", str(course.id))
    assert entry.details == {"restored_from": 1, "version": 2}


def test_api_archive_is_audited_once_and_a_repeat_records_nothing(instructor):
    course = published_course(owner=instructor, lessons=1)
    before = entry_ids()
    client = client_for(instructor)
    assert client.delete(f"/api/v1/instructor/courses/{course.id}").status_code == 204
    assert client.delete(f"/api/v1/instructor/courses/{course.id}").status_code == 204
    [entry] = new_entries(before)
    assert summary(entry) == (instructor.id, "course.archive", "course", str(course.id))


def test_api_lesson_delete_is_audited_with_its_course(instructor):
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects.get(course_id=course.id)
    before = entry_ids()
    assert client_for(instructor).delete(f"/api/v1/instructor/lessons/{lesson.id}").status_code
    [entry] = new_entries(before)
    assert summary(entry) == (instructor.id, "lesson.delete", "lesson", str(lesson.id))
    assert entry.details == {"course_id": str(course.id), "title": lesson.title}


def test_refused_actions_record_nothing(instructor, other_instructor):
    course = published_course(owner=instructor, lessons=1)
    before = entry_ids()
    client = client_for(other_instructor)
    assert client.post(f"/api/v1/instructor/courses/{course.id}/publish").status_code == 404
    assert client.delete(f"/api/v1/instructor/courses/{course.id}").status_code == 404
    assert new_entries(before) == []
    assert Course.objects.get(id=course.id).status == "published"


# ---------------------------------------------------------------- co-instructors


def test_owner_sets_co_instructors_by_email(instructor, other_instructor, admin_user):
    course = CourseFactory(owner_id=instructor.id)
    updated = course_co_instructors_set(
        user=instructor,
        course=course,
        emails=[other_instructor.email.upper(), instructor.email, admin_user.email],
        expected_revision=course.revision,
    )
    assert updated.co_instructor_ids == sorted([other_instructor.id, admin_user.id])
    assert updated.revision == 2
    [entry] = new_entries(set())
    assert summary(entry) == (instructor.id, "course.co_instructors", "course", str(course.id))
    # The same team again changes nothing and records nothing.
    course_co_instructors_set(
        user=instructor,
        course=updated,
        emails=[other_instructor.email, admin_user.email],
        expected_revision=updated.revision,
    )
    assert Course.objects.get(id=course.id).revision == 2
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["co_instructor", "student_email", "unknown_email", "stale"])
def test_co_instructor_refusals_change_nothing(instructor, other_instructor, student, who):
    course = CourseFactory(owner_id=instructor.id, co_instructor_ids=[other_instructor.id])
    actor, emails, revision = instructor, [other_instructor.email], course.revision
    if who == "co_instructor":
        actor, emails = other_instructor, [UserFactory(role="instructor").email]
    if who == "student_email":
        emails = [student.email]
    if who == "unknown_email":
        emails = ["nobody@example.com"]
    if who == "stale":
        emails, revision = [], course.revision - 1
    expected = {
        "co_instructor": PermissionDenied,
        "student_email": ValidationError,
        "unknown_email": ValidationError,
        "stale": Conflict,
    }[who]
    with pytest.raises(expected) as raised:
        course_co_instructors_set(
            user=actor, course=course, emails=emails, expected_revision=revision
        )
    if expected is ValidationError:
        # The same message for a student's account and no account: no probing for e-mails.
        assert raised.value.errors == {
            "co_instructors": [f"{emails[0]} is not an instructor's account."]
        }
    stored = Course.objects.get(id=course.id)
    assert (stored.co_instructor_ids, stored.revision) == ([other_instructor.id], course.revision)
    assert AuditEntry.objects.count() == 0
