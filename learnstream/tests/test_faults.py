"""Fault injection: MongoDB stopped, Redis stopped, the Mux API down or slow, a wrong webhook
secret. Every endpoint answers within 5 s with the documented status, nothing is lost, and
the service recovers when the dependency comes back, without a restart.

MongoDB and Redis are dedicated servers started for the test (SecantusDB with on-disk
storage, `redis-server`), stopped and started again on the same port and data, so recovery
is the app reconnecting by itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import requests
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import enrollment_create
from catalog.tests.factories import published_course
from devtools import mongo_server
from devtools.clients import client_for
from devtools.fixtures import WEBHOOK_SECRET
from devtools.live_stack import connect_simulator, put_in_chunks, wait_for_video_state
from learnstream import mongo
from playback.tests.helpers import asset_data, deliver, event, ready_generation, set_video
from tracking.selectors import progress_get

DEADLINE_S = 5.0


def timed(client: APIClient, method: str, path: str, **kwargs):
    """One request; fails unless it is answered within the deadline."""
    started = time.monotonic()
    response = getattr(client, method)(path, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE_S, f"{method.upper()} {path} took {elapsed:.1f} s"
    return response


def beat(position: float, played_from: float, duration: float = 2.0) -> dict:
    return {
        "position_s": position,
        "duration_s": duration,
        "played_from_s": played_from,
        "played_to_s": position,
    }


@pytest.fixture
def watchable(db, ready_assets):
    """A published course whose first lesson has a ready video, and an enrolled student."""
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=2)
    video, text = Lesson.objects(course_id=course.id).order_by("position")
    set_video(video, current=ready_generation(ready_assets[0]))
    student = UserFactory(role="student")
    enrollment_create(user=student, course=course)
    return {
        "course": course,
        "video": video,
        "text": text,
        "student": student,
        "instructor": instructor,
    }


# --- MongoDB ------------------------------------------------------------------------------


class OwnMongo:
    """A SecantusDB on its own port and on-disk storage, which the app is pointed at."""

    def __init__(self, storage: str) -> None:
        self.port = mongo_server.free_port()
        self.storage = storage
        self.process = mongo_server.start(self.port, storage)

    def stop(self) -> None:
        mongo_server.stop(self.process)

    def start(self) -> None:
        self.process = mongo_server.start(self.port, self.storage)


@pytest.fixture
def own_mongo(settings, tmp_path) -> Iterator[OwnMongo]:
    """The app pointed at a dedicated SecantusDB; afterwards back at the session's server."""
    original = settings.MONGODB_URI, settings.MONGODB_TIMEOUT_MS
    server = OwnMongo(str(tmp_path / "mongo-data"))
    settings.MONGODB_URI = mongo_server.uri_for(server.port, "faults")
    settings.MONGODB_TIMEOUT_MS = 1000
    mongo.connect()
    try:
        yield server
    finally:
        server.stop()
        settings.MONGODB_URI, settings.MONGODB_TIMEOUT_MS = original
        mongo.connect()


@pytest.mark.django_db
def test_mongo_outage_answers_503_loses_nothing_and_recovers(own_mongo, watchable, client):
    course, video, student = watchable["course"], watchable["video"], watchable["student"]
    learner = client_for(student)
    teacher = client_for(watchable["instructor"])
    progress_url = f"/api/v1/lessons/{video.id}/progress"
    assert timed(learner, "post", progress_url, data=beat(1.0, 0), format="json").status_code == 200
    before = progress_get(user_id=student.id, lesson_id=str(video.id))
    from django.core.cache import cache

    cache.clear()  # nothing may be answered from a warm cache: this is about MongoDB

    own_mongo.stop()
    mongo_backed = [
        (learner, "get", "/api/v1/courses", {}),
        (learner, "get", f"/api/v1/courses/{course.slug}", {}),
        (learner, "get", f"/api/v1/lessons/{video.id}/playback", {}),
        (learner, "post", progress_url, {"data": beat(1.5, 1.0), "format": "json"}),
        (learner, "get", f"/api/v1/courses/{course.slug}/progress", {}),
        (learner, "get", "/api/v1/me/enrollments", {}),
        (teacher, "get", "/api/v1/instructor/courses", {}),
        (teacher, "get", f"/api/v1/instructor/courses/{course.id}", {}),
    ]
    for who, method, path, kwargs in mongo_backed:
        response = timed(who, method, path, **kwargs)
        assert response.status_code == 503, (path, response.status_code)
        assert response.json()["code"] == "service_unavailable", path
    assert timed(client, "get", "/").status_code == 503  # the HTML page: the 503 template
    assert timed(client, "get", "/readyz").status_code == 503
    # PostgreSQL-only endpoints keep working.
    assert timed(learner, "get", "/api/v1/me").status_code == 200
    signed_in = timed(
        APIClient(),
        "post",
        "/api/v1/auth/token",
        data={"email": student.email, "password": "correct-horse-battery-9"},
        format="json",
    )
    assert signed_in.status_code == 200

    own_mongo.start()  # same port, same storage: the app reconnects by itself
    for who, method, path, kwargs in mongo_backed:
        if method == "post":
            continue  # the beat is sent again below, once the data has been checked
        response = timed(who, method, path, **kwargs)
        assert response.status_code == 200, (path, response.status_code)
    assert timed(client, "get", "/").status_code == 200
    # Nothing lost, and the refused beat changed nothing.
    after = progress_get(user_id=student.id, lesson_id=str(video.id))
    assert after == before
    time.sleep(2)  # the heartbeat limit: one accepted beat per 2 s
    resumed = timed(learner, "post", progress_url, data=beat(1.5, 1.0), format="json")
    assert resumed.status_code == 200
    assert resumed.json()["position_s"] == 1.5


# --- Redis --------------------------------------------------------------------------------


class OwnRedis:
    def __init__(self, tmp_path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(settings, tmp_path) -> Iterator[OwnRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    server = OwnRedis(tmp_path)
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "KEY_PREFIX": "ls",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    try:
        yield server
    finally:
        server.stop()


def redis_keys(port: int) -> int:
    import redis

    return redis.Redis(host="127.0.0.1", port=port).dbsize()


@pytest.mark.django_db
def test_redis_outage_serves_uncached_rate_limits_fail_closed_and_recovers(
    own_redis, watchable, client, settings
):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "login_account": (3, 60),
        "refresh_family": (2, 60),
    }
    course, video, student = watchable["course"], watchable["video"], watchable["student"]
    learner = client_for(student)
    assert timed(learner, "get", f"/api/v1/courses/{course.slug}").status_code == 200
    assert redis_keys(own_redis.port) > 0  # the cache is in use

    own_redis.stop()
    # Everything still serves, uncached.
    for path in (
        "/api/v1/courses",
        f"/api/v1/courses/{course.slug}",
        f"/api/v1/lessons/{video.id}/playback",
        f"/api/v1/courses/{course.slug}/progress",
        "/api/v1/me/enrollments",
    ):
        assert timed(learner, "get", path).status_code == 200, path
    progress_url = f"/api/v1/lessons/{video.id}/progress"
    assert timed(learner, "post", progress_url, data=beat(1.0, 0), format="json").status_code == 200
    # ...and the heartbeat limit still holds (per process).
    too_soon = timed(learner, "post", progress_url, data=beat(1.5, 1.0), format="json")
    assert too_soon.status_code == 429
    assert timed(client, "get", "/").status_code == 200
    assert timed(client, "get", f"/courses/{course.slug}/").status_code == 200

    # Login limits fail closed: per-process counters, never unlimited.
    anonymous = APIClient()
    wrong = {"email": student.email, "password": "not the password"}
    statuses = [
        timed(anonymous, "post", "/api/v1/auth/token", data=wrong, format="json").status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # Refresh limits too.
    other = UserFactory(role="student")
    pair = timed(
        anonymous,
        "post",
        "/api/v1/auth/token",
        data={"email": other.email, "password": "correct-horse-battery-9"},
        format="json",
    ).json()
    refresh = pair["refresh"]
    answers = []
    for _ in range(3):
        response = timed(
            anonymous,
            "post",
            "/api/v1/auth/token/refresh",
            data={"refresh": refresh},
            format="json",
        )
        answers.append(response.status_code)
        if response.status_code == 200:
            refresh = response.json()["refresh"]
    assert answers == [200, 200, 429]

    own_redis.start()  # same port: django-redis reconnects by itself
    assert timed(learner, "get", f"/api/v1/courses/{course.slug}").status_code == 200
    assert redis_keys(own_redis.port) > 0  # cached again


# --- Mux ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["api_errors", "slow", "stopped"])
def test_mux_down_fails_uploads_fast_and_playback_is_unaffected(
    fault, mux_sim, watchable, settings
):
    video, text = watchable["video"], watchable["text"]
    teacher = client_for(watchable["instructor"])
    learner = client_for(watchable["student"])
    if fault == "api_errors":
        mux_sim.configure(fail_api=True)
    elif fault == "slow":
        mux_sim.configure(latency_ms=8000)
    else:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        settings.MUX_API_HOST = f"http://127.0.0.1:{closed_port}"

    upload = timed(teacher, "post", f"/api/v1/instructor/lessons/{text.id}/upload")
    assert upload.status_code in (502, 503), upload.content
    assert upload.json()["code"] in ("upstream_error", "service_unavailable")
    status = timed(teacher, "get", f"/api/v1/instructor/lessons/{text.id}/video")
    assert status.json()["state"] == "none"  # nothing half-written
    playback = timed(learner, "get", f"/api/v1/lessons/{video.id}/playback")
    assert playback.status_code == 200
    if fault != "slow":  # the simulator serves media slowly too when it is slow
        assert requests.get(playback.json()["stream_url"], timeout=5).status_code == 200

    mux_sim.configure(fail_api=False, latency_ms=0)
    settings.MUX_API_HOST = mux_sim.url
    recovered = timed(teacher, "post", f"/api/v1/instructor/lessons/{text.id}/upload")
    assert recovered.status_code == 201
    assert timed(teacher, "get", f"/api/v1/instructor/lessons/{text.id}/video").json()["state"] == (
        "awaiting_upload"
    )


# --- Webhook secret -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_wrong_webhook_secret_is_refused_and_retries_deliver_once_fixed(
    mux_sim, live_server, settings, video_clip
):
    connect_simulator(mux_sim=mux_sim, live_server=live_server, settings=settings)
    mux_sim.configure(webhook_retry_base_s=0.5, webhook_retry_cap_s=2)
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    teacher = client_for(instructor)

    # A forged delivery (signed with another secret) is refused fast and changes nothing.
    forged = event(
        "video.asset.ready",
        asset_data(asset_id="forged", upload_id=None, lesson_id=str(lesson.id), status="ready"),
    )
    started = time.monotonic()
    refused = deliver(APIClient(), forged, secret="not-the-secret")
    assert time.monotonic() - started < DEADLINE_S
    assert refused.status_code == 401
    assert (
        timed(teacher, "get", f"/api/v1/instructor/lessons/{lesson.id}/video").json()["state"]
        == "none"
    )

    # The app is configured with the wrong secret: the simulator's real deliveries are refused...
    settings.MUX_WEBHOOK_SECRET = "rotated-on-one-side-only"
    upload = timed(teacher, "post", f"/api/v1/instructor/lessons/{lesson.id}/upload").json()
    put_in_chunks(upload["url"], video_clip)
    time.sleep(3)
    assert timed(teacher, "get", f"/api/v1/instructor/lessons/{lesson.id}/video").json()[
        "state"
    ] == ("awaiting_upload")
    upload_hooks = [hook for hook in mux_sim.webhooks() if hook["object_id"] == upload["upload_id"]]
    assert upload_hooks and all(hook["last_status"] == 401 for hook in upload_hooks)
    assert all(hook["state"] == "pending" for hook in upload_hooks)  # to be retried
    # ...and once the secret is right again, the retries deliver them: nothing lost.
    settings.MUX_WEBHOOK_SECRET = WEBHOOK_SECRET
    wait_for_video_state(user=instructor, lesson_id=str(lesson.id), state="ready", timeout_s=30)
    redelivered = {hook["id"]: hook for hook in mux_sim.webhooks()}
    for hook in upload_hooks:
        assert redelivered[hook["id"]]["state"] == "delivered"
        assert redelivered[hook["id"]]["attempts"] > 1
