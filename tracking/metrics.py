"""What the heartbeat path reports to the metrics endpoint."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from learnstream.errors import Throttled, ValidationError, VideoNotReady
from learnstream.metrics import heartbeat_count

P = ParamSpec("P")
R = TypeVar("R")


def heartbeat_outcomes(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate the heartbeat service: count each call as accepted, throttled (429) or
    refused (400/409), so the service itself stays free of metric calls."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = func(*args, **kwargs)
        except Throttled:
            heartbeat_count(outcome="throttled")
            raise
        except (ValidationError, VideoNotReady):
            heartbeat_count(outcome="refused")
            raise
        heartbeat_count(outcome="accepted")
        return result

    return wrapper
