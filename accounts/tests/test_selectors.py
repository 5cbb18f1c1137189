import pytest

from accounts.selectors import user_emails_by_ids, user_ids_by_emails
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_ids_by_emails_normalises_and_filters(django_assert_num_queries):
    teacher = UserFactory(role="instructor", email="teacher@example.com")
    student = UserFactory(role="student", email="student@example.com")
    gone = UserFactory(role="instructor", email="gone@example.com", is_active=False)
    emails = [" Teacher@Example.com", "student@example.com", "gone@example.com", "x@y.z", ""]
    with django_assert_num_queries(1):
        found = user_ids_by_emails(emails=emails)
    assert found == {"teacher@example.com": teacher.id, "student@example.com": student.id}
    assert user_ids_by_emails(emails=emails, roles=["instructor"]) == {
        "teacher@example.com": teacher.id
    }
    assert user_ids_by_emails(emails=emails, roles=["instructor"], active_only=False) == {
        "teacher@example.com": teacher.id,
        "gone@example.com": gone.id,
    }
    with django_assert_num_queries(0):
        assert user_ids_by_emails(emails=["", "  "]) == {}


def test_user_emails_by_ids(django_assert_num_queries):
    one, two = UserFactory(email="one@example.com"), UserFactory(email="two@example.com")
    with django_assert_num_queries(1):
        assert user_emails_by_ids(user_ids=[one.id, two.id, 999999]) == {
            one.id: "one@example.com",
            two.id: "two@example.com",
        }
    with django_assert_num_queries(0):
        assert user_emails_by_ids(user_ids=[]) == {}
