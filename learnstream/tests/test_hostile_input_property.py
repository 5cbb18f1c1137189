"""Property: no hostile id, slug, cursor or number anywhere in the API is a 500, and a
refusal writes nothing.

Every route under /api/v1/ (taken from the URL conf, so new routes are covered without
being listed) is called with one hostile value in one place: a path parameter, a query
parameter (cursors, page numbers, filters) or a field of a body that is otherwise valid
(heartbeat numbers, `expected_revision`, lesson ids...). The other path parameters point at
the real world, so the hostile value reaches validation and the services, not just a 404.
Whatever the answer, it is never a 5xx; when it is a refusal (4xx), MongoDB and PostgreSQL
are exactly as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from bson import json_util
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.api_routes import Route, routes_under
from devtools.api_world import ApiWorld
from learnstream import mongo
from learnstream.tests.test_api_fuzz import requests_keep_connection

SKIPPED = {"api/v1/schema/", "api/v1/docs/"}
# Sign-in, sign-out and account routes take no ids, slugs, cursors or numbers; calling them
# with the world's tokens could end the sessions the other examples need.
ACCOUNT_PREFIXES = ("api/v1/auth/", "api/v1/me")
_PARAM = re.compile(r"<(?:[^>:]+:)?([^>]+)>")

# Bodies that pass validation, so one hostile field is what a refusal is about.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "api/v1/lessons/<str:lesson_id>/progress"): {
        "position_s": 1,
        "duration_s": 60,
        "played_from_s": 0,
        "played_to_s": 1,
    },
    ("PATCH", "api/v1/instructor/courses/<str:course_id>"): {
        "title": "Matrix course",
        "expected_revision": 1,
    },
    ("POST", "api/v1/instructor/courses"): {"title": "Hostile", "slug": "hostile"},
    ("POST", "api/v1/instructor/courses/<str:course_id>/lessons"): {"title": "Hostile"},
    ("PATCH", "api/v1/instructor/lessons/<str:lesson_id>"): {"title": "Renamed"},
    ("POST", "api/v1/instructor/courses/<str:course_id>/lessons/order"): {"lesson_ids": []},
    ("PUT", "api/v1/instructor/lessons/<str:lesson_id>/captions/<str:caption_id>"): {
        "reviewed": True
    },
    ("POST", "api/v1/instructor/lessons/<str:lesson_id>/captions/generate"): {"language": "en"},
}
QUERY_NAMES = ("cursor", "page", "q", "level", "language", "tag", "status", "lesson_id")

HOSTILE_TEXT = [
    "0" * 24 + "\n",
    "0" * 24 + "\r\n",
    "\n" + "0" * 24,
    "0" * 23 + "g",
    "0" * 25,
    "F" * 24,
    "matrix-course\n",
    "matrix-course\x00",
    "Matrix-Course",
    "matrix--course",
    "-",
    "²",
    "١٢٣",
    "1e30",
    "9" * 40,
    "-1",
    "0",
    "null",
    "[]",
    "{}",
    "..",
    "%00",
    "\x00",
    "\ud7ff\ufffd",
    "\u202e",
    "a" * 3000,
    "eyJhIjoxfQ",  # base64 JSON that is not a cursor
    "WyJhIiwiMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwXG4iLCJuIl0",  # cursor, id with "\n"
    "W1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW10",
]
HOSTILE_NUMBERS: list[Any] = [
    2**63,
    2**63 - 1,
    -(2**63) - 1,
    10**30,
    10**400,
    -1,
    0,
    1.5,
    -0.0,
    1e308,
    True,
    None,
    "1",
    "",
    [],
    {},
    [[[[[[[[1]]]]]]]],
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=40),
    st.builds(
        lambda s, tail: s + tail, st.sampled_from(HOSTILE_TEXT), st.sampled_from("\n\r\x00 ")
    ),
)
hostile_value = st.one_of(
    hostile_text,
    st.sampled_from(HOSTILE_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70),
)


def _routes() -> list[tuple[str, Route]]:
    return [
        (method, route)
        for route in routes_under("api/v1/")
        if route.route not in SKIPPED and not route.route.startswith(ACCOUNT_PREFIXES)
        for method in route.methods
    ]


def _targets(method: str, route: Route) -> list[tuple[str, str]]:
    """Where a hostile value can go on this operation: ("path"|"query"|"body", name)."""
    targets = [("path", name) for name in _PARAM.findall(route.route)]
    if method == "DELETE":
        return targets  # only hostile ids: a valid DELETE would really delete
    if method == "GET":
        targets += [("query", name) for name in QUERY_NAMES]
    else:
        body = BODIES.get((method, route.route), {})
        targets += [("body", name) for name in body] or [("body", "_")]
    return targets


@st.composite
def hostile_calls(draw: Any) -> tuple[str, Route, tuple[str, str], Any]:
    method, route = draw(st.sampled_from(_routes()))
    target = draw(st.sampled_from(_targets(method, route)))
    value = draw(hostile_text if target[0] in ("path", "query") else hostile_value)
    return method, route, target, value


def _state() -> str:
    """A digest of everything stored: every MongoDB document, and every PostgreSQL row of
    the application's tables."""
    digest = hashlib.sha256()
    database = mongo.database()
    for name in sorted(database.list_collection_names()):
        if name.startswith("system."):
            continue
        for document in database[name].find().sort("_id", 1):
            digest.update(name.encode() + json_util.dumps(document, sort_keys=True).encode())
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table.startswith(("django_session", "django_migrations")):
                continue
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 (own table names)
            digest.update(table.encode() + repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def _call(world: ApiWorld, method: str, route: Route, target: tuple[str, str], value: Any):
    params: dict[str, object] = {
        name: quote(str(real), safe="") for name, real in world.params("published").items()
    }
    query: dict[str, Any] = {}
    body: dict[str, Any] | None = None
    where, name = target
    if where == "path":
        params[name] = quote(str(value), safe="")
    elif where == "query":
        query[name] = value
    if method in ("POST", "PUT", "PATCH"):
        body = dict(BODIES.get((method, route.route), {}))
        if where == "body":
            body[name] = value
    path = route.path(params) + (f"?{urlencode(query)}" if query else "")
    role = "owner" if "/instructor/" in route.route else "enrolled"
    client = world.client_for(role)
    with requests_keep_connection():
        if body is None:
            return getattr(client, method.lower())(path)
        raw = json.dumps(body, allow_nan=True)
        return getattr(client, method.lower())(path, raw, content_type="application/json")


@pytest.mark.django_db
def test_hostile_ids_slugs_cursors_and_numbers_are_never_a_500_and_refusals_write_nothing(
    api_world: ApiWorld,
):
    for role in ("owner", "enrolled"):
        api_world.token_pair(api_world.users[role])  # sign in once, before the states
    stored = [_state()]  # what is stored now (an accepted call may change it)

    @settings(
        max_examples=int(os.environ.get("HOSTILE_MAX_EXAMPLES", "150")),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(call=hostile_calls())
    def run(call: tuple[str, Route, tuple[str, str], Any]) -> None:
        method, route, target, value = call
        response = _call(api_world, method, route, target, value)
        where = f"{method} /{route.route} with {target[0]} {target[1]}={value!r}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.content!r}"
        after = _state()
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/problem+json"), where
            assert after == stored[0], f"{where}: refused ({response.status_code}) but wrote"
        stored[0] = after

    run()
