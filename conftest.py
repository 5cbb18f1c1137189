"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

# Simulator, signing key and generated-clip fixtures, shared by the playback tests and the
# journeys under learnstream/tests.
pytest_plugins = ["devtools.fixtures"]

_mongo_process = None


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the session's SecantusDB before any test touches MongoDB."""
    global _mongo_process
    from django.conf import settings

    from devtools import mongo_server

    port = getattr(settings, "MONGODB_TEST_SERVER_PORT", None)
    if port is not None and _mongo_process is None:
        _mongo_process = mongo_server.start(port, ":memory:")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from devtools import mongo_server

    if _mongo_process is not None:
        mongo_server.stop(_mongo_process)


@pytest.fixture(autouse=True)
def _clean_mongo():
    """Every test starts from empty collections. delete_many (not drop) keeps the unique
    indexes mongoengine created, which tests rely on."""
    from learnstream import mongo

    yield
    database = mongo.database()
    for name in database.list_collection_names():
        if not name.startswith("system."):
            database[name].delete_many({})


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    from learnstream.ratelimit import rate_limits_clear_local

    cache.clear()
    rate_limits_clear_local()
    yield
    cache.clear()
    rate_limits_clear_local()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def student(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="student")


@pytest.fixture
def instructor(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="instructor")


@pytest.fixture
def other_instructor(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="instructor")


@pytest.fixture
def admin_user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="admin")
