"""`{% lesson_quiz lesson_id %}`: the lesson's quiz on the lesson page, for a viewer who may
watch the lesson. Rendered from the learner's view of the quiz (the same payload as
GET /api/v1/lessons/{id}/quiz), so the page can carry no answer key either."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from assessments.apis import learner_quiz_payload
from assessments.selectors import quiz_served_for_access, quiz_standing_get
from catalog.access import lesson_get_for_viewer
from learnstream.errors import NotFound

register = template.Library()


@register.inclusion_tag("assessments/_quiz.html", takes_context=True)
def lesson_quiz(
    context: template.Context, lesson_id: str, course_version: int | None = None
) -> dict[str, Any]:
    """`course_version`: the published version the page shows (saves a read)."""
    user = context.get("user")
    if user is None:
        return {"quiz": None}
    try:
        access = lesson_get_for_viewer(user=user, lesson_id=lesson_id)
    except NotFound:
        return {"quiz": None}
    served = (
        quiz_served_for_access(access, course_version=course_version) if access.can_watch else None
    )
    if served is None:
        return {"quiz": None}
    user_id = int(user.id) if user.is_authenticated else None
    quiz = learner_quiz_payload(served, quiz_standing_get(user_id=user_id, served=served))
    in_video = [q for q in quiz["questions"] if q["at_s"] is not None]
    return {
        "quiz": quiz,
        "in_video": len(in_video),
        "attempts_url": reverse("lesson-quiz-attempts", args=[quiz["lesson_id"]]),
        "used_up": quiz["attempts_left"] == 0,
    }
