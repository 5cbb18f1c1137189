"""Whole-API fixtures: the Mux simulator (its signing key signs playback tokens, its API
answers uploads) reused from the playback tests, and the shared API world."""

from __future__ import annotations

import pytest

from learnstream.testing.api_world import ApiWorld, api_world_build
from playback.tests.conftest import _mux_sim_session, mux_sim  # noqa: F401 (fixtures)


@pytest.fixture
def api_world(db, mux_sim) -> ApiWorld:  # noqa: F811 (mux_sim is the imported fixture)
    return api_world_build()
