"""Course completion: which lessons and quizzes a course requires, and whether a learner
has done them.

A course is complete for a learner when every required lesson of its latest published
version is complete (tracking's rule: watched, or marked complete for a reading lesson) and
every required quiz is passed. By default the course requires every lesson that has a
video or a quiz, and every quiz; instructors may name the lessons and quizzes instead
(`completion_rules_set`). A course that would require nothing requires every lesson.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from django.utils import timezone

from accounts.roles import Viewer, require_user_id, user_id_of
from accounts.selectors import user_get_signed_in
from assessments.certificates import certificate_issue
from assessments.documents import CompletionRules, Quiz, QuizStanding, QuizVersion
from catalog.selectors import (
    CourseDetail,
    OutlineLesson,
    course_detail_for_viewer,
    course_get_for_instructor,
)
from catalog.services import lessons_in_outline
from learnstream.audit import audit_record
from learnstream.errors import NotFound, PermissionDenied, TokenInvalid, ValidationError
from learnstream.ids import is_object_id
from tracking.events import LessonCompleted, lesson_completed_listener_register
from tracking.selectors import course_progress_for_viewer


@dataclass(frozen=True)
class RequiredLesson:
    id: str
    title: str
    completed: bool


@dataclass(frozen=True)
class RequiredQuiz:
    lesson_id: str
    title: str
    passed: bool
    best_score_percent: float | None


@dataclass(frozen=True)
class CourseCompletion:
    complete: bool
    custom_rules: bool
    lessons_required: int
    lessons_completed: int
    quizzes_required: int
    quizzes_passed: int
    required_lessons: list[RequiredLesson]
    required_quizzes: list[RequiredQuiz]
    certificate_id: str | None = None  # issued when complete (if the course gives them)


@dataclass(frozen=True)
class RulesView:
    required_lesson_ids: list[str] | None
    required_quiz_lesson_ids: list[str] | None
    updated_at: Any
    certificates: bool = True


# ---------------------------------------------------------------- staff: the rules


def _rules_view(rules: CompletionRules | None) -> RulesView:
    def ids(values: Any) -> list[str] | None:
        return None if values is None else [str(value) for value in values]

    if rules is None:
        return RulesView(None, None, None)
    return RulesView(
        ids(rules.required_lesson_ids),
        ids(rules.required_quiz_lesson_ids),
        rules.updated_at,
        rules.certificates is not False,
    )


def completion_rules_get(*, user: Viewer, course_id: Any) -> RulesView:
    course = course_get_for_instructor(user=user, course_id=course_id)
    return _rules_view(CompletionRules.objects(course_id=course.id).first())


def _ids_clean(field: str, values: list[str] | None, allowed: set[str], what: str) -> Any:
    if values is None:
        return None
    unknown = [value for value in values if value not in allowed]
    if unknown:
        message = f"Not {what} of this course: {', '.join(sorted(set(unknown))[:5])}."
        raise ValidationError(message, errors={field: [message]})
    return [ObjectId(value) for value in dict.fromkeys(values)]


def completion_rules_set(
    *,
    user: Viewer,
    course_id: Any,
    required_lesson_ids: list[str] | None,
    required_quiz_lesson_ids: list[str] | None,
    certificates: bool = True,
) -> RulesView:
    """Name the required lessons and quizzes (None: the default rule for that list). Ids
    must be lessons of the draft (and, for quizzes, lessons with a quiz): else 400 and
    nothing changes. Audited."""
    course = course_get_for_instructor(user=user, course_id=course_id)
    lesson_ids = {str(lesson.id) for lesson in lessons_in_outline(course=course)}
    quiz_ids = {str(quiz.lesson_id) for quiz in Quiz.objects(course_id=course.id).only("lesson_id")}
    lessons = _ids_clean("required_lesson_ids", required_lesson_ids, lesson_ids, "lessons")
    quizzes = _ids_clean(
        "required_quiz_lesson_ids", required_quiz_lesson_ids, quiz_ids & lesson_ids, "quiz lessons"
    )
    CompletionRules._get_collection().update_one(
        {"course_id": course.id},
        {
            "$set": {
                "required_lesson_ids": lessons,
                "required_quiz_lesson_ids": quizzes,
                "certificates": bool(certificates),
                "updated_at": timezone.now(),
                "updated_by": require_user_id(user),
            }
        },
        upsert=True,
    )
    audit_record(
        actor_id=require_user_id(user),
        action="course.completion_rules",
        target_type="course",
        target_id=course.id,
        details={
            "required_lesson_ids": required_lesson_ids,
            "required_quiz_lesson_ids": required_quiz_lesson_ids,
            "certificates": bool(certificates),
        },
    )
    return _rules_view(CompletionRules.objects(course_id=course.id).first())


# ---------------------------------------------------------------- learners


@dataclass(frozen=True)
class Requirements:
    """What a published course version requires: its lessons and quiz lessons (outline
    rows of the course detail), and the rules they came from (None: the default)."""

    lessons: list[OutlineLesson]
    quizzes: list[OutlineLesson]
    rules: CompletionRules | None


def course_requirements(*, detail: CourseDetail) -> Requirements:
    """The one reading of the rules: custom lists where staff named them, else every lesson
    with a video or a quiz and every quiz; a course that would require nothing requires
    every lesson."""
    course_oid = ObjectId(detail.id)
    lessons = detail.lessons_in_order
    quiz_ids = {
        str(row.lesson_id)
        for row in QuizVersion.objects(course_id=course_oid, version=detail.version).only(
            "lesson_id"
        )
    }
    rules = CompletionRules.objects(course_id=course_oid).first()
    custom_lessons = rules.required_lesson_ids if rules else None
    custom_quizzes = rules.required_quiz_lesson_ids if rules else None
    if custom_lessons is not None:
        wanted = {str(value) for value in custom_lessons}
        lesson_rows = [lesson for lesson in lessons if lesson.id in wanted]
    else:
        lesson_rows = [lesson for lesson in lessons if lesson.has_video or lesson.id in quiz_ids]
    if custom_quizzes is not None:
        wanted = {str(value) for value in custom_quizzes}
        quiz_rows = [lesson for lesson in lessons if lesson.id in wanted and lesson.id in quiz_ids]
    else:
        quiz_rows = [lesson for lesson in lessons if lesson.id in quiz_ids]
    if not lesson_rows and not quiz_rows:
        lesson_rows = lessons
    return Requirements(lessons=lesson_rows, quizzes=quiz_rows, rules=rules)


def _completion(*, user_id: int, detail: CourseDetail, completed: set[str]) -> CourseCompletion:
    requirements = course_requirements(detail=detail)
    rules = requirements.rules
    custom_lessons = rules.required_lesson_ids if rules else None
    custom_quizzes = rules.required_quiz_lesson_ids if rules else None
    lesson_rows, quiz_rows = requirements.lessons, requirements.quizzes
    standings = (
        {
            str(row.lesson_id): row
            for row in QuizStanding.objects(
                user_id=user_id, lesson_id__in=[ObjectId(row.id) for row in quiz_rows]
            ).only("lesson_id", "passed_at", "best_percent", "attempts")
        }
        if quiz_rows
        else {}
    )
    required_lessons = [
        RequiredLesson(id=row.id, title=row.title, completed=row.id in completed)
        for row in lesson_rows
    ]
    required_quizzes = []
    for row in quiz_rows:
        standing = standings.get(row.id)
        required_quizzes.append(
            RequiredQuiz(
                lesson_id=row.id,
                title=row.title,
                passed=bool(standing and standing.passed_at is not None),
                best_score_percent=(
                    float(standing.best_percent) if standing and standing.attempts else None
                ),
            )
        )
    lessons_done = sum(1 for item in required_lessons if item.completed)
    quizzes_done = sum(1 for item in required_quizzes if item.passed)
    complete = (
        bool(required_lessons or required_quizzes)
        and lessons_done == len(required_lessons)
        and quizzes_done == len(required_quizzes)
    )
    certificate_id = None
    if complete and (rules is None or rules.certificates is not False):
        certificate_id = str(certificate_issue(user_id=user_id, detail=detail).id)
    return CourseCompletion(
        complete=complete,
        certificate_id=certificate_id,
        custom_rules=custom_lessons is not None or custom_quizzes is not None,
        lessons_required=len(required_lessons),
        lessons_completed=lessons_done,
        quizzes_required=len(required_quizzes),
        quizzes_passed=quizzes_done,
        required_lessons=required_lessons,
        required_quizzes=required_quizzes,
    )


def course_completion_for_viewer(*, user: Viewer, slug: Any) -> CourseCompletion:
    """GET /courses/{slug}/completion: enrolled learners and course staff (404, then 403,
    as for course progress)."""
    progress = course_progress_for_viewer(user=user, slug=slug)
    detail = course_detail_for_viewer(user=user, slug=slug)
    return _completion(
        user_id=require_user_id(user), detail=detail, completed=_completed_ids(progress.lessons)
    )


def _completed_ids(lessons: Any) -> set[str]:
    """Ids of the completed lessons of a course progress (tracking's dataclass items, or
    the dicts the learning pages hold)."""
    found = set()
    for item in lessons or ():
        fields = item if isinstance(item, dict) else vars(item)
        if fields.get("completed"):
            found.add(str(fields["id"]))
    return found


def course_completion_of_detail(
    *, user: Viewer, detail: CourseDetail, progress: dict[str, Any]
) -> CourseCompletion | None:
    """For a page that holds the course detail and the learner's course progress already
    (the course page): three more reads at most (the rules, the version's quizzes, the
    learner's standing on them)."""
    user_id = user_id_of(user)
    if user_id is None or not is_object_id(detail.id):
        return None
    return _completion(
        user_id=user_id, detail=detail, completed=_completed_ids(progress.get("lessons"))
    )


def on_lesson_completed(event: LessonCompleted) -> None:
    """Listener of `tracking.events`: a lesson that newly became complete may complete the
    course, which issues its certificate (once: `certificate_issue`) and mails the learner,
    right away rather than on the next read of the completion. A learner no longer enrolled
    or an account gone meanwhile: nothing to do."""
    with contextlib.suppress(TokenInvalid, PermissionDenied, NotFound):
        user = user_get_signed_in(user_id=event.user_id)
        course_completion_for_viewer(user=user, slug=event.course_slug)


def register() -> None:
    lesson_completed_listener_register("assessments.completion", on_lesson_completed)
