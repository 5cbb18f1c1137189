"""Catalogue writes: courses, lessons, publishing, restoring, enrolment, the catalogue cache.

The writes an instructor or admin makes on courses and lessons are audited here (in
`learnstream.audit`), once, after they succeed — so the JSON API and the admin pages, which
both call these, leave the same trail.

No transaction spans MongoDB and PostgreSQL, so writes are ordered to leave nothing
broken after a crash between them (see each function). Ownership is checked by the callers
through `catalog.selectors.course_get_for_instructor` (the instructor API and admin pages
fetch the course that way before calling a write here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from mongoengine.errors import NotUniqueError
from pymongo import UpdateMany, UpdateOne

from accounts.roles import Role, Viewer, is_admin, require_user_id, user_id_of
from accounts.selectors import user_email_verified, user_ids_by_emails
from catalog.access import lesson_facts_invalidate
from catalog.catalog_cache import catalog_cache_bump
from catalog.completion import (
    CompletionPolicyChange,
    completion_policy_listeners_run,
    completion_policy_of,
)
from catalog.documents import (
    COURSE_SNAPSHOT_FIELDS,
    LESSON_SNAPSHOT_FIELDS,
    Course,
    CourseStatus,
    CourseVersion,
    Lesson,
    PublishedSummary,
    VersionLesson,
)
from catalog.enrollment_cache import enrollment_cache_invalidate
from catalog.markdown import render_markdown, stored_or_rendered
from catalog.models import Enrollment, EnrollmentStatus
from catalog.publish_hooks import PublishedSnapshot, publish_listeners_run
from catalog.validation import (
    clean_course_fields,
    clean_lesson_fields,
    slug_from_title,
)
from catalog.video_state import lesson_video_duration
from learnstream.audit import audit_record
from learnstream.errors import (
    Conflict,
    EmailNotVerified,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from learnstream.ids import BSON_INT_MAX

COURSE = "course"
LESSON = "lesson"
MAX_CO_INSTRUCTORS = 20

# ---------------------------------------------------------------- helpers


def _copied(value: Any) -> Any:
    """A plain copy of a field value (lists are copied out of mongoengine's tracking)."""
    return list(value) if isinstance(value, list) else value


def _keywords(*texts: str, tags: list[str]) -> list[str]:
    words: set[str] = set()
    for text in (*texts, *tags):
        words.update(
            word
            for word in "".join(ch.lower() if ch.isalnum() else " " for ch in (text or "")).split()
            if word
        )
    return sorted(words)


def search_words(text: str) -> list[str]:
    """The same tokenisation as the stored keywords, for the catalogue search."""
    return _keywords(text, tags=[])


def lessons_in_outline(*, course: Course) -> list[Lesson]:
    return list(Lesson.objects(course_id=course.id, removed_at=None).order_by("position"))


def catalog_cache_invalidate() -> None:
    """Retire the cached catalogue listing and course details (one global generation)."""
    catalog_cache_bump()


def _audit(user: Viewer, action: str, target_type: str, target_id: Any, **details: Any) -> None:
    audit_record(
        actor_id=require_user_id(user),
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )


def _course_lesson_ids(course: Course) -> list[ObjectId]:
    """Every lesson of the course, removed ones included (for cache invalidation)."""
    return [lesson.id for lesson in Lesson.objects(course_id=course.id).only("id")]


def _renderings(cleaned: dict[str, Any], source: str) -> dict[str, str]:
    """`{<source>_html: rendering}` when the edit changes the Markdown field `source`."""
    return {f"{source}_html": render_markdown(cleaned[source])} if source in cleaned else {}


def lesson_body_html(*, entry: Lesson | VersionLesson, version: CourseVersion | None) -> str:
    """The lesson body's stored HTML: a draft lesson's, or the published version's copy.
    Documents saved before renderings were stored get theirs rendered and stored once."""
    if entry.body_html is not None:
        return entry.body_html
    html = render_markdown(entry.body or "")
    if isinstance(entry, VersionLesson):
        if version is not None:
            index = next(i for i, item in enumerate(version.lessons) if item is entry)
            CourseVersion._get_collection().update_one(
                {"_id": version.id, f"lessons.{index}.lesson_id": entry.lesson_id},
                {"$set": {f"lessons.{index}.body_html": html}},
            )
    else:  # only if the body is still the one rendered
        Lesson.objects(id=entry.id, body=entry.body, body_html=None).update_one(set__body_html=html)
    entry.body_html = html
    return html


def _require_editable(course: Course) -> None:
    if course.status == CourseStatus.ARCHIVED:
        raise Conflict("This course is archived; it can no longer be changed.")


def course_require_editable(*, course_id: str) -> None:
    """409 when the course is archived: for edits made outside this app (a lesson's video or
    captions). Read fresh, not from the cached lesson facts, so an archive takes effect at
    once."""
    course = Course.objects(id=ObjectId(course_id)).only("status").first()
    if course is None:
        raise NotFound("Course not found.")
    _require_editable(course)


def _slug_taken(slug: str, *, except_id: ObjectId | None = None) -> bool:
    query = Course.objects(slug=slug)
    if except_id is not None:
        query = query.filter(id__ne=except_id)
    return query.only("id").first() is not None


def _duplicate_slug() -> ValidationError:
    return ValidationError(
        "Some fields are invalid.", errors={"slug": ["A course with this slug already exists."]}
    )


def _free_slug(title: str) -> str:
    base = slug_from_title(title)
    taken = {
        course.slug
        # One query; a "$regex" string (not a BSON regex) works on every wire server.
        for course in Course.objects(__raw__={"slug": {"$regex": "^" + re.escape(base)}}).only(
            "slug"
        )
    }
    if base not in taken:
        return base
    stem = base[:74].rstrip("-")  # a cut that ends in "-" must not make "--" before the suffix
    suffix = 2
    while f"{stem}-{suffix}" in taken:
        suffix += 1
    return f"{stem}-{suffix}"


# ---------------------------------------------------------------- courses


def course_create(*, user: Viewer, **fields: Any) -> Course:
    """A new draft course owned by `user`. Without a slug one is made from the title."""
    owner_id = require_user_id(user)
    if "title" not in fields:
        raise ValidationError(
            "Some fields are invalid.", errors={"title": ["This field is required."]}
        )
    cleaned = clean_course_fields(fields)
    slug = cleaned.pop("slug", None) or _free_slug(cleaned["title"])
    if _slug_taken(slug):
        raise _duplicate_slug()
    now = timezone.now()
    course = Course(
        slug=slug,
        owner_id=owner_id,
        created_at=now,
        updated_at=now,
        description_html=render_markdown(cleaned.get("description", "")),
        **cleaned,
    )
    try:
        course.save(force_insert=True)
    except NotUniqueError as exc:  # a concurrent create took the slug
        raise _duplicate_slug() from exc
    _audit(user, "course.create", COURSE, course.id, title=course.title)
    return course


def course_update(*, course: Course, expected_revision: int | None = None, **fields: Any) -> Course:
    """Edit the draft. Students see nothing of it until the next publish. With
    `expected_revision`, a stale editor (someone saved in between) gets 409 `conflict`."""
    _require_editable(course)
    cleaned = clean_course_fields(fields)
    if "slug" in cleaned and cleaned["slug"] != course.slug:
        if course.version:
            raise ValidationError(
                "Some fields are invalid.",
                errors={"slug": ["The slug cannot change once the course is published."]},
            )
        if _slug_taken(cleaned["slug"], except_id=course.id):
            raise _duplicate_slug()
    query = Course.objects(id=course.id)
    if expected_revision is not None:
        query = query.filter(revision=expected_revision)
    changes = {**cleaned, **_renderings(cleaned, "description")}
    updates = {f"set__{name}": value for name, value in changes.items()}
    try:
        updated = query.update_one(**updates, inc__revision=1, set__updated_at=timezone.now())
    except NotUniqueError as exc:
        raise _duplicate_slug() from exc
    if not updated:
        raise Conflict("The course was changed by someone else; reload and try again.")
    course.reload()
    return course


def course_co_instructors_validate(*, emails: list[str]) -> list[int]:
    """The user ids of these instructors' (or admins') accounts; a field error
    (`co_instructors`) for any other e-mail. Writes nothing: a form that saves course
    fields and the team calls it first, so a bad e-mail leaves the course untouched."""
    wanted = list(dict.fromkeys(email.strip() for email in emails if email.strip()))
    if len(wanted) > MAX_CO_INSTRUCTORS:
        raise ValidationError(
            "Some fields are invalid.",
            errors={"co_instructors": [f"At most {MAX_CO_INSTRUCTORS} co-instructors."]},
        )
    found = user_ids_by_emails(emails=wanted, roles=(Role.INSTRUCTOR, Role.ADMIN))
    # One message whether the account is missing or a student's: no probing for accounts.
    problems = [
        f"{email} is not an instructor's account." for email in wanted if email.lower() not in found
    ]
    if problems:
        raise ValidationError("Some fields are invalid.", errors={"co_instructors": problems})
    return [found[email.lower()] for email in wanted]


def course_co_instructors_set(
    *, user: Viewer, course: Course, emails: list[str], expected_revision: int
) -> Course:
    """Replace the co-instructors by the instructor (or admin) accounts with these e-mails.
    Only the owner or an admin may (a co-instructor may not add or drop colleagues): 403.
    An e-mail that is not an instructor's account is a field error (`co_instructors`), and
    a stale `expected_revision` is 409, as for `course_update`. Audited when it changes."""
    if not (is_admin(user) or user_id_of(user) == course.owner_id):
        raise PermissionDenied("Only the owner or an admin can change co-instructors.")
    _require_editable(course)
    wanted = sorted(set(course_co_instructors_validate(emails=emails)) - {course.owner_id})
    if wanted == sorted(course.co_instructor_ids):
        return course
    updated = Course.objects(id=course.id, revision=expected_revision).update_one(
        set__co_instructor_ids=wanted, inc__revision=1, set__updated_at=timezone.now()
    )
    if not updated:
        raise Conflict("The course was changed by someone else; reload and try again.")
    course.reload()
    # Who counts as course staff changed: cached lesson facts and the course page.
    lesson_facts_invalidate(lesson_ids=_course_lesson_ids(course))
    catalog_cache_invalidate()
    _audit(user, "course.co_instructors", COURSE, course.id, co_instructor_ids=wanted)
    return course


def course_archive(*, course: Course, user: Viewer) -> Course:
    """Take the course off the catalogue for good. Enrolment rows stay (history); lessons
    stop being visible to students at once."""
    if course.status == CourseStatus.ARCHIVED:
        return course
    Course.objects(id=course.id).update_one(
        set__status=CourseStatus.ARCHIVED, inc__revision=1, set__updated_at=timezone.now()
    )
    course.reload()
    lesson_facts_invalidate(lesson_ids=_course_lesson_ids(course))
    catalog_cache_invalidate()
    _audit(user, "course.archive", COURSE, course.id)
    return course


def course_unarchive(*, course: Course, user: Viewer) -> Course:
    """Undo an archive: the course comes back as a draft (students see it again only once
    it is published again; its versions and enrolment records were kept). Audited as
    `course.unarchive`; a course that is not archived is returned unchanged."""
    if course.status != CourseStatus.ARCHIVED:
        return course
    changed = Course.objects(id=course.id, status=CourseStatus.ARCHIVED).update_one(
        set__status=CourseStatus.DRAFT, inc__revision=1, set__updated_at=timezone.now()
    )
    course.reload()
    if not changed:  # unarchived concurrently: nothing more to do or record
        return course
    lesson_facts_invalidate(lesson_ids=_course_lesson_ids(course))
    catalog_cache_invalidate()
    _audit(user, "course.unarchive", COURSE, course.id)
    return course


def course_publish(*, course: Course, user: Viewer) -> CourseVersion:
    """Snapshot the draft as version n+1 (audited as `course.publish`)."""
    version = _course_snapshot_publish(course=course, user=user, restored_from=None)
    _audit(user, "course.publish", COURSE, course.id, version=version.version)
    return version


def _course_snapshot_publish(
    *, course: Course, user: Viewer, restored_from: int | None
) -> CourseVersion:
    """The snapshot is written first (unique per course and version, so two racing
    publishes cannot both win), then the course points at it. Not audited: its callers
    record what the user did (publish or restore)."""
    _require_editable(course)
    lessons = lessons_in_outline(course=course)
    # MongoDB keeps milliseconds: truncate now so the response equals what is stored.
    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    version = CourseVersion(
        course_id=course.id,
        version=course.version + 1,
        published_at=now,
        published_by=require_user_id(user),
        restored_from=restored_from,
        **{name: _copied(getattr(course, name)) for name in COURSE_SNAPSHOT_FIELDS},
        description_html=stored_or_rendered(course.description_html, course.description),
        lessons=[
            VersionLesson(
                lesson_id=lesson.id,
                position=index,
                **{name: getattr(lesson, name) for name in LESSON_SNAPSHOT_FIELDS},
                body_html=stored_or_rendered(lesson.body_html, lesson.body),
            )
            for index, lesson in enumerate(lessons)
        ],
    )
    # Lesson-attached content of other apps (quizzes) is snapshotted for the same version
    # first: a learner must never see this version without it.
    publish_listeners_run(
        PublishedSnapshot(
            course_id=course.id,
            version=version.version,
            lesson_ids=tuple(lesson.id for lesson in lessons),
            restored_from=restored_from,
            published_by=version.published_by,
        )
    )
    try:
        version.save(force_insert=True)
    except NotUniqueError as exc:
        raise Conflict("Someone published this course at the same time; reload.") from exc
    return _course_point_at_version(course=course, version=version, lessons=lessons)


def _published_summary(version: CourseVersion, lessons: Iterable[Lesson]) -> PublishedSummary:
    return PublishedSummary(
        version=version.version,
        title=version.title,
        subtitle=version.subtitle,
        level=version.level,
        language=version.language,
        tags=list(version.tags),
        keywords=_keywords(version.title, version.subtitle, tags=list(version.tags)),
        cover_url=version.cover_url,
        lesson_count=len(version.lessons),
        duration_s=sum(lesson_video_duration(lesson) for lesson in lessons),
        published_at=version.published_at,
    )


def _course_point_at_version(
    *, course: Course, version: CourseVersion, lessons: list[Lesson]
) -> CourseVersion:
    previous = (
        CourseVersion.objects(course_id=course.id, version=course.version).only("lessons").first()
        if course.version
        else None
    )
    Course.objects(id=course.id, version__lt=version.version).update_one(
        set__version=version.version,
        set__status=CourseStatus.PUBLISHED,
        set__published=_published_summary(version, lessons),
        set__updated_at=timezone.now(),
    )
    course.reload()
    # Lessons of the old and the new version may change visibility or preview flag.
    affected = {item.lesson_id for item in version.lessons} | {lesson.id for lesson in lessons}
    if previous is not None:
        affected |= {item.lesson_id for item in previous.lessons}
    lesson_facts_invalidate(lesson_ids=sorted(affected))
    catalog_cache_invalidate()
    return version


def course_version_restore(*, course: Course, user: Viewer, version: int) -> CourseVersion:
    """Publish version `version`'s content as a new version. The draft takes that content
    first (course fields; lessons keep their ids: lessons removed since come back, lessons
    not in that snapshot leave the draft), then it is published as usual. A crash in
    between leaves a changed draft and an unchanged published course — nothing broken."""
    _require_editable(course)
    if not 1 <= version <= BSON_INT_MAX:
        raise ValidationError(
            "Invalid version.", errors={"version": ["Must be a published version number."]}
        )
    snapshot = CourseVersion.objects(course_id=course.id, version=version).first()
    if snapshot is None:
        raise NotFound(f"Version {version} not found.")
    now = timezone.now()
    Course.objects(id=course.id).update_one(
        **{f"set__{name}": _copied(getattr(snapshot, name)) for name in COURSE_SNAPSHOT_FIELDS},
        set__description_html=stored_or_rendered(snapshot.description_html, snapshot.description),
        inc__revision=1,
        set__updated_at=now,
    )
    kept = [item.lesson_id for item in snapshot.lessons]
    operations: list[UpdateOne | UpdateMany] = [
        UpdateOne(
            {"_id": item.lesson_id, "course_id": course.id},
            {
                "$set": {
                    **{name: getattr(item, name) for name in LESSON_SNAPSHOT_FIELDS},
                    "body_html": stored_or_rendered(item.body_html, item.body),
                    "position": item.position,
                    "updated_at": now,
                },
                "$unset": {"removed_at": ""},
            },
        )
        for item in snapshot.lessons
    ]
    operations.append(
        UpdateMany(
            {"course_id": course.id, "_id": {"$nin": kept}, "removed_at": None},
            {"$set": {"removed_at": now, "updated_at": now}},
        )
    )
    Lesson._get_collection().bulk_write(operations, ordered=True)
    course.reload()
    restored = _course_snapshot_publish(course=course, user=user, restored_from=version)
    _audit(
        user,
        "course.restore",
        COURSE,
        course.id,
        restored_from=version,
        version=restored.version,
    )
    return restored


def course_refresh_published_stats(*, course_id: Any) -> None:
    """Recompute the listing's `published.duration_s` from the live durations of the
    published lessons (see `lesson_video_changed`)."""
    course = Course.objects(id=course_id).only("version", "status").first()
    if course is None or not course.version:
        return
    snapshot = (
        CourseVersion.objects(course_id=course.id, version=course.version).only("lessons").first()
    )
    if snapshot is None:
        return
    lesson_ids = [item.lesson_id for item in snapshot.lessons]
    lessons = Lesson.objects(id__in=lesson_ids).only("duration_s", "video")
    total = sum(lesson_video_duration(lesson) for lesson in lessons)
    Course.objects(id=course.id, version=course.version).update_one(
        set__published__duration_s=total
    )
    lesson_facts_invalidate(lesson_ids=lesson_ids)
    catalog_cache_invalidate()


# ---------------------------------------------------------------- lessons


def lesson_create(*, course: Course, **fields: Any) -> Lesson:
    """A new draft lesson at the end of the outline (students see it after the next
    publish)."""
    _require_editable(course)
    if "title" not in fields:
        raise ValidationError(
            "Some fields are invalid.", errors={"title": ["This field is required."]}
        )
    cleaned = clean_lesson_fields(fields)
    last = (
        Lesson.objects(course_id=course.id, removed_at=None)
        .order_by("-position")
        .only("position")
        .first()
    )
    now = timezone.now()
    lesson = Lesson(
        course_id=course.id,
        position=(last.position + 1) if last else 0,
        created_at=now,
        updated_at=now,
        body_html=render_markdown(cleaned.get("body", "")),
        **cleaned,
    )
    lesson.save(force_insert=True)
    return lesson


def lesson_update(
    *, lesson: Lesson, course: Course, user: Viewer | None = None, **fields: Any
) -> Lesson:
    """Edit a draft lesson; the published version keeps its snapshot until the next
    publish. Its completion policy is no snapshot: a change applies at once (the listeners
    of `catalog.completion` re-evaluate learners' progress, audited as `user`)."""
    _require_editable(course)
    if lesson.removed_at is not None:
        raise NotFound("Lesson not found.")
    cleaned = clean_lesson_fields(fields)
    if cleaned:
        before = completion_policy_of(lesson)
        changes = {**cleaned, **_renderings(cleaned, "body")}
        Lesson.objects(id=lesson.id).update_one(
            **{f"set__{name}": value for name, value in changes.items()},
            set__updated_at=timezone.now(),
        )
        lesson.reload()
        after = completion_policy_of(lesson)
        if after != before:
            lesson_facts_invalidate(lesson_ids=[lesson.id])
            completion_policy_listeners_run(
                CompletionPolicyChange(
                    lesson_id=str(lesson.id),
                    course_id=str(course.id),
                    before=before,
                    after=after,
                    actor_id=user_id_of(user) or 0,
                )
            )
    return lesson


def lesson_delete(*, lesson: Lesson, course: Course, user: Viewer) -> None:
    """Remove from the draft (soft): the published version still lists and plays it until
    the next publish, and a restore can bring it back."""
    _require_editable(course)
    if lesson.removed_at is not None:
        return
    now = timezone.now()
    removed = Lesson.objects(id=lesson.id, removed_at=None).update_one(
        set__removed_at=now, set__updated_at=now
    )
    lesson.reload()
    lesson_facts_invalidate(lesson_ids=[lesson.id])
    if not removed:  # a concurrent delete won (and recorded it)
        return
    _audit(user, "lesson.delete", LESSON, lesson.id, course_id=str(course.id), title=lesson.title)


def lesson_reorder(*, course: Course, lesson_ids: list[Any]) -> list[Lesson]:
    """Set the outline order. `lesson_ids` must name every lesson of the draft exactly once;
    otherwise 400 and nothing changes. Returns the lessons in their new order."""
    _require_editable(course)
    lessons = lessons_in_outline(course=course)
    by_id = {str(lesson.id): lesson for lesson in lessons}
    given = [str(value) for value in lesson_ids] if isinstance(lesson_ids, list) else None
    problems: list[str] = []
    if given is None:
        problems.append("Must be a list of lesson ids.")
    else:
        if len(set(given)) != len(given):
            problems.append("Each lesson may appear only once.")
        unknown = [value for value in given if value not in by_id]
        if unknown:
            problems.append(f"Not lessons of this course: {', '.join(sorted(set(unknown))[:5])}.")
        missing = set(by_id) - set(given)
        if missing:
            problems.append(f"Missing lessons of this course: {', '.join(sorted(missing)[:5])}.")
    if problems:
        raise ValidationError("Some fields are invalid.", errors={"lesson_ids": problems})
    assert given is not None
    now = timezone.now()
    operations = [
        UpdateOne({"_id": ObjectId(value)}, {"$set": {"position": index, "updated_at": now}})
        for index, value in enumerate(given)
    ]
    if operations:
        Lesson._get_collection().bulk_write(operations, ordered=False)
    for index, value in enumerate(given):
        by_id[value].position = index
    return [by_id[value] for value in given]


# ---------------------------------------------------------------- enrolment


VERIFY_EMAIL_FIRST = (
    "Verify your email address first: open the link we mailed you "
    "(or ask for a new one on your account page, /accounts/)."
)


def _enrollment_require_verified_email(*, user_id: int, course_id: str) -> None:
    """With REQUIRE_VERIFIED_EMAIL_TO_ENROL, an unverified user may browse but not enrol
    (403 `email_not_verified`). Read from the database: the access token carries no
    verification state. An enrolment that is already active stays answerable (200) either
    way."""
    if not settings.REQUIRE_VERIFIED_EMAIL_TO_ENROL or user_email_verified(user_id=user_id):
        return
    if Enrollment.objects.filter(
        user_id=user_id, course_id=course_id, status=EnrollmentStatus.ACTIVE
    ).exists():
        return
    raise EmailNotVerified(VERIFY_EMAIL_FIRST)


def enrollment_create(*, user: Viewer, course: Course) -> tuple[Enrollment, bool]:
    """Enrol (or re-activate a cancelled enrolment). The caller has checked in MongoDB that
    the course is published; only then is the SQL row committed. Returns (row, created)."""
    if course.status != CourseStatus.PUBLISHED:
        raise NotFound("Course not found.")
    user_id = require_user_id(user)
    course_id = str(course.id)
    _enrollment_require_verified_email(user_id=user_id, course_id=course_id)
    created = False
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update()
            .filter(user_id=user_id, course_id=course_id)
            .first()
        )
        if enrollment is None:
            try:
                with transaction.atomic():
                    enrollment = Enrollment.objects.create(user_id=user_id, course_id=course_id)
                    created = True
            except IntegrityError:  # a concurrent request enrolled first
                enrollment = Enrollment.objects.select_for_update().get(
                    user_id=user_id, course_id=course_id
                )
        if enrollment.status != EnrollmentStatus.ACTIVE:
            enrollment.status = EnrollmentStatus.ACTIVE
            enrollment.enrolled_at = timezone.now()
            enrollment.cancelled_at = None
            enrollment.save(update_fields=["status", "enrolled_at", "cancelled_at"])
            created = True
        enrollment_cache_invalidate(user_id=user_id, course_id=course_id)
    return enrollment, created


def enrollment_cancel(*, user: Viewer, course_id: str) -> None:
    user_id = require_user_id(user)
    with transaction.atomic():
        updated = Enrollment.objects.filter(
            user_id=user_id, course_id=course_id, status=EnrollmentStatus.ACTIVE
        ).update(status=EnrollmentStatus.CANCELLED, cancelled_at=timezone.now())
        if updated:
            enrollment_cache_invalidate(user_id=user_id, course_id=course_id)


# ---------------------------------------------------------------- a lesson's video


_VIDEO_OWNED_FIELDS = frozenset({"video", "duration_s", "updated_at"})


def lesson_video_update(*, query: dict[str, Any], update: dict[str, Any]) -> tuple[int, int]:
    """The one write path to a lesson's `video` subdocument, for playback's video state
    machine: a single conditional `update_one` (the caller's filter pins the generation it
    expects). Only `video.*`, the duration the ready video sets and `updated_at` may
    change; the rest of the lesson stays the catalogue's. Returns (matched, modified)."""
    for operator, fields in update.items():
        for name in fields:
            if name not in _VIDEO_OWNED_FIELDS and not name.startswith("video."):
                raise ValueError(f"{operator} {name}: only the lesson's video may change here")
    result = Lesson._get_collection().update_one(query, update)
    if result.modified_count:
        # The course pages show each lesson's video as ready, coming (an upload pending or
        # processing) or absent (a reading lesson): every video write may change that.
        catalog_cache_bump()
    return result.matched_count, result.modified_count


def lesson_video_changed(*, course_id: Any) -> None:
    """A lesson's playable video (and so its duration) changed: recompute the published
    duration and retire the cached listings (has_video and durations show there)."""
    course_refresh_published_stats(course_id=course_id)
    catalog_cache_bump()


def lesson_move(*, course: Course, lesson: Lesson, offset: int) -> list[Lesson]:
    """Swap a lesson with its neighbour (offset -1: up, +1: down) through the reorder
    service. Moving past either end changes nothing."""
    order = [item.id for item in lessons_in_outline(course=course)]
    index = order.index(lesson.id)
    target = index + offset
    if not 0 <= target < len(order):
        return lessons_in_outline(course=course)
    order[index], order[target] = order[target], order[index]
    return lesson_reorder(course=course, lesson_ids=order)
