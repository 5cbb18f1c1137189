"""A learner's personal data held by tracking (their progress documents): read for the data
export (GET /api/v1/me/export) and erased when the account is deleted
(`accounts.deletion.user_delete`). Both are keyed by the SQL user id (an int)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.personal_data import PersonalDataHandler, personal_data_register
from tracking.documents import LessonProgress, OfflineSyncBatch


@dataclass(frozen=True)
class ProgressRecord:
    lesson_id: str
    course_id: str
    position_s: float
    furthest_s: float
    coverage: float
    watch_time_s: float
    duration_s: float
    completed: bool
    completed_at: datetime | None
    started_at: datetime | None
    updated_at: datetime | None


def progress_export_for_user(*, user_id: int) -> list[ProgressRecord]:
    """Every progress document of the learner (one per lesson they started), oldest first;
    one indexed query (`user_id` leads the unique index)."""
    cursor = (
        LessonProgress._get_collection()
        .find({"user_id": user_id}, {"buckets": 0})
        .sort([("started_at", 1), ("_id", 1)])
    )
    return [
        ProgressRecord(
            lesson_id=str(document["lesson_id"]),
            course_id=str(document["course_id"]),
            position_s=float(document.get("position_s") or 0),
            furthest_s=float(document.get("furthest_s") or 0),
            coverage=float(document.get("coverage") or 0),
            watch_time_s=float(document.get("watch_time_s") or 0),
            duration_s=float(document.get("duration_s") or 0),
            completed=document.get("completed_at") is not None,
            completed_at=document.get("completed_at"),
            started_at=document.get("started_at"),
            updated_at=document.get("updated_at"),
        )
        for document in cursor
    ]


def progress_delete_for_user(*, user_id: int) -> int:
    """Erase the learner's progress documents (idempotent); returns how many went."""
    OfflineSyncBatch._get_collection().delete_many({"user_id": user_id})
    return LessonProgress._get_collection().delete_many({"user_id": user_id}).deleted_count


def register() -> None:
    """Plug progress into the account export and deletion."""
    personal_data_register(
        PersonalDataHandler(
            name="progress",
            export=lambda user_id: progress_export_for_user(user_id=user_id),
            erase_documents=lambda user_id: progress_delete_for_user(user_id=user_id),
        )
    )
