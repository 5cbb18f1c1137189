"""What other apps snapshot with a course when it is published.

A published version is the catalogue's snapshot of the draft (course fields and lessons).
Apps above the catalogue keep lesson-attached content of their own (quizzes, for one) that
learners must also see as published, not as drafted. They register a listener here from
their `AppConfig.ready()`; each publish (and each restore, which publishes) calls every
listener with the version about to be published, BEFORE the course points at it, so a
learner never sees version n+1 without its attached content. A listener must be idempotent
(a failed publish is retried with the same version number) and must raise to stop the
publish; the catalogue never imports the apps that listen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bson import ObjectId


@dataclass(frozen=True)
class PublishedSnapshot:
    course_id: ObjectId
    version: int  # the version being published
    lesson_ids: tuple[ObjectId, ...]  # the lessons it lists, in outline order
    restored_from: int | None  # a restore republishes this earlier version's content
    published_by: int


PublishListener = Callable[[PublishedSnapshot], None]

_listeners: dict[str, PublishListener] = {}


def publish_listener_register(name: str, listener: PublishListener) -> None:
    """Register (or, on a repeated `ready()`, replace) the listener named `name`."""
    _listeners[name] = listener


def publish_listeners_run(snapshot: PublishedSnapshot) -> None:
    for listener in list(_listeners.values()):
        listener(snapshot)
