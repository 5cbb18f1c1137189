"""The heartbeat's hand-built response equals what ProgressOutputSerializer (the schema)
renders, for every shape of state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tracking.apis import ProgressOutputSerializer, progress_payload
from tracking.selectors import ProgressState


@pytest.mark.parametrize(
    "completed_at",
    [
        None,
        datetime(2026, 3, 1, 12, 30, 5, 123000),  # naive UTC, as MongoDB returns it
        datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC),
        datetime(2026, 3, 1, 14, 30, 5, 7, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_payload_matches_the_output_serializer(completed_at):
    state = ProgressState(
        position_s=12,
        furthest_s=30.5,
        coverage=0.3333,
        watch_time_s=29.125,
        completed_at=completed_at,
        duration_s=100,
    )
    payload = progress_payload(state)
    assert payload == dict(ProgressOutputSerializer(state).data)
    assert [type(value) for value in payload.values()] == [
        type(value) for value in ProgressOutputSerializer(state).data.values()
    ]
