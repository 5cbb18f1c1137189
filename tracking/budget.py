"""The watch-time budget per learner and lesson: the one rule every way of crediting
watched time obeys (live heartbeats, direct heartbeats, and any other path that credits
media seconds to a progress document).

    credited media seconds in all <= wall seconds since the budget began x max rate
                                      + PROGRESS_BUDGET_ALLOWANCE_S

The max rate is the lesson's fastest credited speed (`CompletionPolicy.max_rate`, at most
PROGRESS_MAX_PLAYBACK_RATE). The budget begins at the earliest viewing session
(`tracking.viewing`) a beat of the lesson has carried — stored as `budget_started_at` — or, for
beats without a view, at the first beat (`started_at`). It is one allowance per learner and
lesson, never one per beat, view, tab or device.

`budget_credit_expression` is the rule as a MongoDB aggregation expression for pipeline
updates; the Lua beat script of `tracking.progress_buffer` computes the same numbers in Redis
(`budget_from` there is the hash's `bst`, else `started`), and `budget_allows_s` is the rule in
plain Python for code that reads a state first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings


def budget_allows_s(*, elapsed_s: float, max_rate: float) -> float:
    """Media seconds the budget allows in all, `elapsed_s` after it began."""
    return max(elapsed_s, 0.0) * max_rate + settings.PROGRESS_BUDGET_ALLOWANCE_S


def budget_start_expression(view_issued_at: datetime | None) -> Any:
    """The stored budget start after a beat of a view issued at `view_issued_at` (None: a
    beat without a view): the earlier of the two, so it only ever moves back to a view."""
    if view_issued_at is None:
        return "$budget_started_at"
    return {"$min": ["$budget_started_at", {"$literal": view_issued_at}]}


def budget_credit_expression(
    *, span_s: float, now: datetime, max_rate: float, budget_from: Any
) -> dict[str, Any]:
    """How much of a span of `span_s` media seconds the budget still credits, given the
    stored `watch_time_s` (the credited total so far) and `budget_from`
    (`budget_start_expression`)."""
    began = {"$ifNull": [budget_from, {"$ifNull": ["$started_at", now]}]}
    elapsed_s = {"$divide": [{"$subtract": [now, began]}, 1000]}
    allows = {"$add": [{"$multiply": [elapsed_s, max_rate]}, settings.PROGRESS_BUDGET_ALLOWANCE_S]}
    left = {"$max": [0.0, {"$subtract": [allows, {"$ifNull": ["$watch_time_s", 0.0]}]}]}
    return {"$min": [span_s, left]}
