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


def cache_calls(monkeypatch: Any, names: tuple[str, ...] = ("get", "get_many", "set")) -> list[str]:
    """From now on, the names of the cache methods called (the outermost ones only: locmem's
    get_many calls get itself), in order."""
    from django.core.cache import cache

    calls: list[str] = []
    depth = [0]

    def counting(name: str, original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                calls.append(name)
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in names:
        monkeypatch.setattr(cache, name, counting(name, getattr(cache, name)))
    return calls
