"""Seed demo users and published courses. Idempotent: users (by email) and courses (by
slug) that already exist are left exactly as they are."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from catalog.demo_content import DEMO_COURSES, DEMO_PASSWORD, DEMO_USERS, Reading
from catalog.documents import COURSE_EDITABLE_FIELDS, Course
from catalog.services import course_create, course_publish, lesson_create


class Command(BaseCommand):
    help = "Create demo users (admin, instructor, student) and published demo courses."

    def handle(self, *args: Any, **options: Any) -> None:
        users = self._users()
        self._courses(owner=users["instructor"])
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {email}")

    @transaction.atomic
    def _users(self) -> dict[str, Any]:
        users = {}
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User(email=email, name=name, role=role, email_verified=True)
                user.set_password(DEMO_PASSWORD)
                user.apply_role_flags()
                user.save()
            users[role] = user
        return users

    def _courses(self, *, owner: Any) -> None:
        for spec in DEMO_COURSES:
            if Course.objects(slug=spec["slug"]).only("id").first() is not None:
                continue
            fields = {key: spec[key] for key in COURSE_EDITABLE_FIELDS if key in spec}
            course = course_create(user=owner, **fields)
            for entry in spec["lessons"]:
                if isinstance(entry, Reading):
                    lesson_create(
                        course=course,
                        section=entry.section,
                        title=entry.title,
                        summary=f"{entry.title}.",
                        body=entry.body,
                    )
                    continue
                section, title, is_preview, points = entry
                # The video comes from `seed_demo_videos` (its key points become slides).
                lesson_create(
                    course=course,
                    section=section,
                    title=title,
                    summary=f"{title}: " + "; ".join(points) + ".",
                    is_preview=is_preview,
                )
            course.reload()
            course_publish(course=course, user=owner)
            self.stdout.write(f"Published demo course: {spec['title']}")
