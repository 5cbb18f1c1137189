"""Catalogue reads: the published listing, course pages, instructor views, enrolments.

Every selector issues a fixed number of queries whatever the number of courses or lessons
(tests count them): lists are fetched with one query per store and joined in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bson import ObjectId
from django.conf import settings

from accounts.models import User
from accounts.roles import Viewer, is_admin, require_user_id, user_id_of
from catalog.access import course_is_staff
from catalog.catalog_cache import catalog_cached
from catalog.documents import (
    COURSE_SNAPSHOT_FIELDS,
    Course,
    CourseLevel,
    CourseStatus,
    CourseVersion,
    Lesson,
    stored_value,
)
from catalog.markdown import stored_or_rendered
from catalog.models import Enrollment, EnrollmentStatus
from catalog.pagination import Cursor, PageOf, cursor_decode, cursor_encode
from catalog.services import search_words
from catalog.validation import slug_errors
from catalog.video_state import (
    VideoReadiness,
    lesson_has_ready_video,
    lesson_video_coming,
    lesson_video_duration,
    lesson_video_readiness,
    lesson_video_state,
    video_state_label,
)
from learnstream.errors import NotFound, ValidationError
from learnstream.ids import object_id_or_404

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
INSTRUCTOR_PAGE_SIZE = 50


# ---------------------------------------------------------------- people (SQL)


def _user_names(user_ids: set[int]) -> dict[int, str]:
    """Display names for many users in one SQL query. (Read-only use of the accounts
    table: names live only there, and denormalising them into MongoDB would go stale.)"""
    if not user_ids:
        return {}

    return dict(User.objects.filter(id__in=user_ids).values_list("id", "name"))


def _instructor(owner_id: int, names: dict[int, str]) -> dict[str, Any]:
    return {"id": owner_id, "name": names.get(owner_id, "")}


# ---------------------------------------------------------------- published listing


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    level: str = ""
    language: str = ""
    tag: str = ""

    def as_params(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value}


def catalogue_filters_clean(
    *, q: Any = "", level: Any = "", language: Any = "", tag: Any = ""
) -> CatalogueFilters:
    """Validate the listing's query parameters (400 `validation_error` with field errors)."""
    errors: dict[str, list[str]] = {}
    values = {"q": q or "", "level": level or "", "language": language or "", "tag": tag or ""}
    for name, value in values.items():
        if not isinstance(value, str) or "\x00" in value:
            errors.setdefault(name, []).append("Invalid value.")
    if not errors:
        if len(values["q"]) > MAX_QUERY_LENGTH:
            errors["q"] = [f"At most {MAX_QUERY_LENGTH} characters."]
        if values["level"] and values["level"] not in CourseLevel.ALL:
            errors["level"] = [f"Choose one of: {', '.join(CourseLevel.ALL)}."]
        if len(values["language"]) > 16:
            errors["language"] = ["At most 16 characters."]
        if len(values["tag"]) > 40:
            errors["tag"] = ["At most 40 characters."]
    if errors:
        raise ValidationError("Invalid catalogue filters.", errors=errors)
    return CatalogueFilters(
        q=values["q"].strip(),
        level=values["level"],
        language=values["language"].strip(),
        tag=" ".join(values["tag"].strip().lower().split()),
    )


def _listing_filter(filters: CatalogueFilters) -> dict[str, Any]:
    query: dict[str, Any] = {"status": CourseStatus.PUBLISHED}
    words = search_words(filters.q)[:MAX_QUERY_WORDS]
    if words:
        # Each word must prefix one of the course's keywords. Escaped and anchored, so the
        # server can walk the keywords index; no $text (SecantusDB has none).
        query["$and"] = [
            {"published.keywords": {"$regex": "^" + re.escape(word)}} for word in words
        ]
    if filters.level:
        query["published.level"] = filters.level
    if filters.language:
        query["published.language"] = filters.language
    if filters.tag:
        query["published.tags"] = filters.tag
    return query


_SORT_KEY = "published.title"


def _after(cursor: Cursor, *, before: bool) -> dict[str, Any]:
    op = "$lt" if before else "$gt"
    return {
        "$or": [
            {_SORT_KEY: {op: cursor.key}},
            {_SORT_KEY: cursor.key, "_id": {op: ObjectId(cursor.id)}},
        ]
    }


def _listing_item(doc: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    published = doc.get("published") or {}
    return {
        "id": str(doc["_id"]),
        "slug": doc["slug"],
        "title": published.get("title", ""),
        "subtitle": published.get("subtitle", ""),
        "level": published.get("level", ""),
        "language": published.get("language", ""),
        "tags": list(published.get("tags") or []),
        "lesson_count": int(published.get("lesson_count") or 0),
        "duration_s": float(published.get("duration_s") or 0),
        "cover_url": published.get("cover_url") or "",
        "instructor": _instructor(doc["owner_id"], names),
        "_sort": published.get("title", ""),
    }


def _listing_page(filters: CatalogueFilters, cursor: Cursor | None, size: int) -> PageOf:
    query = _listing_filter(filters)
    backwards = cursor is not None and cursor.direction == "p"
    if cursor is not None:
        query = {"$and": [query, _after(cursor, before=backwards)]}
    order = -1 if backwards else 1
    docs = list(
        Course._get_collection()
        .find(query, {"slug": 1, "owner_id": 1, "published": 1})
        .sort([(_SORT_KEY, order), ("_id", order)])
        .limit(size + 1)
    )
    has_more = len(docs) > size
    docs = docs[:size]
    if backwards:
        docs.reverse()
    names = _user_names({doc["owner_id"] for doc in docs})
    items = [_listing_item(doc, names) for doc in docs]

    def anchor(item: dict[str, Any], direction: str) -> str:
        return cursor_encode(Cursor(key=item["_sort"], id=item["id"], direction=direction))

    next_cursor = previous_cursor = None
    if items:
        if has_more or backwards:
            next_cursor = anchor(items[-1], "n")
        if cursor is not None and (has_more or not backwards):
            previous_cursor = anchor(items[0], "p")
    for item in items:
        del item["_sort"]
    return PageOf(results=items, next_cursor=next_cursor, previous_cursor=previous_cursor)


def enrolled_course_ids(*, user: Viewer, course_ids: list[str]) -> set[str]:
    """Which of these courses the viewer is actively enrolled in (one query; none if anonymous)."""
    user_id = user_id_of(user)
    if user_id is None or not course_ids:
        return set()
    return set(
        Enrollment.objects.filter(
            user_id=user_id, course_id__in=course_ids, status=EnrollmentStatus.ACTIVE
        ).values_list("course_id", flat=True)
    )


def course_list_published(
    *,
    filters: CatalogueFilters | None = None,
    cursor: str | None = None,
    page_size: int | None = None,
) -> PageOf:
    """Published courses matching the filters, ordered by title (then id, so the order is
    total and pages never skip or repeat a course). Cached; see catalog_cache."""
    filters = filters or CatalogueFilters()
    size = page_size or settings.CATALOG_PAGE_SIZE
    decoded = cursor_decode(cursor) if cursor else None
    return catalog_cached(
        "list",
        {"f": filters.as_params(), "c": cursor or "", "s": size},
        lambda: _listing_page(filters, decoded, size),
    )


def catalogue_languages() -> list[str]:
    """Languages of published courses, for the catalogue's filter (cached)."""

    def compute() -> list[str]:
        values = Course._get_collection().distinct(
            "published.language", {"status": CourseStatus.PUBLISHED}
        )
        return sorted(value for value in values if value)

    return catalog_cached("languages", {}, compute)


# ---------------------------------------------------------------- one published course


def course_get_published_by_slug(*, slug: Any) -> Course:
    """The published course with this slug; drafts, archived and unknown slugs are 404."""
    if slug_errors(slug):
        raise NotFound("Course not found.")
    course = Course.objects(slug=slug, status=CourseStatus.PUBLISHED).first()
    if course is None:
        raise NotFound("Course not found.")
    return course


def lesson_video_readiness_by_id(*, lesson_id: Any) -> str:
    """`catalog.video_state.lesson_video_readiness` for a lesson id, read now (not from the
    cached facts): an explicit completion must see the video as it is."""
    lesson = Lesson.objects(id=object_id_or_404(lesson_id, "Lesson")).only("video").first()
    return lesson_video_readiness(lesson) if lesson is not None else VideoReadiness.NONE


def lesson_has_ready_video_by_id(*, lesson_id: Any) -> bool:
    """`catalog.video_state.lesson_has_ready_video` for a lesson id (one small read); an
    unknown lesson has none. Callers have already checked the viewer may see the lesson."""
    lesson = Lesson.objects(id=object_id_or_404(lesson_id, "Lesson")).only("video").first()
    return lesson is not None and lesson_has_ready_video(lesson)


def course_get_enrollable_or_enrolled(*, slug: Any) -> Course:
    """A course a student may hold an enrolment in: published, or archived since (so they
    can still leave it). Drafts and unknown slugs are 404."""
    if slug_errors(slug):
        raise NotFound("Course not found.")
    course = Course.objects(
        slug=slug, status__in=[CourseStatus.PUBLISHED, CourseStatus.ARCHIVED]
    ).first()
    if course is None or not course.version:
        raise NotFound("Course not found.")
    return course


@dataclass(frozen=True)
class OutlineLesson:
    """A lesson in a course outline: never its playback id."""

    id: str
    title: str
    position: int
    duration_s: float
    is_preview: bool
    has_video: bool  # a ready video plays now
    video_coming: bool = False  # none plays yet, but one is being uploaded or processed


@dataclass(frozen=True)
class OutlineSection:
    title: str
    lessons: tuple[OutlineLesson, ...]


@dataclass(frozen=True)
class InstructorRef:
    id: int
    name: str


@dataclass(frozen=True)
class EnrollmentSummary:
    status: str
    enrolled_at: datetime


# The snapshot fields the course page shows, its description rendered.
COURSE_PAGE_FIELDS = tuple(
    "description_html" if name == "description" else name for name in COURSE_SNAPSHOT_FIELDS
)


def _page_fields(source: Course | CourseVersion, *, description_html: str) -> dict[str, Any]:
    """`COURSE_PAGE_FIELDS` of a draft or a published version, as plain data (cached)."""
    values = {
        name: stored_value(source, name, declared_by=Course)
        for name in COURSE_SNAPSHOT_FIELDS
        if name != "description"
    }
    return {**values, "tags": tuple(values["tags"]), "description_html": description_html}


@dataclass(frozen=True)
class CourseDetail:
    """A course as students see it: the published version's fields and outline with live
    video facts. The viewer-independent part is cached (pickled), so every field is plain
    data; `enrollment` is the viewer's own and never cached."""

    id: str
    slug: str
    title: str
    subtitle: str
    description_html: str
    level: str
    language: str
    tags: tuple[str, ...]
    cover_url: str
    instructor: InstructorRef
    lesson_count: int
    duration_s: float
    sections: tuple[OutlineSection, ...]
    version: int | None = None  # None: the draft (a staff preview)
    published_at: datetime | None = None
    instructor_ids: tuple[int, ...] = ()
    enrollment: EnrollmentSummary | None = None

    @property
    def lessons_in_order(self) -> list[OutlineLesson]:
        return [lesson for section in self.sections for lesson in section.lessons]


@dataclass(frozen=True)
class CourseDraftDetail(CourseDetail):
    """The draft in the shape of the public course page, with its lesson documents."""

    lessons: tuple[Lesson, ...] = ()


def course_outline_sections(
    lessons: list[tuple[str, OutlineLesson]],
) -> tuple[OutlineSection, ...]:
    """Group (section, lesson) pairs (already ordered by position) by section, sections in
    order of first appearance."""
    sections: dict[str, list[OutlineLesson]] = {}
    for section, lesson in lessons:
        sections.setdefault(section, []).append(lesson)
    return tuple(
        OutlineSection(title=title, lessons=tuple(items)) for title, items in sections.items()
    )


def _instructor_ref(owner_id: int) -> InstructorRef:
    return InstructorRef(**_instructor(owner_id, _user_names({owner_id})))


def _public_detail(slug: str) -> CourseDetail:
    course = course_get_published_by_slug(slug=slug)
    snapshot = CourseVersion.objects(course_id=course.id, version=course.version).first()
    if snapshot is None:  # the pointer is written after the snapshot, so this is a bug
        raise NotFound("Course not found.")
    ordered = sorted(snapshot.lessons, key=lambda item: item.position)
    # Live video facts for every lesson in one query; the playback id is never read out.
    live = {
        lesson.id: lesson
        for lesson in Lesson.objects(id__in=[item.lesson_id for item in ordered]).only(
            "duration_s",
            "video.current.state",
            "video.current.duration_s",
            "video.current.playback_id",
            "video.pending.state",
        )
    }
    lessons = []
    for item in ordered:
        lesson = live.get(item.lesson_id)
        outline = OutlineLesson(
            id=str(item.lesson_id),
            title=item.title,
            position=item.position,
            duration_s=lesson_video_duration(lesson) if lesson else 0.0,
            is_preview=bool(item.is_preview),
            has_video=bool(lesson and lesson_has_ready_video(lesson)),
            video_coming=bool(lesson and lesson_video_coming(lesson)),
        )
        lessons.append((item.section or "", outline))
    return CourseDetail(
        id=str(course.id),
        slug=course.slug,
        **_page_fields(snapshot, description_html=snapshot.description_html or ""),
        version=snapshot.version,
        published_at=snapshot.published_at,
        instructor=_instructor_ref(course.owner_id),
        instructor_ids=tuple(course.instructor_ids()),
        lesson_count=len(lessons),
        duration_s=sum(outline.duration_s for _, outline in lessons),
        sections=course_outline_sections(lessons),
    )


def enrollment_get(*, user: Viewer, course_id: str) -> Enrollment | None:
    user_id = user_id_of(user)
    if user_id is None:
        return None
    return Enrollment.objects.filter(user_id=user_id, course_id=course_id).first()


def enrollment_summary(enrollment: Enrollment | None) -> EnrollmentSummary | None:
    if enrollment is None:
        return None
    return EnrollmentSummary(status=enrollment.status, enrolled_at=enrollment.enrolled_at)


def course_detail_for_viewer(*, user: Viewer, slug: Any) -> CourseDetail:
    """The published course as a student sees it: the latest version's outline with live
    video facts (has_video, video_coming, duration; never a playback id) and the viewer's enrolment
    (`null` or `{status, enrolled_at}`). The public part is cached."""
    detail = course_detail_public(slug=slug)
    enrollment = enrollment_summary(enrollment_get(user=user, course_id=detail.id))
    return replace(detail, enrollment=enrollment)


def course_detail_public(*, slug: Any) -> CourseDetail:
    """The part of the course detail that is the same for every viewer (cached)."""
    if slug_errors(slug):
        raise NotFound("Course not found.")
    return catalog_cached("course-detail", {"slug": slug}, lambda: _public_detail(slug))


# ---------------------------------------------------------------- instructors


def course_get_for_instructor(*, user: Viewer, course_id: Any) -> Course:
    """A course its owner, a co-instructor or an admin may edit; anyone else gets 404 (not
    403: they may not learn that it exists)."""
    course_oid = object_id_or_404(course_id, "Course")
    course = Course.objects(id=course_oid).first()
    if course is None or not course_is_staff(user=user, instructor_ids=course.instructor_ids()):
        raise NotFound("Course not found.")
    return course


def lesson_get_for_instructor(*, user: Viewer, lesson_id: Any) -> tuple[Lesson, Course]:
    """A (not removed) lesson and its course, for its course's staff; else 404."""
    lesson_oid = object_id_or_404(lesson_id, "Lesson")
    lesson = Lesson.objects(id=lesson_oid, removed_at=None).first()
    if lesson is None:
        raise NotFound("Lesson not found.")
    try:
        course = course_get_for_instructor(user=user, course_id=lesson.course_id)
    except NotFound:
        raise NotFound("Lesson not found.") from None
    return lesson, course


def course_lessons_for_instructor(*, course_ids: list[ObjectId]) -> dict[ObjectId, list[Lesson]]:
    """Draft lessons (not removed) of many courses, ordered by position, in one query."""
    grouped: dict[ObjectId, list[Lesson]] = {course_id: [] for course_id in course_ids}
    for lesson in Lesson.objects(course_id__in=course_ids, removed_at=None).order_by(
        "course_id", "position"
    ):
        grouped.setdefault(lesson.course_id, []).append(lesson)
    return grouped


@dataclass(frozen=True)
class NumberedPage:
    results: list[Any]
    page: int
    has_next: bool
    total: int | None = None  # only when asked for (it costs a count query)

    def page_count(self, *, per_page: int) -> int:
        """Pages needed for `total` results (at least one); needs the page built `with_total`."""
        if self.total is None:
            raise ValueError("The page was built without with_total=True; it has no total.")
        return max((self.total + per_page - 1) // per_page, 1)


def page_number(page: Any) -> int:
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or number > 100000:
        raise ValidationError("Invalid page.", errors={"page": ["A positive page number."]})
    return number


def _courses_taught_filter(user: Viewer) -> dict[str, Any]:
    """The courses a user may edit: owned or co-taught (admins: every course)."""
    if is_admin(user):
        return {}
    user_id = require_user_id(user)
    return {"$or": [{"owner_id": user_id}, {"co_instructor_ids": user_id}]}


def _text_match(text: str) -> dict[str, Any]:
    return {"$regex": re.escape(text), "$options": "i"}


def course_list_for_instructor(
    *,
    user: Viewer,
    page: Any = 1,
    q: str = "",
    status: str = "",
    page_size: int = INSTRUCTOR_PAGE_SIZE,
    with_total: bool = False,
) -> NumberedPage:
    """Courses the user owns or co-teaches (an admin: every course), newest first;
    optionally those whose title or slug contains `q` (case-insensitive) and those in one
    `status`. `with_total` adds the number of matching courses (one more query)."""
    number = page_number(page)
    if status and status not in CourseStatus.ALL:
        raise ValidationError(
            "Invalid filter.", errors={"status": [f"Choose one of: {', '.join(CourseStatus.ALL)}."]}
        )
    conditions = [condition for condition in [_courses_taught_filter(user)] if condition]
    if status:
        conditions.append({"status": status})
    q = (q or "").strip()[:MAX_QUERY_LENGTH]
    if q:
        conditions.append({"$or": [{"title": _text_match(q)}, {"slug": _text_match(q)}]})
    query = Course.objects(__raw__={"$and": conditions} if conditions else {})
    start = (number - 1) * page_size
    courses = list(query.order_by("-id").skip(start).limit(page_size + 1))
    return NumberedPage(
        results=courses[:page_size],
        page=number,
        has_next=len(courses) > page_size,
        total=query.count() if with_total else None,
    )


def course_ids_taught(*, user: Viewer) -> list[str]:
    """Ids of every course the user may edit (admins: every course), in one query."""
    return [
        str(course.id) for course in Course.objects(__raw__=_courses_taught_filter(user)).only("id")
    ]


def course_versions_list(*, course: Course) -> list[CourseVersion]:
    return list(
        CourseVersion.objects(course_id=course.id)
        .only("version", "published_at", "published_by", "restored_from")
        .order_by("-version")
    )


# ---------------------------------------------------------------- publishing checks


@dataclass(frozen=True)
class PublishProblem:
    """Something students would meet if the draft were published now."""

    code: str  # "no_lessons" (publishing is refused) or "video_not_ready" (may be confirmed)
    message: str
    blocking: bool
    lesson_id: str | None = None
    lesson_title: str = ""


def course_publish_problems(*, lessons: list[Lesson]) -> list[PublishProblem]:
    """What is wrong with publishing the draft outline `lessons` (in outline order).

    A course without lessons gives students nothing: that blocks publishing. A lesson whose
    video is not ready (waiting for its upload, processing, failed or removed) shows students
    "not available yet" and cannot be completed; publishing it anyway is allowed once
    confirmed, since the lesson starts playing by itself when its video turns ready.
    """
    if not lessons:
        return [
            PublishProblem(
                code="no_lessons",
                message="The course has no lesson: add at least one before publishing.",
                blocking=True,
            )
        ]
    problems = []
    for lesson in lessons:
        if lesson_video_readiness(lesson) != VideoReadiness.NOT_READY:
            continue
        state = lesson_video_state(lesson)
        shown = lesson.video.pending if lesson.video.pending is not None else lesson.video.current
        problems.append(
            PublishProblem(
                code="video_not_ready",
                message=f"Its video is not ready: {video_state_label(state, shown.error)}.",
                blocking=False,
                lesson_id=str(lesson.id),
                lesson_title=lesson.title,
            )
        )
    return problems


# ---------------------------------------------------------------- titles


def catalog_titles(*, course_ids: set[str], lesson_ids: set[str]) -> dict[str, str]:
    """Titles of courses and lessons by id (removed lessons included), two queries; ids
    that name nothing are left out."""
    titles: dict[str, str] = {}
    course_oids = [ObjectId(value) for value in course_ids if ObjectId.is_valid(value)]
    lesson_oids = [ObjectId(value) for value in lesson_ids if ObjectId.is_valid(value)]
    if course_oids:
        for row in Course._get_collection().find({"_id": {"$in": course_oids}}, {"title": 1}):
            titles[str(row["_id"])] = row.get("title") or ""
    if lesson_oids:
        for row in Lesson._get_collection().find({"_id": {"$in": lesson_oids}}, {"title": 1}):
            titles[str(row["_id"])] = row.get("title") or ""
    return titles


# ---------------------------------------------------------------- the draft, as students see it


def course_draft_detail(*, course: Course) -> CourseDraftDetail:
    """The draft of `course` in the shape of the public course page (`_public_detail`), for
    its staff's preview: what students would see if it were published now."""
    lessons = list(Lesson.objects(course_id=course.id, removed_at=None).order_by("position"))
    items = [
        (
            lesson.section or "",
            OutlineLesson(
                id=str(lesson.id),
                title=lesson.title,
                position=index,
                duration_s=lesson_video_duration(lesson),
                is_preview=bool(lesson.is_preview),
                has_video=lesson_has_ready_video(lesson),
                video_coming=lesson_video_coming(lesson),
            ),
        )
        for index, lesson in enumerate(lessons)
    ]
    return CourseDraftDetail(
        id=str(course.id),
        slug=course.slug,
        **_page_fields(
            course,
            description_html=stored_or_rendered(course.description_html, course.description),
        ),
        instructor=_instructor_ref(course.owner_id),
        lesson_count=len(items),
        duration_s=sum(item.duration_s for _, item in items),
        sections=course_outline_sections(items),
        lessons=tuple(lessons),
    )
