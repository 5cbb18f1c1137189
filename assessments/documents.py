"""Quizzes in MongoDB: the draft an instructor edits, the versions learners take, and the
learners' attempts.

A quiz belongs to one lesson: a quiz lesson, or questions shown inside a video lesson at
`at_s` seconds. Like the lesson itself, the quiz learners see is the one snapshotted when
the course was published (`QuizVersion`, one per lesson and course version); edits to the
draft (`Quiz`) reach them at the next publish. Answer keys (`answers`, `tolerance`) live in
both; only the staff API ever returns them.
"""

from __future__ import annotations

import mongoengine as me
from django.conf import settings
from django.utils import timezone


class QuestionKind:
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    NUMERIC = "numeric"
    ALL = (SINGLE, MULTIPLE, TRUE_FALSE, SHORT_ANSWER, NUMERIC)
    WITH_CHOICES = (SINGLE, MULTIPLE)


def _meta(collection: str, indexes: list) -> dict:
    return {
        "collection": collection,
        "indexes": indexes,
        "auto_create_index": settings.MONGODB_AUTO_CREATE_INDEX,
    }


class Question(me.EmbeddedDocument):
    qid = me.StringField(required=True, max_length=40)  # "id" in the API
    kind = me.StringField(required=True, choices=QuestionKind.ALL)
    prompt = me.StringField(required=True, max_length=2000)
    choices = me.ListField(me.StringField(max_length=500), default=list)
    # The answer key: choice texts (single, multiple), [true|false], accepted texts
    # (short_answer) or [number] (numeric).
    answers = me.ListField(me.DynamicField(), default=list)
    tolerance = me.FloatField(default=0)  # numeric: |given - answer| <= tolerance
    points = me.IntField(default=1, min_value=0)
    feedback = me.StringField(max_length=2000, default="")
    at_s = me.FloatField()  # shown inside the video at this second; None: after the lesson


# The quiz fields a published version snapshots (besides the lesson and its questions).
QUIZ_SNAPSHOT_FIELDS = ("pass_percent", "max_attempts", "show_answers", "questions")


class Quiz(me.Document):
    """The draft quiz of a lesson (at most one)."""

    lesson_id = me.ObjectIdField(required=True)
    course_id = me.ObjectIdField(required=True)
    pass_percent = me.IntField(min_value=0, max_value=100, default=70)
    max_attempts = me.IntField(min_value=1)  # None: unlimited
    show_answers = me.BooleanField(default=False)
    questions = me.ListField(me.EmbeddedDocumentField(Question), default=list)
    revision = me.IntField(default=1)
    created_at = me.DateTimeField(default=timezone.now)
    updated_at = me.DateTimeField(default=timezone.now)

    meta = _meta("quizzes", [{"fields": ["lesson_id"], "unique": True}, "course_id"])


class QuizVersion(me.Document):
    """The quiz of a lesson as published with course version `version` (immutable)."""

    lesson_id = me.ObjectIdField(required=True)
    course_id = me.ObjectIdField(required=True)
    version = me.IntField(required=True, min_value=1)
    pass_percent = me.IntField(default=70)
    max_attempts = me.IntField()
    show_answers = me.BooleanField(default=False)
    questions = me.ListField(me.EmbeddedDocumentField(Question), default=list)
    published_at = me.DateTimeField(default=timezone.now)

    meta = _meta(
        "quiz_versions",
        [{"fields": ["lesson_id", "version"], "unique": True}, ("course_id", "version")],
    )


class QuizStanding(me.Document):
    """A learner's standing on a lesson's quiz: attempts used (the counter that enforces
    `max_attempts`, moved by one conditional update), best score, when they first passed."""

    user_id = me.IntField(required=True)
    lesson_id = me.ObjectIdField(required=True)
    course_id = me.ObjectIdField(required=True)
    attempts = me.IntField(default=0)
    best_percent = me.FloatField(default=0)
    passed_at = me.DateTimeField()
    passed_version = me.IntField()
    updated_at = me.DateTimeField()

    meta = _meta(
        "quiz_standings",
        [{"fields": ["user_id", "lesson_id"], "unique": True}, ("course_id", "user_id")],
    )


class QuizAttempt(me.Document):
    """One graded attempt (number n of the learner's attempts on the lesson's quiz)."""

    user_id = me.IntField(required=True)
    lesson_id = me.ObjectIdField(required=True)
    course_id = me.ObjectIdField(required=True)
    version = me.IntField()  # the course version whose quiz was taken (None: a draft)
    number = me.IntField(required=True, min_value=1)
    answers = me.DictField()
    points_earned = me.IntField(default=0)
    points_possible = me.IntField(default=0)
    score_percent = me.FloatField(default=0)
    passed = me.BooleanField(default=False)
    results = me.ListField(me.DictField(), default=list)
    submitted_at = me.DateTimeField(default=timezone.now)

    meta = _meta(
        "quiz_attempts",
        [
            {"fields": ["user_id", "lesson_id", "number"], "unique": True},
            ("course_id", "lesson_id"),
        ],
    )


class CompletionRules(me.Document):
    """What a learner must do to complete a course. A list left None means the default
    rule: every lesson with a video or a quiz, and every quiz, of the published version.
    Ids not in the published version are ignored until a version lists them."""

    course_id = me.ObjectIdField(required=True)
    required_lesson_ids = me.ListField(me.ObjectIdField(), null=True, default=None)
    required_quiz_lesson_ids = me.ListField(me.ObjectIdField(), null=True, default=None)
    certificates = me.BooleanField(default=True)  # certificates are issued on completion
    updated_at = me.DateTimeField(default=timezone.now)
    updated_by = me.IntField()

    meta = _meta("completion_rules", [{"fields": ["course_id"], "unique": True}])


class Certificate(me.Document):
    """A course certificate: issued once per learner and course version when the learner
    completes the course. What it certifies is copied here at issue time (names, title)."""

    user_id = me.IntField(required=True)
    course_id = me.ObjectIdField(required=True)
    course_version = me.IntField(required=True)
    course_slug = me.StringField(required=True)
    course_title = me.StringField(required=True)
    learner_name = me.StringField(default="")
    instructor_name = me.StringField(default="")
    issued_at = me.DateTimeField(required=True)
    revoked_at = me.DateTimeField()
    revoked_reason = me.StringField(max_length=500)
    revoked_by = me.IntField()

    meta = _meta(
        "certificates",
        [
            {"fields": ["user_id", "course_id", "course_version"], "unique": True},
            ("course_id", "issued_at"),
            "revoked_at",
        ],
    )
