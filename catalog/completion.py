"""A lesson's completion policy: what a learner must do for the lesson to count as complete.

Declared with the lesson (`catalog.documents.LESSON_COMPLETION_FIELDS`), edited in the admin
and the instructor API, validated here once for both. Progress tracking reads the policy from
the lesson's cached facts and applies it (`tracking.completion`).

- `completion_share`: the share of the lesson's content that must really be played
  (None: `PROGRESS_COMPLETION_THRESHOLD`).
- `credits_start_s`: the second where end credits begin; nothing after it needs watching,
  so the share is measured over the content before it (None: the whole video).
- `max_credited_rate`: the fastest playback credited in full (None or above the site's
  `PROGRESS_MAX_PLAYBACK_RATE`: the site's rate, which a lesson may only lower).
- `reading_mode` / `reading_min_s`: a lesson without video completes when the learner marks
  it complete, or by itself once its page has been open `reading_min_s` seconds.

A change that makes completion easier (a lower share, an earlier credits second) completes,
in one bulk pass, the learners who now qualify; a stricter one never takes a completion away.
The catalogue never imports tracking: tracking registers a listener here from its
`AppConfig.ready()`, and `catalog.services.lesson_update` calls the listeners after saving.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from catalog.documents import ReadingMode

MIN_SHARE = 0.05
MIN_RATE = 1.0
MAX_READING_S = 24 * 3600


@dataclass(frozen=True)
class CompletionPolicy:
    completion_share: float | None = None
    credits_start_s: float | None = None
    max_credited_rate: float | None = None
    reading_mode: str = ReadingMode.MARK_COMPLETE
    reading_min_s: int = 0

    @property
    def share(self) -> float:
        """The share to watch, the site's threshold unless the lesson sets its own."""
        if self.completion_share is None:
            return float(settings.PROGRESS_COMPLETION_THRESHOLD)
        return float(self.completion_share)

    @property
    def max_rate(self) -> float:
        """The fastest playback credited: the lesson's own, never above the site's."""
        site = float(settings.PROGRESS_MAX_PLAYBACK_RATE)
        if self.max_credited_rate is None:
            return site
        return min(float(self.max_credited_rate), site)

    def as_dict(self) -> dict[str, Any]:
        return {
            "completion_share": self.completion_share,
            "credits_start_s": self.credits_start_s,
            "max_credited_rate": self.max_credited_rate,
            "reading_mode": self.reading_mode,
            "reading_min_s": self.reading_min_s,
        }


def completion_policy_of(lesson: Any) -> CompletionPolicy:
    """The policy a lesson document (or anything with its fields) declares."""
    return CompletionPolicy(
        completion_share=getattr(lesson, "completion_share", None),
        credits_start_s=getattr(lesson, "credits_start_s", None),
        max_credited_rate=getattr(lesson, "max_credited_rate", None),
        reading_mode=getattr(lesson, "reading_mode", None) or ReadingMode.MARK_COMPLETE,
        reading_min_s=int(getattr(lesson, "reading_min_s", None) or 0),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def clean_completion_fields(fields: dict[str, Any], add_error: Callable[[str, str], None]) -> None:
    """Check (and normalise in place) the completion fields present in `fields`.
    `None` resets a number to the site's default."""
    if "completion_share" in fields and fields["completion_share"] is not None:
        share = _number(fields["completion_share"])
        if share is None or not MIN_SHARE <= share <= 1.0:
            add_error("completion_share", f"Enter a share between {MIN_SHARE:g} and 1.")
        else:
            fields["completion_share"] = round(share, 4)
    if "credits_start_s" in fields and fields["credits_start_s"] is not None:
        second = _number(fields["credits_start_s"])
        if second is None or second <= 0:
            add_error("credits_start_s", "Enter a second after the start of the video.")
        else:
            fields["credits_start_s"] = second
    if "max_credited_rate" in fields and fields["max_credited_rate"] is not None:
        rate = _number(fields["max_credited_rate"])
        site = float(settings.PROGRESS_MAX_PLAYBACK_RATE)
        if rate is None or not MIN_RATE <= rate <= site:
            add_error("max_credited_rate", f"Enter a speed between {MIN_RATE:g}x and {site:g}x.")
        else:
            fields["max_credited_rate"] = rate
    if "reading_mode" in fields and fields["reading_mode"] not in ReadingMode.ALL:
        add_error("reading_mode", f"Choose one of: {', '.join(ReadingMode.ALL)}.")
    if "reading_min_s" in fields:
        seconds = fields["reading_min_s"]
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not 0 <= seconds <= MAX_READING_S
        ):
            add_error("reading_min_s", f"Enter whole seconds from 0 to {MAX_READING_S}.")


@dataclass(frozen=True)
class CompletionPolicyChange:
    lesson_id: str
    course_id: str
    before: CompletionPolicy
    after: CompletionPolicy
    actor_id: int  # who saved it (0: the system)


PolicyListener = Callable[[CompletionPolicyChange], None]

_listeners: dict[str, PolicyListener] = {}


def completion_policy_listener_register(name: str, listener: PolicyListener) -> None:
    """Register (or, on a repeated `ready()`, replace) the listener named `name`."""
    _listeners[name] = listener


def completion_policy_listeners_run(change: CompletionPolicyChange) -> None:
    for listener in list(_listeners.values()):
        listener(change)
