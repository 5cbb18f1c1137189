"""Domain event: a learner's lesson has newly become complete.

Tracking emits it where a heartbeat or an explicit completion first sets `completed_at`, and
never imports who listens: the layers above (assessments: course completion and its
certificate) register a listener from their `AppConfig.ready()`. A listener that fails is
logged and does not fail the learner's request: the completion itself is already stored, and
reading the course completion later repeats the same idempotent check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LessonCompleted:
    user_id: int
    lesson_id: str
    course_id: str
    course_slug: str


LessonCompletedListener = Callable[[LessonCompleted], None]

_listeners: dict[str, LessonCompletedListener] = {}


def lesson_completed_listener_register(name: str, listener: LessonCompletedListener) -> None:
    """Register (or, on a repeated `ready()`, replace) the listener named `name`."""
    _listeners[name] = listener


def lesson_completed_emit(event: LessonCompleted) -> None:
    for name, listener in list(_listeners.items()):
        try:
            listener(event)
        except Exception:
            logger.exception("lesson-completed listener %s failed", name)
