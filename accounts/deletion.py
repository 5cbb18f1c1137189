"""Deleting an account and everything that carries its id, in both stores.

No transaction spans PostgreSQL and MongoDB, so the steps are ordered so that a crash
between any two leaves nothing a user can see as broken, and running `user_delete` again
finishes the job:

1. SQL, one transaction: deactivate, revoke every refresh family, end every session. The
   account can no longer sign in or refresh; its access tokens are refused by the
   endpoints that read the user and die within their short lifetime anyway.
2. MongoDB: every registered personal-data handler (`accounts.personal_data`) erases its
   documents (progress; the id in co-instructor lists and as publisher of versions), and
   the audit trail names the deleted-user placeholder (0) instead. Each write is idempotent.
3. SQL, one transaction: the handlers' rows (enrolments), admin-log entries about the
   account (anonymised), and the user row (CASCADE: refresh-token rows, 2FA devices, its
   own admin-log entries).

A crash after 1 or 2 leaves an inactive account nobody can use, with its data partly
erased; the row is only removed once MongoDB holds nothing of it, so a re-run always
still knows which id to erase.

Owned courses: an account that owns a course (any status) is refused with 409 `conflict`
before anything changes: deleting it would leave the course with nobody allowed to edit
it, and deleting the course would break the learners enrolled in it. An admin can hand
the courses over first (`transfer_courses_to`, the `--transfer-courses-to` option of
`manage.py delete_user`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.personal_data import ownership_handlers, personal_data_handlers
from accounts.roles import Role
from accounts.services import _password_check_throttled, refresh_families_revoke_all
from learnstream.audit import audit_anonymise_user
from learnstream.errors import Conflict, NotFound, ValidationError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeletionResult:
    user_id: int
    progress_deleted: int
    enrollments_deleted: int
    user_row_deleted: bool


def _sessions_end(*, user_id: int) -> int:
    """Delete the database sessions signed in as the user. Sessions are opaque blobs, so
    this decodes each unexpired one: O(live sessions), acceptable for a rare operation."""
    ids = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id)
    ]
    deleted, _ = Session.objects.filter(pk__in=ids).delete()
    return deleted


def _step1_lock_out(*, user_id: int) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user_id).update(is_active=False)
        refresh_families_revoke_all(user_id=user_id)
        _sessions_end(user_id=user_id)


def _step2_erase_mongo(*, user_id: int) -> dict[str, int]:
    erased = {
        handler.name: handler.erase_documents(user_id)
        for handler in personal_data_handlers()
        if handler.erase_documents is not None
    }
    audit_anonymise_user(user_id=user_id)
    return erased


def _step3_erase_sql(*, user_id: int) -> tuple[dict[str, int], bool]:
    with transaction.atomic():
        erased = {
            handler.name: handler.erase_rows(user_id)
            for handler in personal_data_handlers()
            if handler.erase_rows is not None
        }
        # Entries other admins left about this account name it (object id and repr = email).
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
        ).update(object_id=None, object_repr="(deleted user)")
        deleted, _ = User.objects.filter(pk=user_id).delete()
    return erased, deleted > 0


def user_delete(*, user_id: int, transfer_courses_to: int | None = None) -> DeletionResult:
    """Delete the account `user_id` and every record carrying its id or email, in both
    stores. Idempotent: for an id that is already gone it erases any MongoDB leftovers and
    reports `user_row_deleted=False`."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        if transfer_courses_to is not None:
            _transfer_courses(user=user, to_user_id=transfer_courses_to)
        owned = [name for handler in ownership_handlers() for name in handler.owned_by(user_id)]
        if owned:
            slugs = ", ".join(owned[:10])
            raise Conflict(
                f"This account owns {len(owned)} course(s) ({slugs}). An admin must hand them "
                "over to another instructor before the account can be deleted."
            )
        _step1_lock_out(user_id=user_id)
    documents = _step2_erase_mongo(user_id=user_id)
    rows, row_deleted = _step3_erase_sql(user_id=user_id)
    progress = documents.get("progress", 0)
    enrollments = rows.get("enrollments", 0)
    logger.info(
        "account %s deleted (progress documents %d, enrolments %d, row %s)",
        user_id,
        progress,
        enrollments,
        "deleted" if row_deleted else "already gone",
    )
    return DeletionResult(
        user_id=user_id,
        progress_deleted=progress,
        enrollments_deleted=enrollments,
        user_row_deleted=row_deleted,
    )


def _transfer_courses(*, user: User, to_user_id: int) -> None:
    heir = User.objects.filter(pk=to_user_id, is_active=True).first()
    if heir is None:
        raise NotFound("The account to hand the courses to does not exist or is inactive.")
    if heir.pk == user.pk or heir.role not in (Role.INSTRUCTOR, Role.ADMIN):
        message = "Courses can only go to another instructor or admin."
        raise ValidationError(message, errors={"transfer_courses_to": [message]})
    for handler in ownership_handlers():
        handler.transfer(user.pk, heir.pk)


def user_delete_self(*, user_id: int, current_password: str) -> DeletionResult:
    """DELETE /api/v1/me: the signed-in user deletes their own account, confirming with
    their password (checked like a login: limited per account)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("The account no longer exists.")
    _password_check_throttled(user=user, password=current_password, field="current_password")
    return user_delete(user_id=user_id)
