"""Quiz reads: the staff view (with answer keys), the quiz a viewer is served (never with
them), and a learner's standing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from accounts.roles import Viewer, user_id_of
from assessments.documents import Quiz, QuizAttempt, QuizStanding, QuizVersion
from catalog.access import LessonAccess, lesson_get_watchable
from catalog.selectors import course_get_published_by_slug, lesson_get_for_instructor
from learnstream.errors import NotFound

ATTEMPTS_LISTED = 50


@dataclass(frozen=True)
class StaffQuiz:
    quiz: Quiz
    # The course version whose snapshot carries this lesson's quiz now (None: learners have
    # no quiz on this lesson yet, or the course is unpublished).
    published_version: int | None


@dataclass(frozen=True)
class ServedQuiz:
    """The quiz a viewer takes: the published version's, or the draft for course staff on a
    lesson that is not published yet (`version` None)."""

    quiz: Quiz | QuizVersion
    version: int | None
    lesson_oid: ObjectId
    course_oid: ObjectId
    access: LessonAccess


@dataclass(frozen=True)
class AttemptSummary:
    attempt: int
    score_percent: float
    passed: bool
    submitted_at: Any


@dataclass(frozen=True)
class Standing:
    attempts_used: int
    attempts_left: int | None
    best_score_percent: float | None
    passed: bool
    attempts: list[AttemptSummary]


def quiz_get_for_staff(*, user: Viewer, lesson_id: Any) -> StaffQuiz:
    """The lesson's draft quiz with its answer keys (course staff; 404 otherwise, and when
    the lesson has no quiz)."""
    lesson, course = lesson_get_for_instructor(user=user, lesson_id=lesson_id)
    quiz = Quiz.objects(lesson_id=lesson.id).first()
    if quiz is None:
        raise NotFound("This lesson has no quiz.")
    published = None
    if (
        course.version
        and QuizVersion.objects(lesson_id=lesson.id, version=course.version).only("id").first()
    ):
        published = int(course.version)
    return StaffQuiz(quiz=quiz, published_version=published)


def quiz_served_for_access(
    access: LessonAccess, *, course_version: int | None = None
) -> ServedQuiz | None:
    """The quiz of a lesson the viewer may watch, as they are served it (None: no quiz).
    A caller that has read the course's latest published version passes its number."""
    facts = access.facts
    lesson_oid, course_oid = ObjectId(facts.lesson_id), ObjectId(facts.course_id)
    if facts.course_published and facts.in_published_version:
        if course_version is None:
            course_version = int(course_get_published_by_slug(slug=facts.course_slug).version)
        snapshot = QuizVersion.objects(lesson_id=lesson_oid, version=course_version).first()
        if snapshot is None:
            return None
        return ServedQuiz(
            quiz=snapshot,
            version=course_version,
            lesson_oid=lesson_oid,
            course_oid=course_oid,
            access=access,
        )
    if access.is_course_staff:
        draft = Quiz.objects(lesson_id=lesson_oid).first()
        if draft is None:
            return None
        return ServedQuiz(
            quiz=draft, version=None, lesson_oid=lesson_oid, course_oid=course_oid, access=access
        )
    return None


def quiz_served_for_viewer(*, user: Viewer, lesson_id: Any) -> ServedQuiz:
    """404 (no such lesson for the viewer, or no quiz), then 403 (enrol first)."""
    access = lesson_get_watchable(user=user, lesson_id=lesson_id)
    served = quiz_served_for_access(access)
    if served is None:
        raise NotFound("This lesson has no quiz.")
    return served


def quiz_standing_get(*, user_id: int | None, served: ServedQuiz) -> Standing:
    """The learner's attempts on the lesson's quiz (newest first) and where they stand."""
    limit = served.quiz.max_attempts
    if user_id is None:
        return Standing(0, limit, None, False, [])
    standing = QuizStanding.objects(user_id=user_id, lesson_id=served.lesson_oid).first()
    rows = (
        QuizAttempt.objects(user_id=user_id, lesson_id=served.lesson_oid)
        .only("number", "score_percent", "passed", "submitted_at")
        .order_by("-number")
        .limit(ATTEMPTS_LISTED)
    )
    used = int(standing.attempts) if standing else 0
    return Standing(
        attempts_used=used,
        attempts_left=None if limit is None else max(0, int(limit) - used),
        best_score_percent=float(standing.best_percent) if standing and used else None,
        passed=bool(standing and standing.passed_at is not None),
        attempts=[
            AttemptSummary(
                attempt=row.number,
                score_percent=row.score_percent,
                passed=row.passed,
                submitted_at=row.submitted_at,
            )
            for row in rows
        ],
    )


def quiz_for_learner(*, user: Viewer, lesson_id: Any) -> tuple[ServedQuiz, Standing]:
    served = quiz_served_for_viewer(user=user, lesson_id=lesson_id)
    return served, quiz_standing_get(user_id=user_id_of(user), served=served)
