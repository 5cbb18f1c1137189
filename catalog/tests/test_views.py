import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from catalog.documents import Course, CourseVersion, Lesson
from catalog.models import Enrollment, EnrollmentStatus
from catalog.services import course_archive
from catalog.tests.factories import CourseFactory, published_course

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_catalogue_page_search_and_filters(instructor):
    published_course(
        owner=instructor,
        title="Python Basics",
        slug="python-basics",
        tags=["python"],
        level="beginner",
    )
    published_course(
        owner=instructor,
        title="Advanced Rust",
        slug="advanced-rust",
        tags=["rust"],
        level="advanced",
        language="de",
    )
    CourseFactory(owner_id=instructor.id, title="Secret Draft", slug="secret-draft")
    client = Client()
    page = client.get("/").content.decode()
    assert "Python Basics" in page and "Advanced Rust" in page and "Secret Draft" not in page
    assert '<label for="id_q">Search</label>' in page
    assert '<option value="de" lang="de">Deutsch</option>' in page
    filtered = client.get("/", {"q": "pyth"}).content.decode()
    assert "Python Basics" in filtered and "Advanced Rust" not in filtered
    assert "Advanced Rust" in client.get("/", {"level": "advanced"}).content.decode()
    assert "Python Basics" not in client.get("/", {"language": "de"}).content.decode()
    assert "Advanced Rust" in client.get("/", {"tag": "rust"}).content.decode()
    bad = client.get("/", {"level": "guru"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()


def test_course_page_for_anonymous_student_and_enrolled(instructor, student):
    course = published_course(
        owner=instructor, lessons=2, preview_first=True, slug="intro", description="Learn **fast**."
    )
    anonymous = Client().get("/courses/intro/").content.decode()
    assert "<strong>fast</strong>" in anonymous
    assert "Free preview" in anonymous
    assert "/accounts/login/?next=%2Fcourses%2Fintro%2F" in anonymous

    client = signed_in(student)
    page = client.get("/courses/intro/").content.decode()
    assert 'action="/courses/intro/enrol/"' in page and "csrfmiddlewaretoken" in page
    response = client.post("/courses/intro/enrol/")
    assert response.status_code == 302 and response["Location"] == "/courses/intro/"
    assert Enrollment.objects.get(user=student).status == EnrollmentStatus.ACTIVE
    page = client.get("/courses/intro/").content.decode()
    first = Lesson.objects(course_id=course.id).order_by("position").first()
    assert f"Start: {first.title}</a>" in page and '<progress class="progress-bar"' in page
    assert "You are enrolled" in page
    my = client.get("/my/").content.decode()
    assert course.title in my and "0 of 2 lessons completed" in my
    client.post("/courses/intro/unenrol/")
    assert Enrollment.objects.get(user=student).status == EnrollmentStatus.CANCELLED


def test_anonymous_enrol_goes_to_login_and_my_requires_login(instructor):
    published_course(owner=instructor, slug="intro")
    response = Client().post("/courses/intro/enrol/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fcourses%2Fintro%2F"
    assert Enrollment.objects.count() == 0
    assert Client().get("/my/")["Location"].startswith("/accounts/login/?next=/my/")


def test_draft_and_archived_course_pages_are_404(instructor, student):
    CourseFactory(owner_id=instructor.id, slug="draft")
    course_archive(course=published_course(owner=instructor, slug="gone"), user=instructor)
    client = signed_in(student)
    for slug in ("draft", "gone", "missing", "BAD!"):
        assert client.get(f"/courses/{slug}/").status_code == 404
        assert client.post(f"/courses/{slug}/enrol/").status_code == 404
    assert Enrollment.objects.count() == 0


def test_enrol_form_requires_csrf(instructor, student):
    published_course(owner=instructor, slug="intro")
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.post("/courses/intro/enrol/").status_code == 403
    assert Enrollment.objects.count() == 0


def test_seed_demo_is_idempotent_and_shows_on_the_catalogue(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "student@learnstream.local" in output and "learnstream-demo" in output
    roles = dict(User.objects.values_list("email", "role"))
    assert roles == {
        "admin@learnstream.local": "admin",
        "instructor@learnstream.local": "instructor",
        "student@learnstream.local": "student",
    }
    assert User.objects.get(email="admin@learnstream.local").is_superuser
    assert User.objects.get(email="student@learnstream.local").check_password("learnstream-demo")
    assert Course.objects(status="published").count() == 3
    assert CourseVersion.objects.count() == 3  # published once, not again on the second run
    page = Client().get("/").content.decode()
    for title in ("Python from Scratch", "Web APIs with Django", "Video Editing Essentials"):
        assert title in page
    course = Client().get("/courses/python-from-scratch/").content.decode()
    assert "Free preview" in course and "Functions that do one thing well" in course


def test_enrolled_student_sees_where_to_continue_on_course_page_and_my_learning(
    instructor, student
):
    from datetime import UTC, datetime

    from catalog.services import enrollment_create
    from tracking.documents import LessonProgress

    course = published_course(owner=instructor, lessons=3, slug="py")
    enrollment_create(user=student, course=course)
    first, second, _third = Lesson.objects(course_id=course.id).order_by("position")
    at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    base = {"user_id": student.id, "course_id": course.id, "duration_s": 1800.0}
    LessonProgress._get_collection().insert_many(
        [
            base
            | {"lesson_id": first.id, "position_s": 1800.0, "completed_at": at, "updated_at": at},
            # The unfinished lesson watched last is where to continue: 754 s = 12:34.
            base | {"lesson_id": second.id, "position_s": 754.0, "updated_at": at},
        ]
    )
    link = f'href="/courses/py/lessons/{second.id}/">Continue: {second.title} at 12:34</a>'
    client = signed_in(student)
    for path in ("/courses/py/", "/my/"):
        page = client.get(path).content.decode()
        assert link in page, path
        assert "1 of 3 lessons completed · 33%" in page, path
        assert 'max="100" value="33"' in page, path


@pytest.mark.django_db
def test_catalogue_marks_the_courses_the_learner_is_enrolled_in(client):
    from accounts.tests.factories import UserFactory
    from catalog.services import course_publish, enrollment_create
    from catalog.tests.factories import CourseFactory, LessonFactory

    owner = UserFactory(role="instructor")
    taken = CourseFactory(owner_id=owner.id, slug="taken-course", title="Taken Course")
    other = CourseFactory(owner_id=owner.id, slug="other-course", title="Other Course")
    for course in (taken, other):
        LessonFactory(course_id=course.id, position=0)
        course_publish(course=course, user=owner)
    learner = UserFactory(email_verified=True)
    taken.reload()
    enrollment_create(user=learner, course=taken)
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert html.count("data-enrolled") == 1
    assert html.index("data-enrolled") > html.index("Taken Course")
    client.logout()
    assert "data-enrolled" not in client.get("/").content.decode()
