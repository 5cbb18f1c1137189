"""Id validation at the edges: a malformed id is a 404, never a query (PostgreSQL rejects
NUL bytes; MongoDB would raise on a bad ObjectId)."""

from __future__ import annotations

import re

from bson import ObjectId

from learnstream.errors import NotFound

_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def is_object_id(value: object) -> bool:
    return isinstance(value, str) and bool(_OBJECT_ID.match(value))


def object_id_or_404(value: object, what: str = "Resource") -> ObjectId:
    if isinstance(value, ObjectId):
        return value
    if not is_object_id(value):
        raise NotFound(f"{what} not found.")
    return ObjectId(value)  # type: ignore[arg-type]
