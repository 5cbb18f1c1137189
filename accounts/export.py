"""GET /api/v1/me/export: everything we hold about a user, as one JSON document — the
profile (SQL) and one section per app that holds personal data (`accounts.personal_data`):
enrolments (SQL, with course titles from MongoDB), progress (MongoDB)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import User
from accounts.personal_data import personal_data_handlers
from accounts.two_factor import totp_device_confirmed
from learnstream.errors import NotFound


@dataclass(frozen=True)
class UserExport:
    exported_at: datetime
    profile: User
    two_factor_enabled: bool
    # One member per registered personal-data handler ("enrollments", "progress", ...).
    sections: dict[str, Sequence[Any]]


def user_export(*, user_id: int) -> UserExport:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("The account no longer exists.")
    return UserExport(
        exported_at=timezone.now(),
        profile=user,
        two_factor_enabled=totp_device_confirmed(user=user) is not None,
        sections={handler.name: handler.export(user_id) for handler in personal_data_handlers()},
    )
