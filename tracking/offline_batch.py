"""The shape of an offline sync batch (`POST /api/v1/progress/sync`): parsed and checked
before anything else is looked at; the rules that need the lesson, the grant or the clock are
`tracking.offline_sync`'s. Every refusal is 400 validation_error with `errors` keyed by the
place in the body (`items.0.spans.2.to_s`) and a `detail` that names the first one."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.dateparse import parse_datetime

from learnstream.errors import ValidationError

MAX_ITEMS = 50
MAX_SPANS = 500
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")


@dataclass(frozen=True)
class OfflineSpan:
    from_s: float
    to_s: float
    watched_at: datetime  # when the span finished playing (the device's clock)


@dataclass(frozen=True)
class OfflineItem:
    lesson_id: str
    grant_id: str
    spans: tuple[OfflineSpan, ...]
    position_s: float | None
    position_at: datetime | None


@dataclass(frozen=True)
class SyncBatch:
    device_id: str
    batch_id: str
    items: tuple[OfflineItem, ...]

    def fingerprint(self) -> str:
        """sha256 of the batch's content: the same batch id with other content is refused."""
        content = {
            "device_id": self.device_id,
            "items": [
                {
                    "lesson_id": item.lesson_id,
                    "grant_id": item.grant_id,
                    "spans": [
                        [span.from_s, span.to_s, span.watched_at.isoformat()] for span in item.spans
                    ],
                    "position_s": item.position_s,
                    "position_at": item.position_at.isoformat() if item.position_at else None,
                }
                for item in self.items
            ],
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def refuse(place: str, message: str) -> ValidationError:
    return ValidationError(f"{place}: {message}", errors={place: [message]})


def _number(value: object, place: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse(place, "A finite number is required.")
    try:
        number = float(value)
    except OverflowError:
        raise refuse(place, "A finite number is required.") from None
    if not math.isfinite(number):
        raise refuse(place, "A finite number is required.")
    if number < 0:
        raise refuse(place, "Must be zero or more.")
    return number


def _moment(value: object, place: str) -> datetime:
    moment = parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None
    if moment is None or moment.tzinfo is None:
        raise refuse(place, "An ISO 8601 date-time with a time zone is required.")
    return moment


def _token(data: dict, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise refuse(name, "1 to 100 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'.")
    return value


def _span(data: object, place: str) -> OfflineSpan:
    if not isinstance(data, dict):
        raise refuse(place, "An object {from_s, to_s, watched_at} is required.")
    span = OfflineSpan(
        from_s=_number(data.get("from_s"), f"{place}.from_s"),
        to_s=_number(data.get("to_s"), f"{place}.to_s"),
        watched_at=_moment(data.get("watched_at"), f"{place}.watched_at"),
    )
    if span.from_s >= span.to_s:
        raise refuse(f"{place}.to_s", "Must be greater than from_s.")
    return span


def _item(data: object, place: str) -> OfflineItem:
    if not isinstance(data, dict):
        raise refuse(place, "An object {lesson_id, grant_id, spans, …} is required.")
    lesson_id = data.get("lesson_id")
    if not isinstance(lesson_id, str) or not _OBJECT_ID.fullmatch(lesson_id):
        raise refuse(f"{place}.lesson_id", "A lesson id (24 hexadecimal digits) is required.")
    grant_id = data.get("grant_id")
    if not isinstance(grant_id, str) or not 0 < len(grant_id) <= 256:
        raise refuse(f"{place}.grant_id", "The grant.id of the download is required.")
    spans = data.get("spans", [])
    if not isinstance(spans, list) or len(spans) > MAX_SPANS:
        raise refuse(f"{place}.spans", f"A list of at most {MAX_SPANS} spans is required.")
    has_position = data.get("position_s") is not None or data.get("position_at") is not None
    position_s = position_at = None
    if has_position:
        position_s = _number(data.get("position_s"), f"{place}.position_s")
        position_at = _moment(data.get("position_at"), f"{place}.position_at")
    return OfflineItem(
        lesson_id=lesson_id,
        grant_id=grant_id,
        spans=tuple(_span(span, f"{place}.spans.{j}") for j, span in enumerate(spans)),
        position_s=position_s,
        position_at=position_at,
    )


def sync_batch_parse(data: object) -> SyncBatch:
    """The batch of a sync request body, or 400 naming the first thing wrong with it."""
    if not isinstance(data, dict):
        raise refuse("body", "A JSON object {device_id, batch_id, items} is required.")
    device_id = _token(data, "device_id")
    batch_id = _token(data, "batch_id")
    items = data.get("items")
    if not isinstance(items, list) or not 0 < len(items) <= MAX_ITEMS:
        raise refuse("items", f"A list of 1 to {MAX_ITEMS} items is required.")
    parsed = tuple(_item(item, f"items.{i}") for i, item in enumerate(items))
    seen: set[str] = set()
    for i, item in enumerate(parsed):
        if item.lesson_id in seen:
            raise refuse(f"items.{i}.lesson_id", "Each lesson may appear once in a batch.")
        seen.add(item.lesson_id)
    return SyncBatch(device_id=device_id, batch_id=batch_id, items=parsed)
