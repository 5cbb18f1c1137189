"""Id validation at the edges: a malformed id is a 404, never a query (PostgreSQL rejects
NUL bytes; MongoDB would raise on a bad ObjectId)."""

from __future__ import annotations

import re
import uuid

from bson import ObjectId

from learnstream.errors import NotFound

# The largest integer a BSON int64 holds: a bigger Python int cannot be sent to MongoDB.
BSON_INT_MAX = 2**63 - 1

# fullmatch: `$` would also match before a trailing newline ("<24 hex>\n" is no id).
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_for(incoming: str) -> str:
    """A sane upstream X-Request-ID (so one id follows a request through the proxy), or a
    new one."""
    return incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def is_object_id(value: object) -> bool:
    return isinstance(value, str) and _OBJECT_ID.fullmatch(value) is not None


def object_id_or_404(value: object, what: str = "Resource") -> ObjectId:
    if isinstance(value, ObjectId):
        return value
    if not is_object_id(value):
        raise NotFound(f"{what} not found.")
    return ObjectId(value)  # type: ignore[arg-type]
