"""A small, complete world for whole-API tests (the authorization matrix, the fuzzer).

Users of every role, a published course owned by "owner" with a ready video lesson, a ready
preview lesson and a text lesson with a quiz, an active enrolment, and a draft course with
one lesson.
Videos are made ready directly in the documents (a playback id and a duration), the way a
Mux webhook would leave them; signing playback tokens needs the simulator's signing key,
which the caller's fixtures configure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from assessments.services import quiz_put
from catalog.lesson_video import LessonVideo, VideoGeneration, VideoState
from catalog.services import course_publish, enrollment_create
from catalog.tests.factories import CourseFactory, LessonFactory

PASSWORD = "correct-horse-battery-9"
VIDEO_DURATION_S = 60.0

# Roles as the tests name them; every one but "anonymous" is a signed-in user.
ROLES = ("anonymous", "student", "enrolled", "other_instructor", "owner", "admin")


@dataclass
class ApiWorld:
    users: dict[str, Any]  # role → User (no "anonymous")
    course: Any
    video_lesson: Any
    preview_lesson: Any
    text_lesson: Any
    draft_course: Any
    draft_lesson: Any
    _pairs: dict[int, dict[str, Any]] = field(default_factory=dict)

    def params(self, target: str = "published") -> dict[str, object]:
        """Path parameters for a route, pointing at the published course (and its video
        lesson), its preview or text lesson, or the draft course."""
        course = self.draft_course if target == "draft" else self.course
        lesson = {
            "published": self.video_lesson,
            "preview": self.preview_lesson,
            "text": self.text_lesson,
            "draft": self.draft_lesson,
        }[target]
        return {
            "slug": course.slug,
            "course_id": str(course.id),
            "lesson_id": str(lesson.id),
            "version": 1,
            "user_id": self.users["enrolled"].id,
            "caption_id": "0" * 24,  # no such caption: staff get 404, others their refusal
            "certificate_id": "0" * 24,  # no such certificate: 404
        }

    def token_pair(self, user: Any) -> dict[str, Any]:
        """A real token pair from POST /api/v1/auth/token (cached per user for one test)."""
        if user.id not in self._pairs:
            response = APIClient().post(
                reverse("api-token"), {"email": user.email, "password": PASSWORD}, format="json"
            )
            assert response.status_code == 200, response.content
            self._pairs[user.id] = response.json()
        return self._pairs[user.id]

    def client_for(self, role: str) -> APIClient:
        """A client sending `Authorization: Bearer <access>` for the role (none: anonymous)."""
        client = APIClient()
        if role != "anonymous":
            access = self.token_pair(self.users[role])["access"]
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client


def _ready_video(playback_id: str) -> Any:
    now = timezone.now()
    return LessonVideo(
        current=VideoGeneration(
            upload_id=f"upload-{playback_id}",
            asset_id=f"asset-{playback_id}",
            playback_id=playback_id,
            state=VideoState.READY,
            duration_s=VIDEO_DURATION_S,
            aspect_ratio="16:9",
            created_at=now,
            updated_at=now,
        )
    )


def api_world_build() -> ApiWorld:
    users = {
        "student": UserFactory(role=Role.STUDENT),
        "enrolled": UserFactory(role=Role.STUDENT),
        "other_instructor": UserFactory(role=Role.INSTRUCTOR),
        "owner": UserFactory(role=Role.INSTRUCTOR),
        "admin": UserFactory(role=Role.ADMIN),
    }
    owner = users["owner"]
    course = CourseFactory(owner_id=owner.id, slug="matrix-course", title="Matrix course")
    preview_lesson = LessonFactory(
        course_id=course.id,
        position=0,
        is_preview=True,
        video=_ready_video("previewplayback"),
        duration_s=VIDEO_DURATION_S,
    )
    video_lesson = LessonFactory(
        course_id=course.id,
        position=1,
        video=_ready_video("lessonplayback"),
        duration_s=VIDEO_DURATION_S,
    )
    text_lesson = LessonFactory(course_id=course.id, position=2, body="Read me.")
    quiz_put(
        user=owner,
        lesson_id=text_lesson.id,
        questions=[
            {
                "id": "q1",
                "kind": "single",
                "prompt": "Pick b",
                "choices": ["a", "b"],
                "answers": ["b"],
            },
            {"id": "q2", "kind": "numeric", "prompt": "Two plus two", "answers": [4]},
        ],
    )
    course_publish(course=course, user=owner)
    course.reload()
    enrollment_create(user=users["enrolled"], course=course)

    draft_course = CourseFactory(owner_id=owner.id, slug="matrix-draft", title="Matrix draft")
    draft_lesson = LessonFactory(course_id=draft_course.id, position=0)
    return ApiWorld(
        users=users,
        course=course,
        video_lesson=video_lesson,
        preview_lesson=preview_lesson,
        text_lesson=text_lesson,
        draft_course=draft_course,
        draft_lesson=draft_lesson,
    )
