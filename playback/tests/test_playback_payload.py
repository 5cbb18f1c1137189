"""The playback response built by hand equals what LessonPlaybackGetApi.OutputSerializer (the
schema) renders, with and without captions and a viewing session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from playback.apis import LessonPlaybackGetApi, playback_payload
from playback.captions_selectors import PlaybackCaption
from playback.selectors import LessonPlayback
from playback.signing import PlaybackTokens

CAPTIONS = [
    PlaybackCaption(id="c1", language="en", label="English", closed_captions=True, url="u1"),
    PlaybackCaption(id="c2", language="pt-BR", label="Português", closed_captions=False, url="u2"),
]


@pytest.mark.parametrize("captions", [[], CAPTIONS], ids=["no-captions", "captions"])
@pytest.mark.parametrize(
    "view",
    [
        None,
        {"id": "view.mac", "expires_at": datetime(2026, 3, 1, 18, 0, 0, 125000, tzinfo=UTC)},
        {"id": "v", "expires_at": datetime(2026, 3, 1, 20, 0, tzinfo=timezone(timedelta(hours=2)))},
    ],
    ids=["no-view", "view-utc", "view-offset"],
)
def test_payload_matches_the_output_serializer(captions, view):
    expires = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
    playback = LessonPlayback(
        playback_id="pb",
        stream_url="https://stream/pb.m3u8?token=v",
        thumbnail_url="https://image/pb/thumbnail.jpg?token=t",
        storyboard_url="https://image/pb/storyboard.vtt?token=s",
        tokens=PlaybackTokens(video="v", thumbnail="t", storyboard="s", expires_at=expires),
        expires_at=expires,
        resume_position_s=42,
        captions=captions,
        view=view,
    )
    payload = playback_payload(playback)
    rendered = LessonPlaybackGetApi.OutputSerializer(playback).data

    def plain(value):
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    assert payload == plain(rendered)
    assert type(payload["resume_position_s"]) is type(rendered["resume_position_s"])
