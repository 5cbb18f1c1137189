"""Account deletion: DELETE /api/v1/me, the service, the command and the admin
action. After a deletion no document or row in either store carries the user's id or email
(checked by scanning both stores); a crash half-way and a re-run finish the job."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts import deletion
from accounts.deletion import user_delete
from accounts.models import User
from accounts.tests.lifecycle_fixtures import DOOMED_ID, PASSWORD, World, build_world
from catalog.documents import Course, CourseVersion
from catalog.models import Enrollment
from learnstream import mongo
from learnstream.audit import AuditEntry
from tracking.documents import LessonProgress

# --- scanning both stores ---------------------------------------------------------------------


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, value


def _carries(value: Any, user_id: int, email: str) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == user_id
    if isinstance(value, (bytes, memoryview)):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return str(user_id) in value or email.lower() in value.lower()
    return False


def mongo_hits(user_id: int, email: str) -> list[str]:
    """Every field of every document of every collection that holds the id or the email."""
    database = mongo.database()
    hits = []
    for name in database.list_collection_names():
        if name.startswith("system."):
            continue
        for document in database[name].find({}):
            hits += [
                f"{name}{path}"
                for path, value in _walk(document)
                if _carries(value, user_id, email)
            ]
    return hits


def sql_hits(user_id: int, email: str) -> list[str]:
    """Every cell of every table that holds the id or the email (sessions decoded too)."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                hits += [
                    f"{table}.{column}"
                    for column, value in zip(columns, row, strict=True)
                    if _carries(value, user_id, email)
                ]
    for session in Session.objects.all():
        if any(_carries(value, user_id, email) for _, value in _walk(session.get_decoded())):
            hits.append(f"django_session {session.pk} (decoded)")
    return hits


def assert_gone(world: World, email: str) -> None:
    assert mongo_hits(DOOMED_ID, email) == []
    assert sql_hits(DOOMED_ID, email) == []


def assert_others_untouched(world: World) -> None:
    assert Enrollment.objects.filter(user=world.other).count() == 1
    assert LessonProgress.objects(user_id=world.other.id).count() == 1
    assert User.objects.filter(pk__in=[world.other.pk, world.owner.pk, world.admin.pk]).count() == 3
    taught = Course.objects.get(id=world.taught.id)
    assert (taught.owner_id, taught.co_instructor_ids) == (world.owner.id, [])
    assert sorted(v.version for v in CourseVersion.objects(course_id=world.taught.id)) == [1, 2]


@pytest.fixture
def world(db, client) -> World:
    built = build_world()
    client.force_login(built.user)  # a browser session too
    return built


def test_the_scan_sees_the_user_everywhere_before_deletion(world):
    """The scanner itself finds what it must find (or a clean result would mean nothing)."""
    mongo_found = mongo_hits(DOOMED_ID, world.user.email)
    for collection in ("lesson_progress", "courses", "course_versions", "audit_log"):
        assert any(hit.startswith(collection) for hit in mongo_found), (collection, mongo_found)
    sql_found = sql_hits(DOOMED_ID, world.user.email)
    for table in (
        "accounts_user",
        "accounts_refreshtoken",
        "catalog_enrollment",
        "django_admin_log",
        "otp_totp_totpdevice",
        "otp_static_staticdevice",
    ):
        assert any(hit.startswith(table) for hit in sql_found), (table, sql_found)
    assert any(hit.startswith("django_session") for hit in sql_found)


def test_delete_me_erases_the_account_from_both_stores(world):
    client = APIClient()
    client.force_authenticate(user=world.user)
    email = world.user.email
    response = client.delete("/api/v1/me", {"current_password": PASSWORD}, format="json")
    assert response.status_code == 204, response.content
    assert response.content == b""

    assert_gone(world, email)
    assert_others_untouched(world)
    # The audit trail keeps what happened, without the id: the user's own audited action and
    # the publish of version 2 they made as a co-instructor.
    assert AuditEntry.objects(actor_id=0).count() == 2
    assert AuditEntry.objects(__raw__={"details.user_id": 0}).count() == 1
    assert CourseVersion.objects.get(course_id=world.taught.id, version=2).published_by == 0
    # Signing in and refreshing are over.
    anon = APIClient()
    token = anon.post("/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json")
    assert token.status_code == 401
    refresh = anon.post("/api/v1/auth/token/refresh", {"refresh": world.refresh}, format="json")
    assert refresh.status_code == 401


def test_delete_me_over_the_session_signs_the_browser_out(world, client):
    response = client.delete(
        "/api/v1/me", {"current_password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 204
    assert client.get("/api/v1/me").status_code in (401, 403)
    assert_gone(world, "doomed.person@example.com")


def _snapshot(world: World) -> tuple:
    return (
        User.objects.filter(pk=DOOMED_ID, is_active=True).count(),
        Enrollment.objects.filter(user_id=DOOMED_ID).count(),
        LessonProgress.objects(user_id=DOOMED_ID).count(),
        Course.objects.get(id=world.taught.id).co_instructor_ids,
        len(mongo_hits(DOOMED_ID, world.user.email)),
        len(sql_hits(DOOMED_ID, world.user.email)),
    )


def test_a_wrong_password_deletes_nothing(world):
    before = _snapshot(world)
    client = APIClient()
    client.force_authenticate(user=world.user)
    response = client.delete("/api/v1/me", {"current_password": "not-it-at-all"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "current_password": ["The current password is not correct."]
    }
    missing = client.delete("/api/v1/me", {}, format="json")
    assert missing.status_code == 400
    assert _snapshot(world) == before


def test_anonymous_deletion_is_401(world):
    before = _snapshot(world)
    assert (
        APIClient().delete("/api/v1/me", {"current_password": PASSWORD}, format="json").status_code
        == 401
    )
    assert _snapshot(world) == before


def test_an_owner_of_courses_is_refused_with_409_and_nothing_changes(world):
    Course.objects(id=world.taught.id).update(set__owner_id=DOOMED_ID)
    before = _snapshot(world)
    client = APIClient()
    client.force_authenticate(user=world.user)
    response = client.delete("/api/v1/me", {"current_password": PASSWORD}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "taught" in response.json()["detail"]
    assert _snapshot(world) == before


def test_a_crash_after_the_mongo_step_leaves_a_locked_account_and_a_rerun_finishes(
    world, monkeypatch
):
    email = world.user.email

    def crash(**kwargs):
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(deletion, "_step3_erase_sql", crash)
    with pytest.raises(RuntimeError):
        user_delete(user_id=DOOMED_ID)
    # Half-way: nobody can use the account, MongoDB holds nothing of it, the row remains.
    user = User.objects.get(pk=DOOMED_ID)
    assert user.is_active is False
    assert mongo_hits(DOOMED_ID, email) == []
    assert not Session.objects.exists()
    anon = APIClient()
    assert (
        anon.post(
            "/api/v1/auth/token", {"email": email, "password": PASSWORD}, format="json"
        ).status_code
        == 401
    )
    assert (
        anon.post(
            "/api/v1/auth/token/refresh", {"refresh": world.refresh}, format="json"
        ).status_code
        == 401
    )

    monkeypatch.undo()
    result = user_delete(user_id=DOOMED_ID)
    assert (result.user_row_deleted, result.progress_deleted, result.enrollments_deleted) == (
        True,
        0,
        2,
    )
    assert_gone(world, email)
    assert_others_untouched(world)


def test_deleting_twice_is_harmless(world):
    first = user_delete(user_id=DOOMED_ID)
    assert (first.user_row_deleted, first.progress_deleted, first.enrollments_deleted) == (
        True,
        2,
        2,
    )
    second = user_delete(user_id=DOOMED_ID)
    assert (second.user_row_deleted, second.progress_deleted, second.enrollments_deleted) == (
        False,
        0,
        0,
    )
    assert_gone(world, "doomed.person@example.com")


def test_the_command_deletes_by_email_and_by_id(world, capsys):
    call_command("delete_user", "Doomed.Person@example.com")
    assert "Account 900001234 deleted" in capsys.readouterr().out
    assert_gone(world, "doomed.person@example.com")
    call_command("delete_user", str(DOOMED_ID))  # a re-run after the row is gone
    assert "already gone" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No user with email"):
        call_command("delete_user", "nobody@example.com")


def test_the_command_can_hand_owned_courses_over(world):
    Course.objects(id=world.taught.id).update(set__owner_id=DOOMED_ID)
    with pytest.raises(CommandError, match="owns 1 course"):
        call_command("delete_user", str(DOOMED_ID))
    assert User.objects.filter(pk=DOOMED_ID, is_active=True).exists()
    with pytest.raises(CommandError, match="another instructor or admin"):
        call_command("delete_user", str(DOOMED_ID), "--transfer-courses-to", world.other.email)
    call_command("delete_user", str(DOOMED_ID), "--transfer-courses-to", world.admin.email)
    assert Course.objects.get(id=world.taught.id).owner_id == world.admin.id
    assert_gone(world, "doomed.person@example.com")


def test_the_admin_action_deletes_accounts_but_not_ones_own(world, client):
    client.force_login(world.admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "delete_accounts", "_selected_action": [DOOMED_ID, world.admin.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "You cannot delete your own account here." in text
    assert "1 account(s) deleted." in text
    assert User.objects.filter(pk=world.admin.pk, is_active=True).exists()
    assert_gone(world, "doomed.person@example.com")


def test_the_admin_has_no_row_only_delete(world, client):
    client.force_login(world.admin)
    changelist = client.get("/admin/accounts/user/").content.decode()
    assert 'value="delete_selected"' not in changelist
    assert client.get(f"/admin/accounts/user/{DOOMED_ID}/delete/").status_code == 403
