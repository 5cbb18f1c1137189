"""Quiz test helpers: a quiz with one question of every kind, and state snapshots."""

from __future__ import annotations

from typing import Any

from assessments.documents import Quiz, QuizAttempt, QuizStanding, QuizVersion

EVERY_KIND: list[dict[str, Any]] = [
    {
        "id": "capital",
        "kind": "single",
        "prompt": "Capital of France?",
        "choices": ["Lyon", "Paris", "Nice"],
        "answers": ["Paris"],
        "points": 2,
        "feedback": "Paris has been the capital since 987.",
    },
    {
        "id": "primes",
        "kind": "multiple",
        "prompt": "Which are prime?",
        "choices": ["2", "4", "5", "9"],
        "answers": ["2", "5"],
    },
    {"id": "earth", "kind": "true_false", "prompt": "The earth is round.", "answers": [True]},
    {
        "id": "drink",
        "kind": "short_answer",
        "prompt": "Coffee with milk, in French?",
        "answers": ["café au lait"],
    },
    {
        "id": "pi",
        "kind": "numeric",
        "prompt": "Pi to two decimals?",
        "answers": [3.14],
        "tolerance": 0.005,
    },
]
ALL_RIGHT = {
    "capital": "Paris",
    "primes": ["5", "2"],
    "earth": True,
    "drink": "  CAFE   au LAIT ",
    "pi": 3.1416,
}


def quiz_body(**overrides: Any) -> dict[str, Any]:
    return {
        "pass_percent": 60,
        "max_attempts": None,
        "show_answers": False,
        "questions": EVERY_KIND,
        **overrides,
    }


def quiz_state(lesson_id: Any) -> dict[str, Any]:
    """Everything a quiz write or an attempt could change, to prove a refusal changed
    nothing."""
    return {
        "draft": Quiz.objects(lesson_id=lesson_id).as_pymongo().first(),
        "versions": list(QuizVersion.objects(lesson_id=lesson_id).order_by("version").as_pymongo()),
        "standings": list(QuizStanding.objects(lesson_id=lesson_id).order_by("id").as_pymongo()),
        "attempts": list(QuizAttempt.objects(lesson_id=lesson_id).order_by("id").as_pymongo()),
    }
