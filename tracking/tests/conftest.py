"""Fixtures shared by the tracking tests."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import enrollment_create
from playback import selectors as playback_selectors
from tracking import apis as tracking_apis
from tracking import offline_apis
from tracking.tests.helpers import LESSON_DURATION_S, Clock, ready_video_course
from tracking.viewing import view_issue


@pytest.fixture(params=["live", "direct"])
def path(request, settings):
    """Both heartbeat paths: the live Redis state and the direct MongoDB update."""
    settings.PROGRESS_LIVE_STATE = request.param == "live"
    return request.param


@pytest.fixture
def clock(monkeypatch):
    """The server's wall time for the playback, heartbeat and offline-sync services of these
    requests: tests advance it, never sleep."""
    clock = Clock()
    record, sync = tracking_apis.progress_record_heartbeat, offline_apis.progress_offline_sync
    monkeypatch.setattr(
        tracking_apis, "progress_record_heartbeat", lambda **kw: record(now=clock.now, **kw)
    )
    monkeypatch.setattr(
        offline_apis, "progress_offline_sync", lambda **kw: sync(now=clock.now, **kw)
    )
    monkeypatch.setattr(
        playback_selectors, "view_issue", lambda **kw: view_issue(now=clock.now, **kw)
    )
    return clock


@pytest.fixture
def course_lessons(instructor, ready_assets):
    """A published course whose lessons have ready videos of LESSON_DURATION_S seconds."""
    return ready_video_course(owner=instructor, assets=ready_assets, duration_s=LESSON_DURATION_S)


@pytest.fixture
def learner(course_lessons):
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course_lessons[0])
    return student
