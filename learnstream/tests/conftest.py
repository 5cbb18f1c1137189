"""Whole-API fixtures. The Mux simulator (its signing key signs playback tokens, its API
answers uploads) comes from `devtools.fixtures`, registered by the root conftest."""

from __future__ import annotations

import pytest

from devtools.api_world import ApiWorld, api_world_build


@pytest.fixture
def api_world(db, mux_sim) -> ApiWorld:
    return api_world_build()
