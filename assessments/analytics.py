"""Quiz results for a course's staff: per quiz, the attempts, the learners who tried and
the share of them who passed; per question, the share of attempts that got it right.

Computed from the graded attempts (each keeps, per question, whether it was correct), in
one aggregation per course; questions are named by the lesson's current draft quiz, and a
question answered in attempts but since removed from the quiz is listed by its id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.roles import Viewer
from assessments.documents import Quiz, QuizAttempt
from catalog.selectors import course_get_for_instructor
from catalog.services import lessons_in_outline


@dataclass(frozen=True)
class QuestionFigures:
    question_id: str
    prompt: str
    attempts: int
    share_correct: float  # 0..1 of the attempts that answered it


@dataclass(frozen=True)
class QuizFigures:
    lesson_id: str
    lesson_title: str
    attempts: int
    learners: int
    learners_passed: int
    pass_rate: float  # 0..1 of the learners who tried
    questions: list[QuestionFigures]


def course_quiz_analytics(*, user: Viewer, course_id: Any) -> list[QuizFigures]:
    course = course_get_for_instructor(user=user, course_id=course_id)
    titles = {str(lesson.id): lesson.title for lesson in lessons_in_outline(course=course)}
    quizzes = {str(quiz.lesson_id): quiz for quiz in Quiz.objects(course_id=course.id)}
    collection = QuizAttempt._get_collection()
    per_quiz = {
        str(row["_id"]): row
        for row in collection.aggregate(
            [
                {"$match": {"course_id": course.id}},
                {"$group": {"_id": {"lesson": "$lesson_id", "user": "$user_id"},
                            "attempts": {"$sum": 1}, "passed": {"$max": "$passed"}}},
                {"$group": {"_id": "$_id.lesson", "attempts": {"$sum": "$attempts"},
                            "learners": {"$sum": 1},
                            "passed": {"$sum": {"$cond": ["$passed", 1, 0]}}}},
            ]
        )
    }  # fmt: skip
    per_question: dict[str, dict[str, tuple[int, int]]] = {}
    for row in collection.aggregate(
        [
            {"$match": {"course_id": course.id}},
            {"$unwind": "$results"},
            {"$group": {"_id": {"lesson": "$lesson_id", "question": "$results.question_id"},
                        "answered": {"$sum": 1},
                        "correct": {"$sum": {"$cond": ["$results.correct", 1, 0]}}}},
        ]
    ):  # fmt: skip
        lesson_id = str(row["_id"]["lesson"])
        per_question.setdefault(lesson_id, {})[str(row["_id"]["question"])] = (
            int(row["answered"]),
            int(row["correct"]),
        )
    figures = []
    for lesson_id in sorted(
        set(quizzes) | set(per_quiz),
        key=lambda lid: list(titles).index(lid) if lid in titles else 10**6,
    ):
        quiz = quizzes.get(lesson_id)
        counts = per_question.get(lesson_id, {})
        order = [question.qid for question in quiz.questions] if quiz else []
        prompts = {question.qid: question.prompt for question in quiz.questions} if quiz else {}
        question_ids = order + sorted(set(counts) - set(order))
        totals = per_quiz.get(lesson_id, {})
        learners = int(totals.get("learners", 0))
        passed = int(totals.get("passed", 0))
        figures.append(
            QuizFigures(
                lesson_id=lesson_id,
                lesson_title=titles.get(lesson_id, "(removed lesson)"),
                attempts=int(totals.get("attempts", 0)),
                learners=learners,
                learners_passed=passed,
                pass_rate=passed / learners if learners else 0.0,
                questions=[
                    QuestionFigures(
                        question_id=qid,
                        prompt=prompts.get(qid, qid),
                        attempts=counts.get(qid, (0, 0))[0],
                        share_correct=(
                            counts[qid][1] / counts[qid][0] if counts.get(qid, (0, 0))[0] else 0.0
                        ),
                    )
                    for qid in question_ids
                ],
            )
        )
    return figures
