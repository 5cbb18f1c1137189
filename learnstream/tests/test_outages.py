"""A MongoDB outage answers a fast 503 naming what failed, never a hang or a traceback."""

import time

import pytest

from devtools.mongo_server import free_port, uri_for
from learnstream import mongo


@pytest.fixture
def mongo_down(settings):
    original = settings.MONGODB_URI, settings.MONGODB_TIMEOUT_MS
    settings.MONGODB_URI = uri_for(free_port(), "nowhere")
    settings.MONGODB_TIMEOUT_MS = 500
    mongo.connect()
    yield
    settings.MONGODB_URI, settings.MONGODB_TIMEOUT_MS = original
    mongo.connect()


@pytest.mark.django_db
def test_readyz_names_mongo_when_it_is_down(client, mongo_down):
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["mongo"]
    assert body["checks"]["mongo"]["status"] == "error"
    assert body["checks"]["sql"]["status"] == "ok"
