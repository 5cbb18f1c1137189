"""Test helpers shared by the catalogue tests."""

from __future__ import annotations

from typing import Any

from catalog.documents import Course, CourseVersion, Lesson

ROLES = ["anonymous", "student", "other_instructor", "owner", "admin"]


def user_for_role(request: Any, role: str) -> Any:
    return {
        "anonymous": lambda: None,
        "student": lambda: request.getfixturevalue("student"),
        "other_instructor": lambda: request.getfixturevalue("other_instructor"),
        "owner": lambda: request.getfixturevalue("instructor"),
        "admin": lambda: request.getfixturevalue("admin_user"),
    }[role]()


def catalogue_state(course_id: Any) -> dict[str, Any]:
    """Everything a write could change about a course, to prove a refusal changed nothing."""
    return {
        "course": Course.objects(id=course_id).as_pymongo().first(),
        "lessons": list(Lesson.objects(course_id=course_id).order_by("id").as_pymongo()),
        "versions": list(
            CourseVersion.objects(course_id=course_id).order_by("version").as_pymongo()
        ),
    }
