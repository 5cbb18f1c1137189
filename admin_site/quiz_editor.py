"""The quiz editor of the admin lesson page: a plain HTML form (works without JS) whose
rows become the instructor API's quiz body, checked by the API's own serializer and saved by
`assessments.services.quiz_put` — the one place the quiz rules live. Errors come back keyed
`questions.<index>.<field>` and are shown beside that question's field.

Each row carries its position (`q-<n>-order`, 1 first): the questions are saved in that
order, so the editor's "move up/down" buttons (or, without JS, the typed positions) decide
the quiz's order. `quiz_editor.js` adds, removes and reorders rows in the page, cloning the
`__prefix__` template row and keeping `q-count` and the row numbers in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from assessments.apis import QuizInputSerializer
from assessments.documents import QuestionKind, Quiz

FIELDS = (
    "id",
    "kind",
    "prompt",
    "choices",
    "answers",
    "tolerance",
    "points",
    "feedback",
    "at_s",
    "order",
)
TEMPLATE_PREFIX = "__prefix__"  # the row the page's script clones; never submitted
KIND_LABELS = {
    QuestionKind.SINGLE: "Single choice",
    QuestionKind.MULTIPLE: "Multiple choice",
    QuestionKind.TRUE_FALSE: "True / false",
    QuestionKind.SHORT_ANSWER: "Short answer",
    QuestionKind.NUMERIC: "Numeric",
}
MAX_ROWS = 50


@dataclass
class QuestionRow:
    index: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    template: bool = False

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def prefix(self) -> str:
        """The `<prefix>` of its fields' names, `q-<prefix>-<field>`."""
        return TEMPLATE_PREFIX if self.template else str(self.index)


@dataclass
class QuizEditor:
    exists: bool
    pass_percent: str = "70"  # noqa: S105 (a pass mark, not a password)
    max_attempts: str = ""
    show_answers: bool = False
    rows: list[QuestionRow] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # settings and the whole quiz
    kinds: dict[str, str] = field(default_factory=lambda: dict(KIND_LABELS))

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)

    @property
    def template_row(self) -> QuestionRow:
        """The blank row the page's script clones for "Add question"."""
        row = blank_row(len(self.rows))
        row.template = True
        return row

    @property
    def max_rows(self) -> int:
        return MAX_ROWS


def blank_row(index: int) -> QuestionRow:
    values = dict.fromkeys(FIELDS, "")
    values.update(kind=QuestionKind.SINGLE, points="1", order=str(index + 1))
    return QuestionRow(index=index, values=values)


def _answer_text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def editor_for_quiz(quiz: Quiz | None) -> QuizEditor:
    """The form as stored, plus one blank row to add a question."""
    if quiz is None:
        return QuizEditor(exists=False, rows=[blank_row(0)])
    rows = []
    for index, question in enumerate(quiz.questions):
        values = {
            "id": question.qid,
            "kind": question.kind,
            "prompt": question.prompt,
            "choices": "\n".join(question.choices or []),
            "answers": "\n".join(_answer_text(value) for value in question.answers or []),
            "tolerance": "" if not question.tolerance else f"{question.tolerance:g}",
            "points": str(question.points),
            "feedback": question.feedback or "",
            "at_s": "" if question.at_s is None else f"{question.at_s:g}",
            "order": str(index + 1),
        }
        rows.append(QuestionRow(index=index, values=values))
    rows.append(blank_row(len(rows)))
    return QuizEditor(
        exists=True,
        pass_percent=str(quiz.pass_percent),
        max_attempts="" if quiz.max_attempts is None else str(quiz.max_attempts),
        show_answers=bool(quiz.show_answers),
        rows=rows,
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _answers(kind: str, text: str) -> list[Any]:
    """Typed answer keys: booleans for true/false, numbers for numeric (text the grader's
    checks then refuse with a message naming the question)."""
    values: list[Any] = _lines(text)
    if kind == QuestionKind.TRUE_FALSE:
        folded = {"true": True, "false": False}
        return [folded.get(value.casefold(), value) for value in values]
    if kind == QuestionKind.NUMERIC:
        numbers: list[Any] = []
        for value in values:
            try:
                numbers.append(float(value))
            except ValueError:
                numbers.append(value)
        return numbers
    return values


def _position(text: str, place: int) -> tuple[int, int]:
    """A row's sort key: its typed position, then its place in the form (a position that is
    not a whole number keeps the row where it stands)."""
    try:
        return int(text), place
    except ValueError:
        return place + 1, place


def editor_from_post(data: QueryDict) -> tuple[QuizEditor, dict[str, Any]]:
    """The submitted form (to show again) and the API body it stands for. A row without a
    prompt, or ticked "remove", is left out; kept rows are put in their `order` and
    renumbered."""
    try:
        count = min(int(data.get("q-count", "0")), MAX_ROWS)
    except ValueError:
        count = 0
    editor = QuizEditor(
        exists=data.get("quiz-exists") == "1",
        pass_percent=data.get("pass_percent", "").strip(),
        max_attempts=data.get("max_attempts", "").strip(),
        show_answers=data.get("show_answers") == "on",
    )
    kept = []
    for place in range(count):
        values = {name: data.get(f"q-{place}-{name}", "").strip() for name in FIELDS}
        if values["prompt"] and data.get(f"q-{place}-remove") != "on":
            kept.append((_position(values["order"], place), values))
    kept.sort(key=lambda pair: pair[0])
    questions = []
    for values in (values for _key, values in kept):
        values["order"] = str(len(editor.rows) + 1)
        editor.rows.append(QuestionRow(index=len(editor.rows), values=values))
        question: dict[str, Any] = {
            "kind": values["kind"],
            "prompt": values["prompt"],
            "answers": _answers(values["kind"], values["answers"]),
            "feedback": values["feedback"],
        }
        if values["id"]:
            question["id"] = values["id"]
        if values["kind"] in QuestionKind.WITH_CHOICES:
            question["choices"] = _lines(values["choices"])
        for name in ("tolerance", "points", "at_s"):
            if values[name]:
                question[name] = values[name]
        questions.append(question)
    body: dict[str, Any] = {
        "pass_percent": editor.pass_percent or 70,
        "max_attempts": editor.max_attempts or None,
        "show_answers": editor.show_answers,
        "questions": questions,
    }
    return editor, body


def editor_errors_add(editor: QuizEditor, errors: Any) -> None:
    """Place errors (the serializer's nested ones, or the service's `questions.<i>.<field>`
    keys) beside their question's field; the rest on the quiz as a whole."""
    if not isinstance(errors, dict):
        editor.errors.setdefault("quiz", []).extend(str(error) for error in errors or [])
        return
    for key, messages in errors.items():
        parts = str(key).split(".")
        if (
            key == "questions"
            and isinstance(messages, list)
            and messages
            and isinstance(messages[0], dict)
        ):
            for index, nested in enumerate(messages):
                for name, texts in (nested or {}).items():
                    _row_error(editor, index, name, [f"Question {index + 1}: {t}" for t in texts])
            continue
        texts = [str(text) for text in (messages if isinstance(messages, list) else [messages])]
        if len(parts) == 3 and parts[0] == "questions" and parts[1].isdigit():
            _row_error(editor, int(parts[1]), parts[2], texts)
        else:
            editor.errors.setdefault(parts[0] if parts[0] != "questions" else "quiz", []).extend(
                texts
            )


def _row_error(editor: QuizEditor, index: int, name: str, texts: list[str]) -> None:
    if 0 <= index < len(editor.rows):
        target = name if name in FIELDS else "prompt"
        editor.rows[index].errors.setdefault(target, []).extend(str(text) for text in texts)
    else:
        editor.errors.setdefault("quiz", []).extend(str(text) for text in texts)


def editor_body_validate(body: dict[str, Any]) -> tuple[dict[str, Any] | None, Any]:
    """The API's serializer over the body: (typed data, None) or (None, its errors)."""
    serializer = QuizInputSerializer(data=body)
    if serializer.is_valid():
        return dict(serializer.validated_data), None
    return None, serializer.errors
