"""Search what was said across a course: every ready caption's cues, case- and
accent-insensitive, limited to the lessons the caller may watch.

MongoDB (and SecantusDB, which has no text indexes) would scan every cue per query, so each
process keeps a per-course index in memory: the folded cue texts, loaded once and reused
while the course's transcript stamp in the cache is unchanged. A caption becoming ready or
deleted bumps the stamp (`search_index_invalidate`), so every process rebuilds on next use.
A course with 50 hours of transcripts is ~60,000 cues: scanning them in memory costs a few
milliseconds (bench/bench_search.py).
"""

from __future__ import annotations

import bisect
import heapq
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from learnstream.cache import cache_get, cache_set
from playback.captions_documents import Caption
from playback.captions_format import search_fold

MAX_RESULTS = 50
MAX_QUERY_CHARS = 200
_INDEXES_KEPT = 64  # courses per process
_STAMP_TTL_S = 7 * 86400
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class IndexedCue:
    lesson_id: str
    start_s: float
    text: str
    folded: str


@dataclass(frozen=True)
class _CourseIndex:
    stamp: str
    cues: tuple[IndexedCue, ...]
    # Every cue's folded words (" word word ") joined by newlines, and where each cue starts:
    # finding a word is then one C-level scan of one string, not a Python loop over cues.
    text: str
    offsets: tuple[int, ...]


_indexes: OrderedDict[str, _CourseIndex] = OrderedDict()
_lock = threading.Lock()


def _stamp_key(course_id: str) -> str:
    return f"transcripts-stamp:v1:{course_id}"


def search_index_invalidate(*, course_id: str) -> None:
    cache_set(_stamp_key(course_id), secrets.token_hex(8), timeout=_STAMP_TTL_S)


def _course_stamp(course_id: str) -> str:
    stamp = cache_get(_stamp_key(course_id))
    if not isinstance(stamp, str):
        stamp = secrets.token_hex(8)
        cache_set(_stamp_key(course_id), stamp, timeout=_STAMP_TTL_S)
    return stamp


def _padded_words(text: str) -> str:
    return " " + " ".join(_WORD.findall(text)) + " "


def _load(course_id: str) -> tuple[IndexedCue, ...]:
    rows = Caption._get_collection().find(
        {"course_id": ObjectId(course_id), "current.state": "ready"},
        {"lesson_id": 1, "cues": 1},
    )
    cues: list[IndexedCue] = []
    for doc in rows:
        lesson_id = str(doc["lesson_id"])
        for start_s, _end_s, text, folded in doc.get("cues") or []:
            cues.append(
                IndexedCue(lesson_id, float(start_s), str(text), _padded_words(str(folded)))
            )
    return tuple(cues)


def _build(stamp: str, cues: tuple[IndexedCue, ...]) -> _CourseIndex:
    offsets, position = [], 0
    for cue in cues:
        offsets.append(position)
        position += len(cue.folded) + 1
    text = "\n".join(cue.folded for cue in cues) + "\n"
    return _CourseIndex(stamp=stamp, cues=cues, text=text, offsets=tuple(offsets))


def _course_index(course_id: str) -> _CourseIndex:
    stamp = _course_stamp(course_id)
    with _lock:
        index = _indexes.get(course_id)
        if index is not None and index.stamp == stamp:
            _indexes.move_to_end(course_id)
            return index
    index = _build(stamp, _load(course_id))
    with _lock:
        _indexes[course_id] = index
        _indexes.move_to_end(course_id)
        while len(_indexes) > _INDEXES_KEPT:
            _indexes.popitem(last=False)
    return index


def course_transcript_index(*, course_id: str) -> tuple[IndexedCue, ...]:
    return _course_index(course_id).cues


def _cues_containing(index: _CourseIndex, needle: str) -> list[int]:
    """Indexes of the cues whose folded words contain `needle` (once each, in order)."""
    found: list[int] = []
    text, offsets = index.text, index.offsets
    at = text.find(needle)
    while at != -1:
        cue = bisect.bisect_right(offsets, at) - 1
        found.append(cue)
        # Skip to the next cue: one hit per cue is enough.
        next_start = offsets[cue + 1] if cue + 1 < len(offsets) else len(text)
        at = text.find(needle, next_start)
    return found


def query_words(query: str) -> list[str]:
    return _WORD.findall(search_fold(query[:MAX_QUERY_CHARS]))


def transcript_search(
    *, course_id: str, query: str, lesson_order: dict[str, int], limit: int = MAX_RESULTS
) -> list[tuple[IndexedCue, int]]:
    """Cues of the lessons in `lesson_order` (the ones the caller may watch, with their
    position) that contain every word of `query` (as a word start), best first: the exact
    phrase before scattered words, then course order and time. Returns (cue, score)."""
    words = query_words(query)
    if not words:
        return []
    index = _course_index(course_id)
    # A word matches at a word start: " photo" finds "photosynthesis", not "telephoto".
    needles = [f" {word}" for word in words]
    phrase = " " + " ".join(words) + " "
    found: list[tuple[int, int, float, IndexedCue]] = []
    for position_in_index in _cues_containing(index, max(needles, key=len)):
        cue = index.cues[position_in_index]
        position = lesson_order.get(cue.lesson_id)
        if position is None or not all(needle in cue.folded for needle in needles):
            continue
        score = 2 if phrase in cue.folded else 1
        found.append((-score, position, cue.start_s, cue))
    best = heapq.nsmallest(limit, found, key=lambda item: item[:3])
    return [(cue, -neg) for neg, _, _, cue in best]


def search_lessons_order(lessons: list[Any]) -> dict[str, int]:
    return {str(getattr(item, "lesson_id", None) or item.id): i for i, item in enumerate(lessons)}
