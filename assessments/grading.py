"""The rules of a quiz, free of storage: what a valid quiz is, and how an answer is graded.

Grading is exact per kind:
- single: the chosen text equals the one correct choice;
- multiple: the chosen set equals the set of correct choices (all or nothing);
- true_false: the boolean equals the key;
- short_answer: after folding case, accents and runs of white space, the text equals one of
  the accepted answers ("  Café  au LAIT" matches "cafe au lait");
- numeric: |given - key| <= tolerance.

A question scores all its points or none. The score is earned / possible points in percent;
the attempt passes when earned * 100 >= pass_percent * possible (exact, no rounding).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from assessments.documents import QuestionKind
from learnstream.errors import ValidationError

K = QuestionKind
MAX_QUESTIONS = 100
MAX_CHOICES = 20
MAX_ACCEPTED = 20
ANSWER_TEXT_MAX = 500
QUESTION_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
# Floating-point slack for numeric keys (0.1 + 0.2 against 0.3 with tolerance 0).
_NUMERIC_EPSILON = 1e-9


def text_fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of an answer."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class CleanQuestion:
    qid: str
    kind: str
    prompt: str
    choices: list[str]
    answers: list[Any]
    tolerance: float
    points: int
    feedback: str
    at_s: float | None


class _Problems:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.first: str | None = None

    def add(self, index: int, qid: str | None, field: str, message: str) -> None:
        key = f"questions.{index}.{field}"
        named = f"Question {index + 1}" + (f" ({qid})" if qid else "")
        self.errors.setdefault(key, []).append(f"{named}: {message}")
        if self.first is None:
            self.first = f"{named}: {message}"

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.first or "The quiz is invalid.", errors=self.errors)


def _clean_answers(kind: str, choices: list[str], answers: list[Any], say: Any) -> list[Any]:
    if kind in K.WITH_CHOICES:
        if any(not isinstance(value, str) for value in answers):
            say("answers", "Correct answers are choice texts.")
            return []
        outside = [value for value in answers if value not in choices]
        if outside:
            say("answers", f"Correct answers outside the choices: {', '.join(outside[:3])}.")
            return []
        unique = list(dict.fromkeys(answers))
        if kind == K.SINGLE and len(unique) != 1:
            say("answers", "A single-choice question has exactly one correct choice.")
        if kind == K.MULTIPLE and not unique:
            say("answers", "Mark at least one choice as correct.")
        return unique
    if kind == K.TRUE_FALSE:
        if len(answers) != 1 or not isinstance(answers[0], bool):
            say("answers", "A true/false question has one answer: true or false.")
            return []
        return [answers[0]]
    if kind == K.SHORT_ANSWER:
        texts = [value.strip() for value in answers if isinstance(value, str)]
        if len(texts) != len(answers) or not texts or any(not text_fold(t) for t in texts):
            say("answers", "List at least one accepted answer (non-empty text).")
            return []
        if len(texts) > MAX_ACCEPTED or any(len(t) > ANSWER_TEXT_MAX for t in texts):
            say("answers", f"At most {MAX_ACCEPTED} answers of {ANSWER_TEXT_MAX} characters.")
            return []
        return list(dict.fromkeys(texts))
    # numeric
    if len(answers) != 1 or not _is_number(answers[0]):
        say("answers", "A numeric question has one answer: a finite number.")
        return []
    return [float(answers[0])]


def quiz_questions_clean(
    questions: list[dict[str, Any]], *, video_duration_s: float | None
) -> list[CleanQuestion]:
    """Check a quiz's questions (already typed by the API serializer). Every problem is
    reported, keyed `questions.<index>.<field>`, each message naming the question; the
    detail names the first. `video_duration_s` is the lesson's ready video's length (None
    when it has none: then no question may sit inside the video)."""
    problems = _Problems()
    if not questions:
        raise ValidationError(
            "A quiz needs at least one question.", errors={"questions": ["Add a question."]}
        )
    if len(questions) > MAX_QUESTIONS:
        message = f"A quiz has at most {MAX_QUESTIONS} questions."
        raise ValidationError(message, errors={"questions": [message]})
    given_ids = [q.get("id") for q in questions if q.get("id")]
    taken = set(given_ids)
    cleaned: list[CleanQuestion] = []
    seen: set[str] = set()
    counter = 0
    for index, question in enumerate(questions):
        qid = question.get("id") or ""
        if qid and not QUESTION_ID.fullmatch(qid):
            problems.add(index, None, "id", "An id is 1-40 letters, digits, '-' or '_'.")
            qid = ""
        elif qid in seen:
            problems.add(index, qid, "id", "Another question has this id.")
        if not qid:
            counter += 1
            while f"q{counter}" in taken or f"q{counter}" in seen:
                counter += 1
            qid = f"q{counter}"
        seen.add(qid)

        def say(field: str, message: str, index: int = index, qid: str = qid) -> None:
            problems.add(index, qid, field, message)

        kind = question["kind"]
        prompt = " ".join(str(question.get("prompt") or "").split())
        if not prompt:
            say("prompt", "The prompt is empty.")
        choices = [" ".join(str(c).split()) for c in question.get("choices") or []]
        if kind in K.WITH_CHOICES:
            if not 2 <= len(choices) <= MAX_CHOICES:
                say("choices", f"Give 2 to {MAX_CHOICES} choices.")
            elif any(not c for c in choices):
                say("choices", "A choice is empty.")
            elif len(set(choices)) != len(choices):
                say("choices", "Two choices have the same text.")
        elif choices:
            say("choices", f"A {kind} question has no choices.")
        answers = _clean_answers(kind, choices, list(question.get("answers") or []), say)
        tolerance = question.get("tolerance")
        if tolerance is None:
            tolerance = 0.0
        elif kind != K.NUMERIC:
            say("tolerance", "Only numeric questions have a tolerance.")
        elif not _is_number(tolerance) or tolerance < 0:
            say("tolerance", "The tolerance is a finite number, zero or more.")
        at_s = question.get("at_s")
        if at_s is not None:
            if video_duration_s is None:
                say("at_s", "The lesson has no ready video to show this question in.")
            elif not _is_number(at_s) or not 0 <= at_s <= video_duration_s:
                say("at_s", f"at_s is beyond the video (0 to {video_duration_s:g} s).")
        cleaned.append(
            CleanQuestion(
                qid=qid,
                kind=kind,
                prompt=prompt,
                choices=choices,
                answers=answers,
                tolerance=float(tolerance) if _is_number(tolerance) else 0.0,
                points=int(question.get("points", 1)),
                feedback=str(question.get("feedback") or "").strip(),
                at_s=float(at_s) if at_s is not None else None,
            )
        )
    problems.raise_if_any()
    if sum(q.points for q in cleaned) <= 0:
        raise ValidationError(
            "The questions are worth no points.",
            errors={"questions": ["At least one question must be worth points."]},
        )
    return cleaned


# ---------------------------------------------------------------- grading


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    correct: bool
    points_earned: int
    points: int
    feedback: str
    correct_answer: Any  # the key in answer form (shown only if the quiz says so)


@dataclass(frozen=True)
class Grade:
    points_earned: int
    points_possible: int
    score_percent: float
    passed: bool
    results: list[QuestionResult]
    answers: dict[str, Any]  # the answers as graded (normalised shapes)


def _answer_error(qid: str, message: str) -> ValidationError:
    return ValidationError(f"Question {qid}: {message}", errors={f"answers.{qid}": [message]})


def answer_clean(question: Any, value: Any) -> Any:
    """A learner's answer to `question` in its kind's shape, or ValidationError (nothing is
    graded or counted then). None means unanswered."""
    qid, kind = question.qid, question.kind
    if value is None:
        return None
    if kind == K.SINGLE:
        if not isinstance(value, str) or value not in question.choices:
            raise _answer_error(qid, "Answer with one of the choices.")
        return value
    if kind == K.MULTIPLE:
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            raise _answer_error(qid, "Answer with a list of choices.")
        if any(v not in question.choices for v in value):
            raise _answer_error(qid, "Every chosen answer must be one of the choices.")
        return sorted(set(value), key=question.choices.index)
    if kind == K.TRUE_FALSE:
        if not isinstance(value, bool):
            raise _answer_error(qid, "Answer with true or false.")
        return value
    if kind == K.SHORT_ANSWER:
        if not isinstance(value, str) or len(value) > ANSWER_TEXT_MAX:
            raise _answer_error(qid, f"Answer with a text of at most {ANSWER_TEXT_MAX} characters.")
        return value
    if not _is_number(value):
        raise _answer_error(qid, "Answer with a finite number.")
    return value


def _is_correct(question: Any, value: Any) -> bool:
    if value is None:
        return False
    kind, key = question.kind, list(question.answers)
    if kind == K.MULTIPLE:
        return set(value) == set(key)
    if kind == K.SHORT_ANSWER:
        return text_fold(value) in {text_fold(text) for text in key}
    if kind == K.NUMERIC:
        target = float(key[0])
        slack = float(question.tolerance or 0) + _NUMERIC_EPSILON * max(1.0, abs(target))
        return abs(float(value) - target) <= slack
    return value == key[0]


def correct_answer(question: Any) -> Any:
    """The key as an answer would look: a choice, choices, a boolean, accepted texts, a
    number."""
    key = list(question.answers)
    if question.kind in (K.MULTIPLE, K.SHORT_ANSWER):
        return key
    return key[0] if key else None


def quiz_grade(*, questions: list[Any], pass_percent: int, answers: dict[str, Any]) -> Grade:
    """Grade `answers` ({question id: value}). Unknown question ids and values of the wrong
    shape are a ValidationError; an unanswered question earns nothing."""
    by_id = {question.qid: question for question in questions}
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        raise ValidationError(
            f"Not questions of this quiz: {', '.join(unknown[:5])}.",
            errors={f"answers.{qid}": ["Not a question of this quiz."] for qid in unknown[:20]},
        )
    given = {qid: answer_clean(by_id[qid], value) for qid, value in answers.items()}
    results = []
    for question in questions:
        correct = _is_correct(question, given.get(question.qid))
        results.append(
            QuestionResult(
                question_id=question.qid,
                correct=correct,
                points_earned=question.points if correct else 0,
                points=question.points,
                feedback=question.feedback or "",
                correct_answer=correct_answer(question),
            )
        )
    earned = sum(result.points_earned for result in results)
    possible = sum(question.points for question in questions)
    return Grade(
        points_earned=earned,
        points_possible=possible,
        score_percent=round(100.0 * earned / possible, 2) if possible else 0.0,
        passed=possible > 0 and earned * 100 >= pass_percent * possible,
        results=results,
        answers={qid: value for qid, value in given.items() if value is not None},
    )
