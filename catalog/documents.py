"""The catalogue in MongoDB: courses (the editable draft), lessons, published versions.

Students always see the latest `CourseVersion` of a published course; instructors edit the
`Course` and `Lesson` documents (the draft). Lesson ids survive publish and restore.
"""

from __future__ import annotations

from typing import Any

import mongoengine as me
from django.conf import settings
from django.utils import timezone

from catalog.lesson_video import LessonVideo

# `\Z`, not `$`: mongoengine (and `re.match`) let `$` match before a trailing newline.
SLUG_REGEX = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"


class CourseStatus:
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    ALL = (DRAFT, PUBLISHED, ARCHIVED)


class CourseLevel:
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    ALL = (BEGINNER, INTERMEDIATE, ADVANCED)


def _meta(collection: str, indexes: list) -> dict:
    return {
        "collection": collection,
        "indexes": indexes,
        "auto_create_index": settings.MONGODB_AUTO_CREATE_INDEX,
    }


class PublishedSummary(me.EmbeddedDocument):
    """What the catalogue lists for a published course, copied from its latest version so
    the listing is one indexed query."""

    version = me.IntField(min_value=1)
    title = me.StringField()
    subtitle = me.StringField()
    level = me.StringField()
    language = me.StringField()
    tags = me.ListField(me.StringField())
    # Lower-cased words of title, subtitle and tags: the catalogue search matches their
    # prefixes with anchored regexes (no $text index needed, so any MongoDB-wire server works).
    keywords = me.ListField(me.StringField())
    cover_url = me.StringField()
    lesson_count = me.IntField(default=0)
    duration_s = me.FloatField(default=0)
    published_at = me.DateTimeField()


# Course and lesson fields are declared once, on the documents below: type, limits, default,
# and for the editing forms a `verbose_name` (when the name in words is not the label) and
# a `help_text` (mongoengine keeps both as field metadata). The API serializers
# (`catalog.api_fields`), the admin forms (`admin_site.form_fields`) and the validation
# (`catalog.validation`) are made from them and from these tuples.
#
# The course fields a published version snapshots, in the order the publish page lists
# them: the snapshot, the restore, the publish diff and the admin form iterate this tuple.
COURSE_SNAPSHOT_FIELDS = (
    "title",
    "subtitle",
    "description",
    "cover_url",
    "level",
    "language",
    "tags",
)
# The fields an instructor edits (the API, the admin form and the validation accept these).
COURSE_EDITABLE_FIELDS = ("title", "slug", *COURSE_SNAPSHOT_FIELDS[1:])
# The lesson fields a version snapshots and restores (besides its id and position).
LESSON_SNAPSHOT_FIELDS = ("title", "section", "summary", "body", "is_preview")
# How a learner completes the lesson (`catalog.completion.CompletionPolicy`). Progress rules,
# not content: they apply as soon as they are saved, to every learner, published or not.
LESSON_COMPLETION_FIELDS = (
    "completion_share",
    "credits_start_s",
    "max_credited_rate",
    "reading_mode",
    "reading_min_s",
)
LESSON_EDITABLE_FIELDS = (*LESSON_SNAPSHOT_FIELDS, *LESSON_COMPLETION_FIELDS)


class ReadingMode:
    """How a lesson without video is completed."""

    MARK_COMPLETE = "mark_complete"  # the learner says so
    TIME_ON_PAGE = "time_on_page"  # completes once the page has been open reading_min_s
    ALL = (MARK_COMPLETE, TIME_ON_PAGE)


def field_label(field: me.fields.BaseField) -> str:
    """How forms name a field: its `verbose_name`, else its name in words."""
    return getattr(field, "verbose_name", None) or field.name.replace("_", " ").capitalize()


def stored_value(
    document: me.Document, name: str, *, declared_by: type[me.Document] | None = None
) -> Any:
    """A field's value as readers expect it: text its declaration (`declared_by`, for a
    snapshot: `Course`) defaults to empty is empty, not None (documents saved before the
    field existed, snapshots of them)."""
    value = getattr(document, name)
    if value is None and (declared_by or type(document))._fields[name].default == "":
        return ""
    return value


def max_lengths(document: type[me.Document], names: tuple[str, ...]) -> dict[str, int]:
    """The length limits of the text fields among `names`, read from the declaration."""
    limits = {}
    for name in names:
        field = document._fields[name]
        if isinstance(field, me.StringField) and field.max_length:
            limits[name] = field.max_length
    return limits


class Course(me.Document):
    slug = me.StringField(required=True, max_length=80, regex=SLUG_REGEX)
    title = me.StringField(required=True, max_length=200)
    subtitle = me.StringField(max_length=300, default="")
    description = me.StringField(
        max_length=20000, default="", help_text="Markdown. Use “Preview” to see it rendered."
    )
    # `description` rendered when it was saved (None on documents saved before: rendered and
    # stored on first use).
    description_html = me.StringField()
    cover_url = me.StringField(
        max_length=500,
        default="",
        verbose_name="Cover image URL",
        help_text="An http(s) URL of a public image.",
    )
    level = me.StringField(choices=CourseLevel.ALL, default=CourseLevel.BEGINNER)
    language = me.StringField(
        max_length=16, default="en", help_text="A code such as en, fr or pt-BR."
    )
    tags = me.ListField(me.StringField(max_length=40), max_length=20, default=list)
    owner_id = me.IntField(required=True)
    co_instructor_ids = me.ListField(me.IntField(), default=list)
    status = me.StringField(choices=CourseStatus.ALL, default=CourseStatus.DRAFT)
    version = me.IntField(default=0)  # the latest published version; 0 before the first
    published = me.EmbeddedDocumentField(PublishedSummary)
    # Bumped on every draft write: a stale form (admin) or PATCH can be refused (409).
    revision = me.IntField(default=1)
    created_at = me.DateTimeField(default=timezone.now)
    updated_at = me.DateTimeField(default=timezone.now)

    meta = _meta(
        "courses",
        [
            {"fields": ["slug"], "unique": True},
            "owner_id",
            "co_instructor_ids",
            ("status", "published.title"),
            ("status", "published.keywords"),
            ("status", "published.tags"),
            ("status", "published.level", "published.language"),
        ],
    )

    def instructor_ids(self) -> list[int]:
        return [self.owner_id, *self.co_instructor_ids]


class Lesson(me.Document):
    course_id = me.ObjectIdField(required=True)
    section = me.StringField(
        max_length=200,
        default="",
        help_text="Lessons with the same section are listed together.",
    )
    title = me.StringField(required=True, max_length=200)
    summary = me.StringField(max_length=2000, default="")
    body = me.StringField(
        max_length=50000,
        default="",
        verbose_name="Notes",
        help_text="Markdown, shown under the video.",
    )
    body_html = me.StringField()  # `body` rendered when saved (None: not yet, see above)
    position = me.IntField(required=True, min_value=0)
    is_preview = me.BooleanField(
        default=False,
        verbose_name="Free preview",
        help_text="Any signed-in visitor may watch a preview lesson without enrolling.",
    )
    duration_s = me.FloatField(default=0, min_value=0)
    video = me.EmbeddedDocumentField(LessonVideo, default=LessonVideo)
    # Completion policy (LESSON_COMPLETION_FIELDS); None: the site-wide setting.
    completion_share = me.FloatField(null=True)  # share of the content to watch, 0 < x <= 1
    credits_start_s = me.FloatField(null=True)  # nothing after this second needs watching
    max_credited_rate = me.FloatField(null=True)  # fastest playback credited in full
    reading_mode = me.StringField(choices=ReadingMode.ALL, default=ReadingMode.MARK_COMPLETE)
    reading_min_s = me.IntField(default=0, min_value=0)  # time on the page before completion
    # Removing a lesson from the draft keeps the document: published versions that list it
    # still play it until the next publish, and a restore can bring it back.
    removed_at = me.DateTimeField()
    created_at = me.DateTimeField(default=timezone.now)
    updated_at = me.DateTimeField(default=timezone.now)

    meta = _meta(
        "lessons",
        [("course_id", "position"), "video.pending.upload_id", "video.pending.asset_id"],
    )


class VersionLesson(me.EmbeddedDocument):
    lesson_id = me.ObjectIdField(required=True)
    title = me.StringField()
    section = me.StringField()
    summary = me.StringField()
    body = me.StringField()
    body_html = me.StringField()  # rendered at publish (None in older versions)
    position = me.IntField()
    is_preview = me.BooleanField(default=False)


class CourseVersion(me.Document):
    """An immutable snapshot of a course as students see it, made at each publish."""

    course_id = me.ObjectIdField(required=True)
    version = me.IntField(required=True, min_value=1)
    published_at = me.DateTimeField(required=True)
    published_by = me.IntField(required=True)
    restored_from = me.IntField()
    title = me.StringField()
    subtitle = me.StringField()
    description = me.StringField()
    description_html = me.StringField()
    cover_url = me.StringField()
    level = me.StringField()
    language = me.StringField()
    tags = me.ListField(me.StringField())
    lessons = me.ListField(me.EmbeddedDocumentField(VersionLesson))

    meta = _meta("course_versions", [{"fields": ["course_id", "-version"], "unique": True}])

    def lesson(self, lesson_id) -> VersionLesson | None:
        return next((item for item in self.lessons if item.lesson_id == lesson_id), None)
