"""Session pages (login/register/logout with CSRF) and the user admin."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import RefreshToken, User
from accounts.tests.factories import UserFactory

PASSWORD = "correct-horse-battery-9"


@pytest.mark.django_db
def test_login_page_signs_in_and_returns_to_next():
    UserFactory(email="page@example.com", name="Page User")
    client = Client()
    page = client.get("/accounts/login/?next=/courses/x/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_email">Email</label>' in html
    assert 'name="next" value="/courses/x/"' in html
    response = client.post(
        "/accounts/login/",
        {"email": "PAGE@example.com", "password": PASSWORD, "next": "/courses/x/"},
    )
    assert (response.status_code, response["Location"]) == (302, "/courses/x/")
    home = client.get("/accounts/login/")
    assert "Signed in as <strong>Page User</strong>" in home.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(target):
    UserFactory(email="page@example.com")
    response = Client().post(
        "/accounts/login/", {"email": "page@example.com", "password": PASSWORD, "next": target}
    )
    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.django_db
def test_login_page_shows_errors_and_is_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (2, 60)}
    UserFactory(email="page@example.com")
    client = Client()
    wrong = client.post(
        "/accounts/login/", {"email": "page@example.com", "password": "nope-nope-1"}
    )
    assert wrong.status_code == 401
    assert "The email or password is not correct." in wrong.content.decode()
    client.post("/accounts/login/", {"email": "page@example.com", "password": "nope-nope-1"})
    throttled = client.post("/accounts/login/", {"email": "page@example.com", "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_page_requires_csrf():
    UserFactory(email="page@example.com")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"email": "page@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_register_page_creates_a_student_and_signs_in():
    client = Client()
    assert client.get("/accounts/register/").status_code == 200
    response = client.post(
        "/accounts/register/",
        {"name": "Grace", "email": "grace@example.com", "password": PASSWORD, "role": "admin"},
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.email, user.role, user.is_staff) == ("grace@example.com", "student", False)
    assert client.session["_auth_user_id"] == str(user.pk)

    again = Client().post(
        "/accounts/register/", {"name": "G2", "email": "Grace@example.com", "password": PASSWORD}
    )
    assert again.status_code == 400
    assert "An account with this email already exists." in again.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_logout_is_post_only():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "enters"), [("student", False), ("instructor", True), ("admin", True)]
)
def test_admin_entry_by_role(role, enters):
    user = UserFactory(role=role)
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    if enters:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_admin_lists_filters_and_changes_roles_through_actions(admin_user):
    student = UserFactory(email="stu@example.com", role="student")
    client = Client()
    client.force_login(admin_user)
    listing = client.get("/admin/accounts/user/?role__exact=student&q=stu")
    assert listing.status_code == 200
    assert "stu@example.com" in listing.content.decode()

    client.post(
        "/admin/accounts/user/",
        {"action": "make_instructor", "_selected_action": [student.pk]},
    )
    student.refresh_from_db()
    assert (student.role, student.is_staff, student.is_superuser) == ("instructor", True, False)

    client.post(
        "/admin/accounts/user/", {"action": "make_student", "_selected_action": [student.pk]}
    )
    student.refresh_from_db()
    assert (student.role, student.is_staff) == ("student", False)


@pytest.mark.django_db
def test_admin_deactivate_revokes_every_family_and_lists_sign_ins(admin_user):
    from rest_framework.test import APIClient

    victim = UserFactory(email="victim@example.com")
    for _ in range(2):
        APIClient().post(
            "/api/v1/auth/token",
            {"email": "victim@example.com", "password": PASSWORD},
            format="json",
        )
    client = Client()
    client.force_login(admin_user)
    change = client.get(f"/admin/accounts/user/{victim.pk}/change/")
    assert change.status_code == 200
    assert change.content.decode().count(str(RefreshToken.objects.order_by("pk")[0].family)) >= 1

    client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [victim.pk]})
    victim.refresh_from_db()
    assert victim.is_active is False
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_admin_revokes_a_single_family(admin_user):
    from rest_framework.test import APIClient

    UserFactory(email="two@example.com")
    for _ in range(2):
        APIClient().post(
            "/api/v1/auth/token", {"email": "two@example.com", "password": PASSWORD}, format="json"
        )
    target = RefreshToken.objects.order_by("pk")[0]
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/accounts/refreshtoken/?live=yes").status_code == 200
    client.post(
        "/admin/accounts/refreshtoken/",
        {"action": "revoke_families", "_selected_action": [target.pk]},
    )
    assert list(
        RefreshToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)
    ) == [target.pk]
