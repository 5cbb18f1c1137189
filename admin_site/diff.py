"""What publishing would change: the draft compared with the last published version.

Pure functions over plain values, so the publish page and its tests need no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.documents import COURSE_SNAPSHOT_FIELDS as COURSE_FIELDS


@dataclass(frozen=True)
class LessonSnapshot:
    id: str
    title: str
    section: str = ""
    is_preview: bool = False


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Any
    after: Any


@dataclass(frozen=True)
class LessonChange:
    id: str
    title: str  # as in the draft (for removed lessons: as published)
    detail: str  # e.g. "Intro → Welcome", "position 1 → 3"


@dataclass
class CourseDiff:
    first_publish: bool
    fields: list[FieldChange] = field(default_factory=list)
    added: list[LessonChange] = field(default_factory=list)
    removed: list[LessonChange] = field(default_factory=list)
    renamed: list[LessonChange] = field(default_factory=list)
    moved: list[LessonChange] = field(default_factory=list)
    section_changed: list[LessonChange] = field(default_factory=list)
    preview_changed: list[LessonChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return self.first_publish or any(
            (
                self.fields,
                self.added,
                self.removed,
                self.renamed,
                self.moved,
                self.section_changed,
                self.preview_changed,
            )
        )


def _normalise(name: str, value: Any) -> Any:
    if name == "tags":
        return list(value or [])
    return value if value is not None else ""


def course_diff(
    *,
    published_fields: dict[str, Any] | None,
    published_lessons: list[LessonSnapshot],
    draft_fields: dict[str, Any],
    draft_lessons: list[LessonSnapshot],
) -> CourseDiff:
    """Changes from the published version (None: never published) to the draft.

    Lessons are matched by id (ids survive publish and restore). A lesson counts as moved
    only when its order relative to the other lessons present in both changed, so adding
    a lesson at the top does not report every later lesson as moved.
    """
    if published_fields is None:
        return CourseDiff(
            first_publish=True,
            added=[
                LessonChange(id=lesson.id, title=lesson.title, detail=f"position {index + 1}")
                for index, lesson in enumerate(draft_lessons)
            ],
        )
    diff = CourseDiff(first_publish=False)
    for name in COURSE_FIELDS:
        before = _normalise(name, published_fields.get(name))
        after = _normalise(name, draft_fields.get(name))
        if before != after:
            diff.fields.append(FieldChange(name=name, before=before, after=after))

    old = {lesson.id: lesson for lesson in published_lessons}
    new = {lesson.id: lesson for lesson in draft_lessons}
    for index, lesson in enumerate(draft_lessons):
        if lesson.id not in old:
            diff.added.append(
                LessonChange(id=lesson.id, title=lesson.title, detail=f"position {index + 1}")
            )
    for lesson in published_lessons:
        if lesson.id not in new:
            diff.removed.append(LessonChange(id=lesson.id, title=lesson.title, detail=""))

    old_common = [lesson.id for lesson in published_lessons if lesson.id in new]
    new_common = [lesson.id for lesson in draft_lessons if lesson.id in old]
    old_rank = {lesson_id: rank for rank, lesson_id in enumerate(old_common)}
    stayed = _longest_increasing([old_rank[lesson_id] for lesson_id in new_common])
    for rank, lesson_id in enumerate(new_common):
        before, after = old[lesson_id], new[lesson_id]
        if old_rank[lesson_id] not in stayed:
            diff.moved.append(
                LessonChange(
                    id=lesson_id,
                    title=after.title,
                    detail=f"position {old_rank[lesson_id] + 1} → {rank + 1}",
                )
            )
        if before.title != after.title:
            diff.renamed.append(
                LessonChange(
                    id=lesson_id, title=after.title, detail=f"{before.title} → {after.title}"
                )
            )
        if (before.section or "") != (after.section or ""):
            diff.section_changed.append(
                LessonChange(
                    id=lesson_id,
                    title=after.title,
                    detail=f"{before.section or '(none)'} → {after.section or '(none)'}",
                )
            )
        if bool(before.is_preview) != bool(after.is_preview):
            diff.preview_changed.append(
                LessonChange(
                    id=lesson_id,
                    title=after.title,
                    detail="now a free preview" if after.is_preview else "no longer a preview",
                )
            )
    return diff


def _longest_increasing(values: list[int]) -> set[int]:
    """The values of one longest strictly increasing subsequence (outlines are short, so
    the quadratic version is plenty)."""
    if not values:
        return set()
    length = [1] * len(values)
    previous = [-1] * len(values)
    for i, value in enumerate(values):
        for j in range(i):
            if values[j] < value and length[j] + 1 > length[i]:
                length[i], previous[i] = length[j] + 1, j
    index = max(range(len(values)), key=lambda k: length[k])
    chosen: set[int] = set()
    while index != -1:
        chosen.add(values[index])
        index = previous[index]
    return chosen
