"""Keyset ("cursor") pagination for the catalogue: stable under inserts and deletes, with
no COUNT and no skip, so every page costs one indexed query.

A cursor names the sort key of the item it is anchored to and a direction: "n" for the
items after it, "p" for the items before it. It is opaque to clients (base64url JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from learnstream.errors import ValidationError
from learnstream.ids import is_object_id


@dataclass(frozen=True)
class Cursor:
    key: str  # the sort value (published title)
    id: str  # the tie-breaker (_id as 24-hex)
    direction: str  # "n" (after) or "p" (before)


def cursor_encode(cursor: Cursor) -> str:
    raw = json.dumps([cursor.key, cursor.id, cursor.direction], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _invalid() -> ValidationError:
    return ValidationError("Invalid cursor.", errors={"cursor": ["Invalid cursor."]})


def cursor_decode(value: str) -> Cursor:
    if not isinstance(value, str) or len(value) > 1000:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        key, id_, direction = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, RecursionError) as exc:
        raise _invalid() from exc

    if not (isinstance(key, str) and is_object_id(id_) and direction in ("n", "p")):
        raise _invalid()
    return Cursor(key=key, id=id_, direction=direction)


@dataclass(frozen=True)
class PageOf:
    results: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
