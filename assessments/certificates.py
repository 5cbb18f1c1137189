"""Certificates: issued once per learner and course version when the learner completes the
course (if the course gives certificates), listed for the learner, verifiable by anyone,
revocable by the course's staff with a reason (audited).

Issuing is an insert under the unique (user, course, version) index, so however many
requests notice the completion at once, one certificate exists. It happens when a passing
quiz attempt completes the course, when a lesson newly becomes complete (tracking's
`LessonCompleted` event, heard by `assessments.completion.on_lesson_completed`), and
whenever the learner's completion is read (the course page, GET /courses/{slug}/completion).
"""

from __future__ import annotations

import contextlib
from typing import Any

from bson import ObjectId
from django.utils import timezone
from pymongo.errors import DuplicateKeyError

from accounts.emails import mail_compose, mail_send
from accounts.roles import Viewer, is_admin, require_user_id
from accounts.selectors import user_get_signed_in
from assessments.credentials import certificate_verify_url
from assessments.documents import Certificate
from catalog.access import course_is_staff
from catalog.selectors import CourseDetail, course_get_for_instructor
from learnstream.audit import audit_record
from learnstream.errors import Conflict, NotFound, PermissionDenied, ValidationError
from learnstream.ids import is_object_id


def _now_ms() -> Any:
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def certificate_issue(*, user_id: int, detail: CourseDetail) -> Certificate:
    """The learner's certificate for the course version in `detail` (the catalogue's course
    detail), issued now unless it exists."""
    if detail.version is None:  # a draft has no version to certify
        raise NotFound("Course not found.")
    course_oid = ObjectId(detail.id)
    key = {"user_id": user_id, "course_id": course_oid, "course_version": int(detail.version)}
    existing = Certificate.objects(**key).first()
    if existing is not None:
        return existing
    try:
        learner = user_get_signed_in(user_id=user_id)
    except Exception:  # an account being deleted: no certificate for it
        raise NotFound("No such learner.") from None
    learner_name = learner.name
    inserted = None
    with contextlib.suppress(DuplicateKeyError):  # a concurrent request issued it
        inserted = Certificate._get_collection().insert_one(
            {
                **key,
                "course_slug": detail.slug,
                "course_title": detail.title,
                "learner_name": learner_name or "",
                "instructor_name": detail.instructor.name,
                "issued_at": _now_ms(),
            }
        )
    issued = Certificate.objects(**key).first()
    assert issued is not None
    if inserted is not None:  # only the request that issued it tells the learner
        mail_send(
            mail_compose(
                to=learner.email,
                subject=f"Your certificate for {issued.course_title} is ready",
                template="assessments/email/certificate_ready.txt",
                context={
                    "name": learner_name,
                    "course_title": issued.course_title,
                    "verify_url": certificate_verify_url(issued.id),
                },
            ),
            detached=True,
        )
    return issued


def certificate_list_for_user(*, user: Viewer) -> list[Certificate]:
    return list(Certificate.objects(user_id=require_user_id(user)).order_by("-issued_at"))


def certificate_get_public(*, certificate_id: Any) -> Certificate:
    """Any certificate by id (verification is public); 404 for an unknown id."""
    if not is_object_id(certificate_id):
        raise NotFound("Certificate not found.")
    certificate = Certificate.objects(id=ObjectId(str(certificate_id))).first()
    if certificate is None:
        raise NotFound("Certificate not found.")
    return certificate


def certificate_revoke(*, user: Viewer, certificate_id: Any, reason: str) -> Certificate:
    """Revoke (course staff or admins): 404 for an unknown id, 403 for anyone else, 400
    without a reason, 409 when already revoked. Audited."""
    certificate = certificate_get_public(certificate_id=certificate_id)
    if not is_admin(user):
        try:
            course = course_get_for_instructor(user=user, course_id=certificate.course_id)
        except NotFound:
            raise PermissionDenied("Only the course's staff can revoke its certificates.") from None
        if not course_is_staff(user=user, instructor_ids=course.instructor_ids()):
            raise PermissionDenied("Only the course's staff can revoke its certificates.")
    text = " ".join(str(reason or "").split())
    if not text:
        raise ValidationError("Give a reason.", errors={"reason": ["Give a reason."]})
    updated = Certificate.objects(id=certificate.id, revoked_at=None).update_one(
        set__revoked_at=_now_ms(),
        set__revoked_reason=text[:500],
        set__revoked_by=require_user_id(user),
    )
    if not updated:
        raise Conflict("This certificate is already revoked.")
    audit_record(
        actor_id=require_user_id(user),
        action="certificate.revoke",
        target_type="certificate",
        target_id=certificate.id,
        details={"course_id": str(certificate.course_id), "reason": text[:500]},
    )
    certificate.reload()
    return certificate


def certificate_revocations() -> list[Certificate]:
    return list(Certificate.objects(revoked_at__ne=None).order_by("revoked_at"))
