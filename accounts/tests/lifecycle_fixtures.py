"""A learner who has touched every store: for the deletion and export tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.two_factor import recovery_codes_regenerate
from catalog.documents import Course, Lesson
from catalog.services import course_publish, enrollment_cancel, enrollment_create
from catalog.tests.factories import published_course
from learnstream.audit import audit_record
from tracking.services import progress_record_heartbeat, progress_reset
from tracking.tests.helpers import facts, video_course

# Far from any id the sequence hands out, so a scan for the number is unambiguous.
DOOMED_ID = 900_001_234
PASSWORD = "correct-horse-battery-9"
T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class World:
    user: User
    other: User
    owner: User
    admin: User
    course: Course  # enrolled, with progress
    cancelled_course: Course  # enrolment cancelled
    taught: Course  # the user co-teaches it and published a version
    lesson_ids: list[str]
    refresh: str


def build_world() -> World:
    owner = UserFactory(role="instructor")
    admin = UserFactory(role="admin")
    user = UserFactory(id=DOOMED_ID, role="instructor", email="doomed.person@example.com")
    other = UserFactory(role="student")

    course, lesson_ids = video_course(owner=owner, lessons=2, duration_s=100.0, slug="kept")
    cancelled_course = published_course(owner=owner, lessons=1, slug="left")
    taught = published_course(owner=owner, lessons=1, slug="taught")
    Course.objects(id=taught.id).update(add_to_set__co_instructor_ids=user.id)
    taught.reload()
    course_publish(course=taught, user=user)  # version 2 published by the user

    for learner in (user, other):
        enrollment_create(user=learner, course=course)
        progress_record_heartbeat(
            user_id=learner.id,
            lesson=facts(lesson_ids[0]),
            position_s=10,
            duration_s=100,
            played_from_s=0,
            played_to_s=10,
            now=T0,
        )
    enrollment_create(user=user, course=cancelled_course)
    enrollment_cancel(user=user, course_id=str(cancelled_course.id))
    progress_record_heartbeat(
        user_id=user.id,
        lesson=facts(lesson_ids[1]),
        position_s=5,
        duration_s=100,
        played_from_s=0,
        played_to_s=5,
        now=T0,
    )

    # The audit trail names the user as actor, as a reset learner and as a co-instructor.
    audit_record(
        actor_id=user.id, action="course.update", target_type="course", target_id=taught.id
    )
    audit_record(
        actor_id=owner.id,
        action="course.co_instructors",
        target_type="course",
        target_id=taught.id,
        details={"co_instructor_ids": [user.id, other.id]},
    )
    progress_reset(
        actor_id=owner.id,
        course_id=cancelled_course.id,
        user_id=user.id,
        lesson_id=Lesson.objects(course_id=cancelled_course.id).first().id,
    )

    # SQL beyond the user row: refresh tokens, a session, 2FA devices, admin-log entries.
    client = APIClient()
    pair = client.post(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    ).json()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    recovery_codes_regenerate(user=user)
    # An admin changed the user (the entry names it), and the user changed someone.
    LogEntry.objects.log_actions(
        user_id=admin.id, queryset=[user], action_flag=CHANGE, change_message="Changed name."
    )
    LogEntry.objects.log_actions(
        user_id=user.id, queryset=[other], action_flag=CHANGE, change_message="Changed name."
    )
    return World(
        user=user,
        other=other,
        owner=owner,
        admin=admin,
        course=course,
        cancelled_course=cancelled_course,
        taught=taught,
        lesson_ids=lesson_ids,
        refresh=pair["refresh"],
    )
