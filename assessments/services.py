"""Quiz writes: the instructor's draft, its snapshot at publish, and graded attempts.

- `quiz_put` / `quiz_delete` change the draft only; learners keep the quiz of the published
  version until the course is published again (`quiz_snapshot_publish`, run by the
  catalogue's publish hook before the course points at the new version).
- `quiz_attempt_submit` grades on the server. The answers are checked first (a bad shape is
  a 400 and nothing is written); then one attempt is reserved by ONE conditional update of
  the learner's counter (`attempts < max_attempts`), so racing submissions can never use
  more attempts than allowed, and a refused one (409) writes nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.utils import timezone
from pymongo.errors import DuplicateKeyError

from accounts.personal_data import PersonalDataHandler, personal_data_register
from accounts.roles import Viewer, require_user_id
from assessments.completion import course_completion_for_viewer
from assessments.documents import (
    QUIZ_SNAPSHOT_FIELDS,
    Certificate,
    Question,
    Quiz,
    QuizAttempt,
    QuizStanding,
    QuizVersion,
)
from assessments.grading import CleanQuestion, Grade, quiz_grade, quiz_questions_clean
from assessments.selectors import ServedQuiz, quiz_served_for_viewer
from catalog.documents import CourseStatus
from catalog.publish_hooks import PublishedSnapshot, publish_listener_register
from catalog.selectors import lesson_get_for_instructor
from catalog.video_state import lesson_has_ready_video, lesson_video_duration
from learnstream.audit import audit_record
from learnstream.errors import Conflict, NotFound, PermissionDenied

LESSON = "lesson"


def _now_ms() -> Any:
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _question_document(question: CleanQuestion) -> Question:
    return Question(
        qid=question.qid,
        kind=question.kind,
        prompt=question.prompt,
        choices=question.choices,
        answers=question.answers,
        tolerance=question.tolerance,
        points=question.points,
        feedback=question.feedback,
        at_s=question.at_s,
    )


# ---------------------------------------------------------------- the instructor's draft


def quiz_put(
    *,
    user: Viewer,
    lesson_id: Any,
    questions: list[dict[str, Any]],
    pass_percent: int = 70,
    max_attempts: int | None = None,
    show_answers: bool = False,
) -> Quiz:
    """Create or replace the lesson's draft quiz (course staff; 404 for anyone else). An
    invalid quiz is a 400 naming the question, and the stored draft stays as it was."""
    lesson, course = lesson_get_for_instructor(user=user, lesson_id=lesson_id)
    if course.status == CourseStatus.ARCHIVED:
        raise Conflict("This course is archived; it can no longer be changed.")
    duration = lesson_video_duration(lesson) if lesson_has_ready_video(lesson) else None
    cleaned = quiz_questions_clean(questions, video_duration_s=duration or None)
    now = _now_ms()
    raw = {
        "pass_percent": pass_percent,
        "max_attempts": max_attempts,
        "show_answers": show_answers,
        "questions": [_question_document(q).to_mongo().to_dict() for q in cleaned],
    }
    Quiz._get_collection().update_one(
        {"lesson_id": lesson.id},
        {
            "$set": {**raw, "course_id": course.id, "updated_at": now},
            "$inc": {"revision": 1},
            "$setOnInsert": {"created_at": now},
        },
        upsert=True,
    )
    quiz = Quiz.objects(lesson_id=lesson.id).first()
    assert quiz is not None
    audit_record(
        actor_id=require_user_id(user),
        action="quiz.update",
        target_type=LESSON,
        target_id=lesson.id,
        details={"course_id": str(course.id), "questions": len(cleaned)},
    )
    return quiz


def quiz_delete(*, user: Viewer, lesson_id: Any) -> None:
    """Remove the lesson's draft quiz (404 when it has none). The published version keeps
    its quiz until the next publish."""
    lesson, course = lesson_get_for_instructor(user=user, lesson_id=lesson_id)
    if course.status == CourseStatus.ARCHIVED:
        raise Conflict("This course is archived; it can no longer be changed.")
    deleted = Quiz._get_collection().delete_one({"lesson_id": lesson.id}).deleted_count
    if not deleted:
        raise NotFound("This lesson has no quiz.")
    audit_record(
        actor_id=require_user_id(user),
        action="quiz.delete",
        target_type=LESSON,
        target_id=lesson.id,
        details={"course_id": str(course.id)},
    )


# ---------------------------------------------------------------- publish


def quiz_snapshot_publish(snapshot: PublishedSnapshot) -> None:
    """Snapshot the quizzes of the lessons `snapshot` lists as its version. A restore
    first brings the restored version's quizzes back into the draft (as lessons come
    back). Idempotent: a retried publish replaces what a failed one left."""
    lessons = list(snapshot.lesson_ids)
    drafts = Quiz._get_collection()
    versions = QuizVersion._get_collection()
    if snapshot.restored_from is not None:
        restored = {
            row["lesson_id"]: row
            for row in versions.find(
                {"course_id": snapshot.course_id, "version": snapshot.restored_from}
            )
        }
        now = _now_ms()
        for lesson_oid in lessons:
            row = restored.get(lesson_oid)
            if row is None:
                drafts.delete_one({"lesson_id": lesson_oid})
                continue
            drafts.update_one(
                {"lesson_id": lesson_oid},
                {
                    "$set": {
                        **{name: row.get(name) for name in QUIZ_SNAPSHOT_FIELDS},
                        "course_id": snapshot.course_id,
                        "updated_at": now,
                    },
                    "$inc": {"revision": 1},
                    "$setOnInsert": {"created_at": now},
                },
                upsert=True,
            )
    versions.delete_many({"course_id": snapshot.course_id, "version": snapshot.version})
    now = _now_ms()
    rows = [
        {
            "lesson_id": row["lesson_id"],
            "course_id": snapshot.course_id,
            "version": snapshot.version,
            **{name: row.get(name) for name in QUIZ_SNAPSHOT_FIELDS},
            "published_at": now,
        }
        for row in drafts.find({"lesson_id": {"$in": lessons}})
    ]
    if rows:
        versions.insert_many(rows, ordered=False)


# ---------------------------------------------------------------- attempts


def _attempt_reserve(*, user_id: int, served: ServedQuiz) -> int:
    """The number of the attempt about to be graded, or 409 when none are left. The
    counter moves in one conditional update; when the learner has no counter yet, the
    first attempt creates it (the unique (user, lesson) index settles a race)."""
    standings = QuizStanding._get_collection()
    key = {"user_id": user_id, "lesson_id": served.lesson_oid}
    limit = served.quiz.max_attempts
    condition = {} if limit is None else {"attempts": {"$lt": int(limit)}}
    for _ in range(2):
        # One atomic read-and-increment: the attempt's number is the counter it left.
        found = standings.find_one_and_update(
            {**key, **condition},
            {"$inc": {"attempts": 1}, "$set": {"updated_at": _now_ms()}},
            projection={"attempts": True},
            return_document=True,
        )
        if found is not None:
            return int(found["attempts"])
        if standings.count_documents(key, limit=1):
            raise Conflict(
                f"You have used all {limit} attempts of this quiz.",
            )
        try:
            standings.insert_one(
                {
                    **key,
                    "course_id": served.course_oid,
                    "attempts": 1,
                    "best_percent": 0.0,
                    "updated_at": _now_ms(),
                }
            )
            return 1
        except DuplicateKeyError:
            continue  # a racing first attempt created it: take the conditional path again
    raise Conflict("Another attempt is being recorded; try again.")


def quiz_attempt_submit(
    *, user: Viewer, lesson_id: Any, answers: dict[str, Any]
) -> tuple[QuizAttempt, Grade, ServedQuiz]:
    """Grade `answers` against the quiz the viewer is served (the published version's for
    learners), then record it as their next attempt."""
    user_id = require_user_id(user)
    served = quiz_served_for_viewer(user=user, lesson_id=lesson_id)
    grade = quiz_grade(
        questions=list(served.quiz.questions),
        pass_percent=int(served.quiz.pass_percent),
        answers=answers,
    )
    number = _attempt_reserve(user_id=user_id, served=served)
    now = _now_ms()
    attempt = QuizAttempt(
        user_id=user_id,
        lesson_id=served.lesson_oid,
        course_id=served.course_oid,
        version=served.version,
        number=number,
        answers=grade.answers,
        points_earned=grade.points_earned,
        points_possible=grade.points_possible,
        score_percent=grade.score_percent,
        passed=grade.passed,
        results=[
            {"question_id": result.question_id, "correct": result.correct}
            for result in grade.results
        ],
        submitted_at=now,
    )
    attempt.save(force_insert=True)
    standings = QuizStanding._get_collection()
    key = {"user_id": user_id, "lesson_id": served.lesson_oid}
    standings.update_one(key, {"$max": {"best_percent": grade.score_percent}})
    if grade.passed:
        standings.update_one(
            {**key, "passed_at": None},
            {"$set": {"passed_at": now, "passed_version": served.version}},
        )
        if served.version is not None and not served.access.is_course_staff:
            # Passing may complete the course: that issues the certificate. (A preview
            # viewer who is not enrolled has no course completion.)
            with contextlib.suppress(PermissionDenied, NotFound):
                course_completion_for_viewer(user=user, slug=served.access.facts.course_slug)
    return attempt, grade, served


# ---------------------------------------------------------------- personal data


def quiz_attempts_export(*, user_id: int) -> list[dict[str, Any]]:
    cursor = (
        QuizAttempt._get_collection()
        .find({"user_id": user_id}, {"_id": False, "user_id": False})
        .sort([("submitted_at", 1)])
    )
    return [
        {
            **row,
            "lesson_id": str(row["lesson_id"]),
            "course_id": str(row["course_id"]),
        }
        for row in cursor
    ]


def quiz_attempts_delete(*, user_id: int) -> int:
    removed = QuizAttempt._get_collection().delete_many({"user_id": user_id}).deleted_count
    QuizStanding._get_collection().delete_many({"user_id": user_id})
    return int(removed)


def certificates_export(*, user_id: int) -> list[dict[str, Any]]:
    cursor = (
        Certificate._get_collection()
        .find({"user_id": user_id}, {"user_id": False})
        .sort([("issued_at", 1)])
    )
    return [
        {
            **{k: v for k, v in row.items() if k != "_id"},
            "id": str(row["_id"]),
            "course_id": str(row["course_id"]),
        }
        for row in cursor
    ]


def certificates_delete(*, user_id: int) -> int:
    """A deleted account's certificates go with it (their verification pages then 404)."""
    return int(Certificate._get_collection().delete_many({"user_id": user_id}).deleted_count)


def register() -> None:
    """Plug quizzes into the course publish and the account export and deletion."""
    publish_listener_register("assessments.quizzes", quiz_snapshot_publish)
    personal_data_register(
        PersonalDataHandler(
            name="quiz_attempts",
            export=lambda user_id: quiz_attempts_export(user_id=user_id),
            erase_documents=lambda user_id: quiz_attempts_delete(user_id=user_id),
        )
    )
    personal_data_register(
        PersonalDataHandler(
            name="certificates",
            export=lambda user_id: certificates_export(user_id=user_id),
            erase_documents=lambda user_id: certificates_delete(user_id=user_id),
        )
    )
