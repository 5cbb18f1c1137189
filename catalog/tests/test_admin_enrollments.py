import pytest
from django.test import Client

from catalog.models import Enrollment, EnrollmentStatus
from catalog.tests.factories import published_course


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_enrols_lists_by_title_and_cancels(admin_user, instructor, student):
    course = published_course(owner=instructor, lessons=1, title="Rust for pythonistas")
    client = login(admin_user)
    response = client.post(
        "/admin/catalog/enrollment/add/", {"user": student.id, "course_id": str(course.id)}
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=student, course_id=str(course.id))
    assert enrollment.status == EnrollmentStatus.ACTIVE

    page = client.get(f"/admin/catalog/enrollment/?course={course.id}").content.decode()
    assert "Rust for pythonistas" in page

    response = client.post(
        "/admin/catalog/enrollment/",
        {"action": "cancel_enrollments", "_selected_action": [enrollment.pk]},
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CANCELLED

    # Adding again re-activates the same row through the service.
    client.post("/admin/catalog/enrollment/add/", {"user": student.id, "course_id": str(course.id)})
    assert Enrollment.objects.filter(user=student).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE


@pytest.mark.django_db
def test_instructor_without_permissions_cannot_open_enrollments(instructor):
    assert login(instructor).get("/admin/catalog/enrollment/").status_code == 403
