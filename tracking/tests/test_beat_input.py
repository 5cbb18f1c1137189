"""The heartbeat's direct reading of a well-formed body accepts exactly what the input
serializer accepts, with the same values; anything else is left to the serializer."""

from __future__ import annotations

import math

import pytest

from tracking.apis import LessonProgressRecordApi, _plain_beat

GOOD = {"position_s": 12.5, "duration_s": 100, "played_from_s": 2.5, "played_to_s": 12.5}


@pytest.mark.parametrize(
    "body",
    [
        GOOD,
        {**GOOD, "extra": "ignored"},
        {**GOOD, "position_s": 0},
        {**GOOD, "position_s": -0.0},
        {**GOOD, "position_s": -1},
        {**GOOD, "position_s": "1"},
        {**GOOD, "position_s": True},
        {**GOOD, "position_s": None},
        {**GOOD, "position_s": math.nan},
        {**GOOD, "position_s": math.inf},
        {**GOOD, "position_s": 10**400},
        {**GOOD, "position_s": 2**60},
        {key: value for key, value in GOOD.items() if key != "duration_s"},
        [GOOD],
        "beat",
        None,
    ],
)
def test_direct_reading_agrees_with_the_serializer(body):
    serializer = LessonProgressRecordApi.InputSerializer(data=body)
    valid = serializer.is_valid()
    direct = _plain_beat(body)
    if direct is not None:
        assert valid
        assert direct == dict(serializer.validated_data)
        assert all(type(value) is float for value in direct.values())
    elif valid:
        # Left to the serializer although valid (huge ints): it still answers.
        assert any(type(body[name]) is int for name in body)  # type: ignore[index]
