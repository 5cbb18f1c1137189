"""Fixtures shared by the tracking tests."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["live", "direct"])
def path(request, settings):
    """Both heartbeat paths: the live Redis state and the direct MongoDB update."""
    settings.PROGRESS_LIVE_STATE = request.param == "live"
    return request.param
