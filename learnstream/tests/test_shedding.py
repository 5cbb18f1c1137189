"""Overload shedding: a request that waited past the queue budget is answered at once, in
front of Django, through the WSGI application gunicorn serves."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from learnstream.metrics import SHED
from learnstream.shedding import QueueWatch, ShedOverdueRequests, request_start_epoch_s
from learnstream.wsgi import application


def _stamp(waited_s: float) -> str:
    return f"t={time.time() - waited_s:.3f}"


def call(app, path: str, *, method: str = "GET", body: bytes = b"", **headers: str):
    """One request through a WSGI application: (status code, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split(" ", 1)[0])
        answer["headers"] = dict(response_headers)

    chunks = app(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return answer["status"], answer["headers"], content


def test_a_request_that_waited_too_long_is_answered_503_with_retry_after():
    status, headers, body = call(application, "/api/v1/courses", x_request_start=_stamp(1.5))
    assert status == 503
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["code"] == "service_unavailable" and problem["status"] == 503
    assert int(headers["Retry-After"]) >= 1
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Request-ID"]


def test_a_late_heartbeat_is_answered_429_with_retry_after():
    path = "/api/v1/lessons/0123456789abcdef01234567/progress"
    status, headers, body = call(
        application, path, method="POST", body=b"{}", x_request_start=_stamp(3)
    )
    assert status == 429
    assert json.loads(body)["code"] == "throttled"
    assert int(headers["Retry-After"]) >= 1


def test_pages_are_shed_too():
    status, headers, body = call(application, "/courses/", x_request_start=_stamp(2))
    assert status == 503
    assert headers["Content-Type"].startswith("text/plain")
    assert "Retry-After" in headers and body


def test_a_shed_request_never_reaches_django_and_keeps_its_request_id():
    def django_must_not_run(environ, start_response):
        raise AssertionError("the application ran for a shed request")

    status, headers, _body = call(
        ShedOverdueRequests(django_must_not_run),
        "/api/v1/courses",
        x_request_start=_stamp(5),
        x_request_id="edge-1234",
    )
    assert status == 503 and headers["X-Request-ID"] == "edge-1234"
    _status, headers, _body = call(
        ShedOverdueRequests(django_must_not_run),
        "/api/v1/courses",
        x_request_start=_stamp(5),
        x_request_id="bad id\n",
    )
    assert headers["X-Request-ID"] != "bad id\n" and len(headers["X-Request-ID"]) == 32


def _served_by_the_application(*, path: str = "/api/v1/courses", x_request_start: str = ""):
    """Whether the wrapped application ran for the request, and the status it answered."""
    ran = []

    def inner(environ, start_response):
        ran.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"served"]

    # An empty stamp is no stamp, as for a request no proxy stamped.
    status, _headers, _body = call(
        ShedOverdueRequests(inner), path, x_request_start=x_request_start
    )
    return bool(ran), status


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_are_never_shed(path):
    assert _served_by_the_application(path=path, x_request_start=_stamp(60)) == (True, 200)


def test_requests_within_the_budget_or_without_a_stamp_are_served():
    assert _served_by_the_application(x_request_start=_stamp(0.2)) == (True, 200)
    assert _served_by_the_application() == (True, 200)
    assert _served_by_the_application(x_request_start="t=garbage") == (True, 200)


def test_shedding_is_off_with_a_zero_budget(settings):
    settings.REQUEST_QUEUE_BUDGET_S = 0
    assert _served_by_the_application(x_request_start=_stamp(30)) == (True, 200)


def test_the_served_application_is_django_behind_the_shedder():
    from django.core.handlers.wsgi import WSGIHandler

    assert isinstance(application, ShedOverdueRequests)
    assert isinstance(application.application, WSGIHandler)


def test_shed_requests_are_counted_and_logged_once_a_second_not_each(caplog):
    shedder = ShedOverdueRequests(application)
    counted = SHED.labels(status="503")._value.get()
    with caplog.at_level(logging.WARNING, logger="learnstream.shedding"):
        for _ in range(50):
            assert call(shedder, "/api/v1/courses", x_request_start=_stamp(2))[0] == 503
        assert SHED.labels(status="503")._value.get() == counted + 50
        assert len([r for r in caplog.records if r.name == "learnstream.shedding"]) <= 1
        caplog.clear()
        shedder._log._since -= 2  # a second later: the next shed logs the summary
        call(shedder, "/api/v1/courses", x_request_start=_stamp(2))
    (summary,) = [r for r in caplog.records if r.name == "learnstream.shedding"]
    assert summary.getMessage().startswith("Shed ") and "queue budget" in summary.getMessage()


def test_request_start_formats():
    now = time.time()
    for text in (f"t={now}", f"{now * 1000:.0f}", f"t={now * 1e6:.0f}"):
        parsed = request_start_epoch_s(text)
        assert parsed is not None and abs(parsed - now) < 1
    assert request_start_epoch_s("t=nan") is None
    assert request_start_epoch_s("") is None


def test_a_burst_keeps_the_full_budget_and_a_standing_queue_gets_a_short_one():
    watch = QueueWatch(interval_s=1.0)
    limits = {"budget_s": 1.0, "target_s": 0.1}
    # A burst: long waits, but one request in the interval got through quickly.
    for moment, waited in ((0.0, 0.8), (0.3, 0.05), (0.6, 0.9)):
        assert watch.budget_s(waited, moment, **limits) == 1.0
    # The next interval: every request waited past the target for the whole second...
    for moment, waited in ((1.0, 0.6), (1.5, 0.4), (1.9, 0.7)):
        assert watch.budget_s(waited, moment, **limits) == 1.0
    # ...so the queue stands: the budget is 3x the target.
    assert watch.budget_s(0.5, 2.0, **limits) == pytest.approx(0.3)
    assert watch.budget_s(0.05, 2.5, **limits) == pytest.approx(0.3)
    # The short budget turned a request away in that interval: it stays, short waits or not.
    assert watch.budget_s(0.05, 3.0, **limits) == pytest.approx(0.3)
    # An interval it turned none away and a wait under the target: the full budget is back.
    assert watch.budget_s(0.2, 4.0, **limits) == 1.0
    assert watch.budget_s(0.2, 4.5, **{**limits, "target_s": 0}) == 1.0


def test_under_a_standing_queue_requests_past_the_short_budget_are_shed(settings):
    settings.REQUEST_QUEUE_TARGET_S = 0.1
    ran = []

    def inner(environ, start_response):
        ran.append(1)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"served"]

    shedder = ShedOverdueRequests(inner)
    shedder.queue.interval_s = 0.05
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:  # a queue that stands at 0.5 s
        call(shedder, "/api/v1/courses", x_request_start=_stamp(0.5))
    assert shedder.queue.standing
    assert call(shedder, "/api/v1/courses", x_request_start=_stamp(0.5))[0] == 503
    served_before = len(ran)
    assert call(shedder, "/api/v1/courses", x_request_start=_stamp(0.2))[0] == 200
    assert len(ran) == served_before + 1
