# ruff: noqa: E501 (the matrix is a table: one row per line reads best)
"""The authorization matrix: every API route, method and role has one expected status.

Each cell is its own test (id: "<METHOD> <route> [<target>] <role>"), run against a fresh
world (see `devtools.api_world`) with real access tokens from
POST /api/v1/auth/token, so the stateless JWT path is what is tested. Rows may repeat a
route with another `target` (the preview, text or draft lesson/course) to pin more rules.

`test_every_api_route_has_a_row` walks the URL conf: a new route or method under /api/v1/
without a row fails, and its message gives the row to add (with the statuses it observed,
to be checked — not trusted — before pasting).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from devtools.api_routes import Route, routes_under
from devtools.api_world import PASSWORD, ROLES, ApiWorld

Body = Callable[[ApiWorld, str], Any]


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the Django route string, as in the URL conf
    expected: tuple[int, int, int, int, int, int]  # in ROLES order
    target: str = "published"  # which course/lesson the path parameters point at
    body: Body | None = None  # JSON body for the request, given the world and the role

    @property
    def label(self) -> str:
        return f"{self.method} {self.route} [{self.target}]"


def row(method: str, route: str, *expected: int, target: str = "published", body=None) -> Row:
    assert len(expected) == len(ROLES), f"{method} {route}: one status per role {ROLES}"
    return Row(method, route, expected, target, body)  # type: ignore[arg-type]


# ---------------------------------------------------------------- request bodies


def _login(world: ApiWorld, role: str) -> dict[str, str]:
    user = world.users["student" if role == "anonymous" else role]
    return {"email": user.email, "password": PASSWORD}


def _register(world: ApiWorld, role: str) -> dict[str, str]:
    return {"email": f"new-{role}@example.com", "password": PASSWORD, "name": "New Person"}


def _refresh(world: ApiWorld, role: str) -> dict[str, str]:
    # The refresh endpoints take no bearer token: anonymous presents the student's refresh.
    user = world.users["student" if role == "anonymous" else role]
    return {"refresh": world.token_pair(user)["refresh"]}


def _beat(world: ApiWorld, role: str) -> dict[str, float]:
    return {"position_s": 5.0, "duration_s": 60.0, "played_from_s": 0.0, "played_to_s": 5.0}


def _reorder(world: ApiWorld, role: str) -> dict[str, list[str]]:
    lessons = [world.text_lesson, world.video_lesson, world.preview_lesson]
    return {"lesson_ids": [str(lesson.id) for lesson in lessons]}


def _fixed(payload: dict[str, Any]) -> Body:
    return lambda world, role: payload


_QUIZ = _fixed(
    {"questions": [{"kind": "true_false", "prompt": "Water is wet.", "answers": [True]}]}
)
_PASSWORD_CHANGE = _fixed({"current_password": PASSWORD, "new_password": "another-horse-10-x"})

# ---------------------------------------------------------------- the matrix

A = "api/v1/"
# fmt: off
MATRIX: list[Row] = [
    #                                                   anon  stud  enrl  othr  ownr  admn
    row("GET",    A + "schema/",                         200,  200,  200,  200,  200,  200),
    row("GET",    A + "docs/",                           200,  200,  200,  200,  200,  200),
    # accounts: the token endpoints are anonymous by design (no bearer token is read)
    row("POST",   A + "auth/register",                   201,  201,  201,  201,  201,  201, body=_register),
    row("POST",   A + "auth/token",                      200,  200,  200,  200,  200,  200, body=_login),
    row("POST",   A + "auth/token/refresh",              200,  200,  200,  200,  200,  200, body=_refresh),
    row("POST",   A + "auth/token/otp",                  400,  400,  400,  400,  400,  400),
    row("POST",   A + "auth/logout",                     204,  204,  204,  204,  204,  204, body=_refresh),
    row("POST",   A + "auth/logout-all",                 401,  204,  204,  204,  204,  204),
    row("GET",    A + "me",                              401,  200,  200,  200,  200,  200),
    row("PATCH",  A + "me",                              401,  200,  200,  200,  200,  200, body=_fixed({"name": "Renamed"})),
    row("POST",   A + "me/password",                     401,  200,  200,  200,  200,  200, body=_PASSWORD_CHANGE),
    row("GET",    A + "me/enrollments",                  401,  200,  200,  200,  200,  200),
    # account lifecycle: anonymous by design (an unknown email gets the same 202); a bogus
    # token is 400 whoever presents it; an owner of courses cannot delete the account (409)
    row("POST",   A + "auth/password-reset",             202,  202,  202,  202,  202,  202, body=_fixed({"email": "nobody@example.com"})),
    row("POST",   A + "auth/password-reset/confirm",     400,  400,  400,  400,  400,  400, body=_fixed({"token": "bogus", "new_password": "another-horse-10-x"})),
    row("POST",   A + "auth/verify-email",               400,  400,  400,  400,  400,  400, body=_fixed({"token": "bogus"})),
    row("POST",   A + "me/verify-email",                 401,  202,  202,  202,  202,  202),
    row("GET",    A + "me/export",                       401,  200,  200,  200,  200,  200),
    row("DELETE", A + "me",                              401,  204,  204,  204,  409,  204, body=_fixed({"current_password": PASSWORD})),
    # two-factor: a link mailed first (202), then its token (a bogus one: 400) and a code;
    # nobody in the world has it on (409 to turn off)
    row("GET",    A + "me/2fa",                          401,  200,  200,  200,  200,  200),
    row("DELETE", A + "me/2fa",                          401,  409,  409,  409,  409,  409),
    row("POST",   A + "me/2fa/enrolment",                401,  202,  202,  202,  202,  202),
    row("POST",   A + "me/2fa/totp",                     401,  400,  400,  400,  400,  400, body=_fixed({"token": "bogus"})),
    row("POST",   A + "me/2fa/totp/confirm",             401,  409,  409,  409,  409,  409, body=_fixed({"code": "123456"})),
    # catalogue and enrolment
    row("GET",    A + "courses",                         200,  200,  200,  200,  200,  200),
    row("GET",    A + "courses/<str:slug>",              200,  200,  200,  200,  200,  200),
    row("GET",    A + "courses/<str:slug>",              404,  404,  404,  404,  404,  404, target="draft"),
    row("POST",   A + "courses/<str:slug>/enrollment",   401,  201,  200,  201,  201,  201),
    row("POST",   A + "courses/<str:slug>/enrollment",   401,  404,  404,  404,  404,  404, target="draft"),
    row("DELETE", A + "courses/<str:slug>/enrollment",   401,  204,  204,  204,  204,  204),
    row("DELETE", A + "courses/<str:slug>/enrollment",   401,  404,  404,  404,  404,  404, target="draft"),
    # instructor workspace: students are refused by role (403), other instructors may not
    # learn that someone else's course exists (404)
    row("GET",    A + "instructor/courses",              401,  403,  403,  200,  200,  200),
    row("POST",   A + "instructor/courses",              401,  403,  403,  201,  201,  201, body=_fixed({"title": "Fresh course"})),
    row("GET",    A + "instructor/courses/<str:course_id>",   401,  403,  403,  404,  200,  200),
    row("GET",    A + "instructor/courses/<str:course_id>",   401,  403,  403,  404,  200,  200, target="draft"),
    row("PATCH",  A + "instructor/courses/<str:course_id>",   401,  403,  403,  404,  200,  200, body=_fixed({"subtitle": "Changed"})),
    row("DELETE", A + "instructor/courses/<str:course_id>",   401,  403,  403,  404,  204,  204),
    row("POST",   A + "instructor/courses/<str:course_id>/lessons",        401,  403,  403,  404,  201,  201, body=_fixed({"title": "Fresh lesson"})),
    row("POST",   A + "instructor/courses/<str:course_id>/lessons/order",  401,  403,  403,  404,  200,  200, body=_reorder),
    row("POST",   A + "instructor/courses/<str:course_id>/publish",        401,  403,  403,  404,  201,  201),
    row("POST",   A + "instructor/courses/<str:course_id>/publish",        401,  403,  403,  404,  201,  201, target="draft"),
    # not archived: returned unchanged (200)
    row("POST",   A + "instructor/courses/<str:course_id>/unarchive",      401,  403,  403,  404,  200,  200),
    row("GET",    A + "instructor/courses/<str:course_id>/versions",       401,  403,  403,  404,  200,  200),
    row("POST",   A + "instructor/courses/<str:course_id>/versions/<int:version>/restore",  401,  403,  403,  404,  201,  201),
    row("GET",    A + "instructor/courses/<str:course_id>/analytics",      401,  403,  403,  404,  200,  200),
    row("GET",    A + "instructor/courses/<str:course_id>/progress.csv",   401,  403,  403,  404,  200,  200),
    row("DELETE", A + "instructor/courses/<str:course_id>/progress/<int:user_id>",  401,  403,  403,  404,  204,  204),
    row("GET",    A + "instructor/lessons/<str:lesson_id>",    401,  403,  403,  404,  200,  200),
    row("PATCH",  A + "instructor/lessons/<str:lesson_id>",    401,  403,  403,  404,  200,  200, body=_fixed({"title": "Renamed"})),
    row("DELETE", A + "instructor/lessons/<str:lesson_id>",    401,  403,  403,  404,  204,  204),
    # a published lesson is public knowledge (403); a draft one is not (404)
    row("POST",   A + "instructor/lessons/<str:lesson_id>/upload",  401,  403,  403,  403,  201,  201),
    row("POST",   A + "instructor/lessons/<str:lesson_id>/upload",  401,  404,  404,  404,  201,  201, target="draft"),
    # no pending upload to give up: 409 for staff
    row("DELETE", A + "instructor/lessons/<str:lesson_id>/upload",  401,  403,  403,  403,  409,  409),
    row("DELETE", A + "instructor/lessons/<str:lesson_id>/upload",  401,  404,  404,  404,  409,  409, target="draft"),
    row("GET",    A + "instructor/lessons/<str:lesson_id>/video",   401,  403,  403,  403,  200,  200),
    row("GET",    A + "instructor/lessons/<str:lesson_id>/video",   401,  404,  404,  404,  200,  200, target="draft"),
    # captions: staff only (an upload is multipart, so the matrix's JSON body is 415)
    row("GET",    A + "instructor/lessons/<str:lesson_id>/captions",  401,  403,  403,  403,  200,  200),
    row("GET",    A + "instructor/lessons/<str:lesson_id>/captions",  401,  404,  404,  404,  200,  200, target="draft"),
    row("POST",   A + "instructor/lessons/<str:lesson_id>/captions",  401,  403,  403,  403,  415,  415, body=_fixed({"language": "en"})),
    row("POST",   A + "instructor/lessons/<str:lesson_id>/captions/generate",  401,  403,  403,  403,  400,  400, body=_fixed({"language": "xx"})),
    row("GET",    A + "instructor/lessons/<str:lesson_id>/captions/<str:caption_id>",  401,  403,  403,  403,  404,  404),
    row("PUT",    A + "instructor/lessons/<str:lesson_id>/captions/<str:caption_id>",  401,  403,  403,  403,  404,  404, body=_fixed({"reviewed": True})),
    row("DELETE", A + "instructor/lessons/<str:lesson_id>/captions/<str:caption_id>",  401,  403,  403,  403,  404,  404),
    # transcripts: who may watch (no captions here: 404); search needs q (400 without it)
    row("GET",    A + "lessons/<str:lesson_id>/transcript",  401,  403,  404,  403,  404,  404),
    row("GET",    A + "lessons/<str:lesson_id>/transcript",  401,  404,  404,  404,  404,  404, target="preview"),
    row("GET",    A + "lessons/<str:lesson_id>/transcript",  401,  404,  404,  404,  404,  404, target="draft"),
    row("GET",    A + "courses/<str:slug>/search",           401,  400,  400,  400,  400,  400),
    # playback and progress: enrolled learners and course staff; previews for anyone signed in
    row("GET",    A + "lessons/<str:lesson_id>/playback",  401,  403,  200,  403,  200,  200),
    row("GET",    A + "lessons/<str:lesson_id>/playback",  401,  200,  200,  200,  200,  200, target="preview"),
    row("GET",    A + "lessons/<str:lesson_id>/playback",  401,  404,  404,  404,  409,  409, target="draft"),
    row("POST",   A + "lessons/<str:lesson_id>/progress",  401,  403,  200,  403,  200,  200, body=_beat),
    row("POST",   A + "lessons/<str:lesson_id>/progress",  401,  200,  200,  200,  200,  200, target="preview", body=_beat),
    row("POST",   A + "lessons/<str:lesson_id>/complete",  401,  403,  409,  403,  409,  409),
    # offline viewing: downloads are off unless MUX_DOWNLOADS (404 downloads_disabled); a
    # sync batch without items is refused whoever sends it
    row("POST",   A + "lessons/<str:lesson_id>/download",  401,  404,  404,  404,  404,  404),
    row("POST",   A + "progress/sync",                     401,  400,  400,  400,  400,  400, body=_fixed({"device_id": "d1", "batch_id": "b1", "items": []})),
    row("POST",   A + "lessons/<str:lesson_id>/complete",  401,  403,  200,  403,  200,  200, target="text"),
    row("GET",    A + "courses/<str:slug>/progress",       401,  403,  200,  403,  200,  200),
    row("GET",    A + "courses/<str:slug>/progress",       401,  404,  404,  404,  404,  404, target="draft"),
    # quizzes: staff edit (the text lesson has one; the video lesson none: 404); viewers
    # who may watch take it; a draft lesson's quiz is no learner's business (404)
    row("GET",    A + "instructor/lessons/<str:lesson_id>/quiz",  401,  403,  403,  404,  200,  200, target="text"),
    row("GET",    A + "instructor/lessons/<str:lesson_id>/quiz",  401,  403,  403,  404,  404,  404),
    row("PUT",    A + "instructor/lessons/<str:lesson_id>/quiz",  401,  403,  403,  404,  200,  200, target="text", body=_QUIZ),
    row("PUT",    A + "instructor/lessons/<str:lesson_id>/quiz",  401,  403,  403,  404,  200,  200, target="draft", body=_QUIZ),
    row("DELETE", A + "instructor/lessons/<str:lesson_id>/quiz",  401,  403,  403,  404,  204,  204, target="text"),
    row("GET",    A + "lessons/<str:lesson_id>/quiz",             401,  403,  200,  403,  200,  200, target="text"),
    row("GET",    A + "lessons/<str:lesson_id>/quiz",             401,  403,  404,  403,  404,  404),
    row("GET",    A + "lessons/<str:lesson_id>/quiz",             401,  404,  404,  404,  404,  404, target="draft"),
    row("POST",   A + "lessons/<str:lesson_id>/quiz/attempts",    401,  403,  201,  403,  201,  201, target="text", body=_fixed({"answers": {"q1": "b"}})),
    row("POST",   A + "lessons/<str:lesson_id>/quiz/attempts",    401,  403,  404,  403,  404,  404, body=_fixed({"answers": {}})),
    # completion: staff set the rules; enrolled learners and staff read where they stand
    row("GET",    A + "instructor/courses/<str:course_id>/completion",  401,  403,  403,  404,  200,  200),
    row("PUT",    A + "instructor/courses/<str:course_id>/completion",  401,  403,  403,  404,  200,  200, body=_fixed({"required_lesson_ids": None, "required_quiz_lesson_ids": None})),
    row("GET",    A + "instructor/courses/<str:course_id>/gradebook.csv",  401,  403,  403,  404,  200,  200),
    row("GET",    A + "courses/<str:slug>/completion",   401,  403,  200,  403,  200,  200),
    row("GET",    A + "courses/<str:slug>/completion",   401,  404,  404,  404,  404,  404, target="draft"),
    # certificates: the learner's own list; verification is public (no such certificate
    # here: 404); revoking is for the course's staff (students by role: 403)
    row("GET",    A + "me/certificates",                 401,  200,  200,  200,  200,  200),
    row("GET",    A + "certificates/issuer",             200,  200,  200,  200,  200,  200),
    row("GET",    A + "certificates/issuer/jwks",        200,  200,  200,  200,  200,  200),
    row("GET",    A + "certificates/revocations",        200,  200,  200,  200,  200,  200),
    row("GET",    A + "certificates/<str:certificate_id>/credential",         404,  404,  404,  404,  404,  404),
    row("POST",   A + "instructor/certificates/<str:certificate_id>/revoke",  401,  403,  403,  404,  404,  404, body=_fixed({"reason": "Misconduct"})),
    # not under /api/v1/: an unsigned Mux webhook is refused whoever sends it
    row("POST",   "webhooks/mux",                        401,  401,  401,  401,  401,  401, body=_fixed({"type": "video.asset.ready", "data": {}})),
]
# fmt: on

# Routes outside /api/v1/ that the matrix covers on purpose (not found by the URL walk).
EXTRA_ROUTES = {"webhooks/mux": Route("webhooks/mux", ("POST",))}


def _api_routes() -> dict[str, Route]:
    return {route.route: route for route in routes_under(A)}


def _cells() -> list[Any]:
    return [
        pytest.param(entry, role, index, id=f"{entry.label} {role}")
        for entry in MATRIX
        for index, role in enumerate(ROLES)
    ]


def _request(world: ApiWorld, entry: Row, role: str, route: Route) -> Any:
    client = world.client_for(role)
    path = route.path(world.params(entry.target))
    if entry.body is None:
        return client.generic(entry.method, path)
    body = json.dumps(entry.body(world, role))
    return client.generic(entry.method, path, data=body, content_type="application/json")


@pytest.mark.parametrize(("entry", "role", "index"), _cells())
def test_matrix_cell(api_world: ApiWorld, entry: Row, role: str, index: int) -> None:
    route = {**_api_routes(), **EXTRA_ROUTES}[entry.route]
    response = _request(api_world, entry, role, route)
    expected = entry.expected[index]
    assert response.status_code == expected, (
        f"{entry.label} as {role}: expected {expected}, got {response.status_code}: "
        f"{response.content[:300]!r}"
    )
    if expected >= 400:
        # Every refusal is in the error contract, with the status it claims.
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == expected


def _observed_row(world: ApiWorld, route: Route, method: str) -> str:
    entry = Row(method, route.route, (0,) * len(ROLES))  # type: ignore[arg-type]
    statuses = []
    for role in ROLES:
        try:
            statuses.append(str(_request(world, entry, role, route).status_code))
        except Exception as error:
            statuses.append(f"?{type(error).__name__}")
    return f'row("{method}", A + "{route.route.removeprefix(A)}", {", ".join(statuses)}),'


def test_every_api_route_has_a_row(api_world: ApiWorld) -> None:
    covered = {(entry.route, entry.method) for entry in MATRIX}
    missing = [
        (route, method)
        for route in _api_routes().values()
        for method in route.methods
        if (route.route, method) not in covered
    ]
    if missing:
        lines = "\n".join(
            "    " + _observed_row(api_world, route, method) for route, method in missing
        )
        pytest.fail(
            f"{len(missing)} API route/method(s) have no authorization-matrix row. Add to "
            "MATRIX in learnstream/tests/test_authorization_matrix.py (statuses in the order "
            f"{', '.join(ROLES)}; observed without a body — check each before pasting, and "
            f"add `body=` where the operation takes one):\n{lines}"
        )


def test_no_row_names_a_route_that_does_not_exist() -> None:
    known = {**_api_routes(), **EXTRA_ROUTES}
    stale = sorted(
        entry.label
        for entry in MATRIX
        if entry.route not in known or entry.method not in known[entry.route].methods
    )
    assert stale == [], f"Rows for routes or methods the URL conf no longer serves: {stale}"
