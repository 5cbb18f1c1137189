"""An audit trail for actions on MongoDB-side data (the admin's LogEntry needs a SQL
ContentType, so these live in a collection of their own: `audit_log`)."""

from __future__ import annotations

from typing import Any

import mongoengine as me
from django.conf import settings
from django.utils import timezone


class AuditEntry(me.Document):
    at = me.DateTimeField(required=True)
    actor_id = me.IntField(required=True)
    action = me.StringField(required=True, max_length=80)
    target_type = me.StringField(required=True, max_length=80)
    target_id = me.StringField(required=True, max_length=80)
    details = me.DictField(default=dict)

    meta = {
        "collection": "audit_log",
        "indexes": [("target_type", "target_id", "-at"), ("actor_id", "-at"), "-at"],
        "auto_create_index": settings.MONGODB_AUTO_CREATE_INDEX,
    }


def audit_record(
    *,
    actor_id: int,
    action: str,
    target_type: str,
    target_id: Any,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry (never updated or deleted by the application)."""
    return AuditEntry(
        at=timezone.now(),
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
    ).save(force_insert=True)


# Stands in for a deleted account in entries that outlive it (actor ids, `details.user_id`).
DELETED_USER_ID = 0


def audit_anonymise_user(*, user_id: int) -> int:
    """Erase a deleted account's id from the trail while keeping what happened: as actor
    and as `details.user_id` it becomes `DELETED_USER_ID`; from co-instructor lists in the
    details it is removed. Idempotent; returns how many entries changed."""
    collection = AuditEntry._get_collection()
    changed = collection.update_many(
        {"actor_id": user_id}, {"$set": {"actor_id": DELETED_USER_ID}}
    ).modified_count
    changed += collection.update_many(
        {"details.user_id": user_id}, {"$set": {"details.user_id": DELETED_USER_ID}}
    ).modified_count
    changed += collection.update_many(
        {"details.co_instructor_ids": user_id}, {"$pull": {"details.co_instructor_ids": user_id}}
    ).modified_count
    return changed
