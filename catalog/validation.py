"""Field rules for courses and lessons, shared by the services (API and admin both go
through them). Each check returns field errors in the error contract's shape."""

from __future__ import annotations

import re
from typing import Any

from django.utils.text import slugify

from catalog.completion import clean_completion_fields
from catalog.documents import (
    COURSE_EDITABLE_FIELDS,
    LESSON_EDITABLE_FIELDS,
    SLUG_REGEX,
    Course,
    CourseLevel,
    Lesson,
    max_lengths,
)
from learnstream.errors import ValidationError

SLUG_MAX = 80
_SLUG = re.compile(SLUG_REGEX)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9+#.\- ]*$")

# Slug and language have their own rules below (tags too, not being text); the other text
# fields' limits come from the document declarations.
_OWN_RULES = ("slug", "language")
COURSE_LIMITS = max_lengths(
    Course, tuple(name for name in COURSE_EDITABLE_FIELDS if name not in _OWN_RULES)
)
LESSON_LIMITS = max_lengths(Lesson, LESSON_EDITABLE_FIELDS)
MAX_TAGS, TAG_MAX = 20, 40

COURSE_FIELDS = frozenset(COURSE_EDITABLE_FIELDS)
LESSON_FIELDS = frozenset(LESSON_EDITABLE_FIELDS)


class FieldErrors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError("Some fields are invalid.", errors=self.errors)


def _text(errors: FieldErrors, fields: dict[str, Any], limits: dict[str, int]) -> None:
    for name, limit in limits.items():
        if name not in fields:
            continue
        value = fields[name]
        if not isinstance(value, str):
            errors.add(name, "Must be a string.")
        elif len(value) > limit:
            errors.add(name, f"Ensure this field has no more than {limit} characters.")
        elif "\x00" in value:
            errors.add(name, "Must not contain NUL characters.")


def _title(errors: FieldErrors, fields: dict[str, Any]) -> None:
    if "title" in fields and isinstance(fields["title"], str) and not fields["title"].strip():
        errors.add("title", "This field may not be blank.")


def slug_errors(slug: Any) -> list[str]:
    if not isinstance(slug, str) or not slug:
        return ["Enter a slug."]
    if len(slug) > SLUG_MAX:
        return [f"Ensure this field has no more than {SLUG_MAX} characters."]
    if not _SLUG.fullmatch(slug):
        return ["Use lower-case letters, digits and single hyphens (e.g. intro-to-python)."]
    return []


def normalize_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(" ".join(tag.strip().lower().split()), None)
    return [tag for tag in seen if tag]


def _known_texts(
    fields: dict[str, Any], known: frozenset[str], limits: dict[str, int]
) -> tuple[FieldErrors, dict[str, Any]]:
    """The common start of every clean: unknown fields, text limits and the title rule."""
    errors = FieldErrors()
    for name in sorted(set(fields) - known):
        errors.add(name, "Unknown field.")
    cleaned = {key: value for key, value in fields.items() if key in known}
    _text(errors, cleaned, limits)
    _title(errors, cleaned)
    return errors, cleaned


def clean_course_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate (and normalise) the given course fields; raise ValidationError listing every
    problem. Only the keys present are checked (PATCH semantics)."""
    errors, cleaned = _known_texts(fields, COURSE_FIELDS, COURSE_LIMITS)
    if "title" in cleaned and isinstance(cleaned["title"], str):
        cleaned["title"] = cleaned["title"].strip()
    if "slug" in cleaned:
        for message in slug_errors(cleaned["slug"]):
            errors.add("slug", message)
    if "level" in cleaned and cleaned["level"] not in CourseLevel.ALL:
        errors.add("level", f"Choose one of: {', '.join(CourseLevel.ALL)}.")
    if "language" in cleaned and not (
        isinstance(cleaned["language"], str) and _LANGUAGE.fullmatch(cleaned["language"])
    ):
        errors.add("language", "Use a language code such as en, fr or pt-BR.")
    cover = cleaned.get("cover_url")
    if isinstance(cover, str) and cover and not re.fullmatch(r"https?://\S+", cover):
        errors.add("cover_url", "Enter an http(s) URL.")
    if "tags" in cleaned:
        tags = cleaned["tags"]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            errors.add("tags", "Must be a list of strings.")
        else:
            tags = normalize_tags(tags)
            if len(tags) > MAX_TAGS:
                errors.add("tags", f"At most {MAX_TAGS} tags.")
            for tag in tags:
                if len(tag) > TAG_MAX or not _TAG.fullmatch(tag):
                    errors.add(
                        "tags",
                        f"Invalid tag {tag[:TAG_MAX]!r}: at most {TAG_MAX} "
                        "letters, digits, spaces or + # . -",
                    )
            cleaned["tags"] = tags
    errors.raise_if_any()
    return cleaned


def clean_lesson_fields(fields: dict[str, Any]) -> dict[str, Any]:
    errors, cleaned = _known_texts(fields, LESSON_FIELDS, LESSON_LIMITS)
    for name in ("title", "section"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    if "is_preview" in cleaned and not isinstance(cleaned["is_preview"], bool):
        errors.add("is_preview", "Must be a boolean.")
    clean_completion_fields(cleaned, errors.add)
    errors.raise_if_any()
    return cleaned


def slug_from_title(title: str) -> str:
    # slugify keeps "_", which SLUG_REGEX does not allow: runs of "-" and "_" become one "-".
    return re.sub(r"[-_]+", "-", slugify(title))[:SLUG_MAX].strip("-") or "course"
