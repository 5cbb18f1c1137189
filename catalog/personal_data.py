"""A user's personal data held by the catalogue: their enrolments (SQL) and their id in
courses they teach and versions they published (MongoDB). Read for the data export and
erased when the account is deleted (`accounts.deletion.user_delete`); every write here is
idempotent so a deletion interrupted half-way can simply run again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from accounts.personal_data import (
    OwnershipHandler,
    PersonalDataHandler,
    ownership_register,
    personal_data_register,
)
from catalog.documents import Course, CourseVersion
from catalog.enrollment_cache import enrollment_cache_invalidate
from catalog.models import Enrollment
from learnstream.audit import DELETED_USER_ID


@dataclass(frozen=True)
class EnrollmentRecord:
    course_id: str
    course_slug: str | None  # None when the course no longer exists
    course_title: str | None
    status: str
    enrolled_at: datetime
    cancelled_at: datetime | None


def enrollments_export_for_user(*, user_id: int) -> list[EnrollmentRecord]:
    """Every enrolment of the user (active and cancelled), oldest first, with the course's
    slug and title: one SQL and one MongoDB query."""
    rows = list(Enrollment.objects.filter(user_id=user_id).order_by("enrolled_at", "id"))
    courses = {
        str(course.id): course
        for course in Course.objects(id__in=[ObjectId(row.course_id) for row in rows]).only(
            "slug", "title", "published"
        )
    }
    records = []
    for row in rows:
        course = courses.get(row.course_id)
        title = None
        if course is not None:
            title = course.published.title if course.published else course.title
        records.append(
            EnrollmentRecord(
                course_id=row.course_id,
                course_slug=course.slug if course else None,
                course_title=title,
                status=row.status,
                enrolled_at=row.enrolled_at,
                cancelled_at=row.cancelled_at,
            )
        )
    return records


def courses_owned_by(*, user_id: int) -> list[Course]:
    """Courses (any status) whose owner is the user: an account cannot be deleted while it
    owns any, or the course would be left without anyone who may edit it."""
    return list(Course.objects(owner_id=user_id).only("slug", "title").order_by("slug"))


def courses_transfer_ownership(*, from_user_id: int, to_user_id: int) -> int:
    """Make `to_user_id` the owner of every course `from_user_id` owns (dropping it from
    their co-instructors, where it would be redundant). Returns how many changed."""
    collection = Course._get_collection()
    collection.update_many(
        {"owner_id": from_user_id, "co_instructor_ids": to_user_id},
        {"$pull": {"co_instructor_ids": to_user_id}},
    )
    return collection.update_many(
        {"owner_id": from_user_id}, {"$set": {"owner_id": to_user_id}}
    ).modified_count


def catalog_erase_user_references(*, user_id: int) -> None:
    """MongoDB side of an account deletion: leave the co-instructor lists, and publish
    history keeps the versions but no longer names the account. Idempotent."""
    Course._get_collection().update_many(
        {"co_instructor_ids": user_id}, {"$pull": {"co_instructor_ids": user_id}}
    )
    CourseVersion._get_collection().update_many(
        {"published_by": user_id}, {"$set": {"published_by": DELETED_USER_ID}}
    )


def enrollments_delete_for_user(*, user_id: int) -> int:
    """SQL side: the user's enrolments (also removed by the user row's CASCADE; deleted
    here explicitly so the enrolment cache is dropped with them). Call inside the
    transaction that deletes the user."""
    course_ids = list(
        Enrollment.objects.filter(user_id=user_id).values_list("course_id", flat=True)
    )
    deleted, _ = Enrollment.objects.filter(user_id=user_id).delete()
    for course_id in course_ids:
        enrollment_cache_invalidate(user_id=user_id, course_id=course_id)
    return deleted


def _erase_references(user_id: int) -> int:
    # References are rewritten, not records deleted: nothing to count.
    catalog_erase_user_references(user_id=user_id)
    return 0


def register() -> None:
    """Plug the catalogue's personal data into the account export and deletion."""
    personal_data_register(
        PersonalDataHandler(
            name="enrollments",
            export=lambda user_id: enrollments_export_for_user(user_id=user_id),
            erase_documents=_erase_references,
            erase_rows=lambda user_id: enrollments_delete_for_user(user_id=user_id),
        )
    )
    ownership_register(
        OwnershipHandler(
            owned_by=lambda user_id: [course.slug for course in courses_owned_by(user_id=user_id)],
            transfer=lambda from_id, to_id: courses_transfer_ownership(
                from_user_id=from_id, to_user_id=to_id
            ),
        )
    )
