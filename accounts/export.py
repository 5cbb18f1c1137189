"""GET /api/v1/me/export: everything we hold about a user, as one JSON document —
profile (SQL), enrolments (SQL, with course titles from MongoDB), progress (MongoDB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import User
from catalog.personal_data import EnrollmentRecord, enrollments_export_for_user
from learnstream.errors import NotFound
from tracking.export import ProgressRecord, progress_export_for_user


@dataclass(frozen=True)
class UserExport:
    exported_at: datetime
    profile: User
    enrollments: list[EnrollmentRecord]
    progress: list[ProgressRecord]
    two_factor_enabled: bool


def user_export(*, user_id: int) -> UserExport:
    from accounts.two_factor import totp_device_confirmed

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("The account no longer exists.")
    return UserExport(
        exported_at=timezone.now(),
        profile=user,
        enrollments=enrollments_export_for_user(user_id=user_id),
        progress=progress_export_for_user(user_id=user_id),
        two_factor_enabled=totp_device_confirmed(user=user) is not None,
    )
