"""The catalogue's admin pages, driven through the Django test client with a session."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.documents import Course, CourseVersion, Lesson
from catalog.tests.factories import CourseFactory, LessonFactory, published_course
from learnstream.audit import AuditEntry

COURSE_FORM = {
    "title": "Admin Course",
    "slug": "admin-course",
    "subtitle": "Made in the admin",
    "description": "Some **bold** text",
    "cover_url": "",
    "level": "beginner",
    "language": "en",
    "tags": "python, web",
    "co_instructors": "",
}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def course_url(course, page="change") -> str:
    return f"/admin/catalog/courses/{course.id}/{page}/"


def lesson_url(course, lesson, page="change") -> str:
    return f"/admin/catalog/courses/{course.id}/lessons/{lesson.id}/{page}/"


def snapshot(course) -> dict:
    """Everything a refused request must leave untouched."""
    fresh = Course.objects.get(id=course.id)
    return {
        "course": fresh.to_mongo().to_dict(),
        "lessons": [lesson.to_mongo().to_dict() for lesson in Lesson.objects(course_id=course.id)],
        "versions": CourseVersion.objects(course_id=course.id).count(),
    }


@pytest.mark.django_db
def test_index_lists_courses_entry(instructor):
    response = login(instructor).get("/admin/")
    assert response.status_code == 200
    assert b'href="/admin/catalog/courses/"' in response.content
    assert b">Courses<" in response.content
    assert b">Audit log<" in response.content


@pytest.mark.django_db
def test_instructor_builds_and_publishes_a_course(instructor):
    client = login(instructor)
    response = client.post("/admin/catalog/courses/add/", COURSE_FORM)
    assert response.status_code == 302
    course = Course.objects.get(slug="admin-course")
    assert response["Location"] == course_url(course)
    assert (course.owner_id, course.title, course.tags) == (
        instructor.id,
        "Admin Course",
        ["python", "web"],
    )

    for title in ("First", "Second"):
        response = client.post(
            f"/admin/catalog/courses/{course.id}/lessons/add/",
            {"title": title, "section": "Start", "summary": "", "body": ""},
        )
        assert response.status_code == 302
    first, second = Lesson.objects(course_id=course.id).order_by("position")
    assert [first.title, second.title] == ["First", "Second"]

    response = client.post(lesson_url(course, second, "move"), {"direction": "up"})
    assert response.status_code == 302
    titles = [lesson.title for lesson in Lesson.objects(course_id=course.id).order_by("position")]
    assert titles == ["Second", "First"]

    page = client.get(course_url(course, "publish"))
    assert page.status_code == 200
    assert b"never been published" in page.content

    response = client.post(course_url(course, "publish"))
    assert response.status_code == 302
    course.reload()
    assert (course.status, course.version) == ("published", 1)
    listing = client.get("/api/v1/courses").json()
    assert [item["slug"] for item in listing["results"]] == ["admin-course"]

    # Rename a lesson: the publish page shows the change; publish version 2, restore 1.
    response = client.post(
        lesson_url(course, first), {"title": "First, renamed", "section": "Start"}
    )
    assert response.status_code == 302
    page = client.get(course_url(course, "publish"))
    assert "First → First, renamed" in page.content.decode()
    assert client.post(course_url(course, "publish")).status_code == 302
    response = client.post(f"/admin/catalog/courses/{course.id}/versions/1/restore/")
    assert response.status_code == 302
    course.reload()
    assert course.version == 3
    assert CourseVersion.objects.get(course_id=course.id, version=3).restored_from == 1
    first.reload()
    assert first.title == "First"

    history = client.get(course_url(course, "history"))
    assert history.status_code == 200
    actions = sorted(entry.action for entry in AuditEntry.objects(actor_id=instructor.id))
    assert actions == ["course.create", "course.publish", "course.publish", "course.restore"]
    assert b"course.restore" in history.content


@pytest.mark.django_db
def test_change_list_search_filter_and_scope(instructor, other_instructor, admin_user):
    mine = CourseFactory(owner_id=instructor.id, title="Django deep dive", slug="django-deep")
    CourseFactory(owner_id=instructor.id, title="Flask", slug="flask", status="archived")
    theirs = CourseFactory(owner_id=other_instructor.id, title="Django for others", slug="other")
    client = login(instructor)
    body = client.get("/admin/catalog/courses/?q=django").content.decode()
    assert "Django deep dive" in body and "Django for others" not in body
    body = client.get("/admin/catalog/courses/?status=archived").content.decode()
    assert "Flask" in body and "Django deep dive" not in body
    body = login(admin_user).get("/admin/catalog/courses/").content.decode()
    assert all(title in body for title in ("Django deep dive", "Flask", "Django for others"))
    assert str(theirs.id) not in client.get("/admin/catalog/courses/").content.decode()
    assert str(mine.id) in client.get("/admin/catalog/courses/").content.decode()


@pytest.mark.django_db
def test_student_is_sent_to_the_admin_login(student):
    response = login(student).get("/admin/catalog/courses/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def _other_posts(course, lesson):
    return [
        (course_url(course), COURSE_FORM | {"revision": course.revision}),
        (course_url(course, "publish"), {}),
        (course_url(course, "archive"), {}),
        (f"/admin/catalog/courses/{course.id}/versions/1/restore/", {}),
        (f"/admin/catalog/courses/{course.id}/lessons/add/", {"title": "Sneaky"}),
        (lesson_url(course, lesson), {"title": "Sneaky"}),
        (lesson_url(course, lesson, "delete"), {}),
        (lesson_url(course, lesson, "move"), {"direction": "down"}),
        (lesson_url(course, lesson, "video/remove"), {}),
        (course_url(course, "analytics"), {"email": "x@example.com"}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(10))
def test_other_instructor_gets_404_on_every_post(index, instructor, other_instructor):
    course = published_course(owner=instructor, lessons=2)
    lesson = Lesson.objects(course_id=course.id).first()
    before = snapshot(course)
    audited = AuditEntry.objects.count()  # the publish above
    url, data = _other_posts(course, lesson)[index]
    response = login(other_instructor).post(url, data)
    assert response.status_code == 404
    assert snapshot(course) == before
    assert AuditEntry.objects.count() == audited


@pytest.mark.django_db
def test_other_instructor_upload_is_refused(instructor, other_instructor):
    course = published_course(owner=instructor, lessons=1)
    lesson = Lesson.objects(course_id=course.id).first()
    response = login(other_instructor).post(lesson_url(course, lesson, "upload"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    lesson.reload()
    assert lesson.video.pending is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", ["change", "publish", "history", "archive", "analytics", "lessons/add"]
)
def test_other_instructor_gets_404_on_every_page(page, instructor, other_instructor):
    course = published_course(owner=instructor, lessons=1)
    assert login(other_instructor).get(course_url(course, page)).status_code == 404
    assert login(instructor).get(course_url(course, page)).status_code == 200


@pytest.mark.django_db
def test_lesson_of_another_course_in_my_url_is_404(instructor, other_instructor):
    mine = CourseFactory(owner_id=instructor.id)
    theirs_lesson = LessonFactory(course_id=CourseFactory(owner_id=other_instructor.id).id)
    response = login(instructor).get(lesson_url(mine, theirs_lesson))
    assert response.status_code == 404


@pytest.mark.django_db
def test_invalid_form_shows_errors_and_writes_nothing(instructor):
    client = login(instructor)
    response = client.post(
        "/admin/catalog/courses/add/",
        COURSE_FORM | {"title": "", "slug": "Not A Slug", "language": "english!"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="errornote"' in body
    assert 'class="errorlist' in body
    assert Course.objects.count() == 0
    # the service's own rules (slug shape, language) come back as field errors too
    response = client.post(
        "/admin/catalog/courses/add/", COURSE_FORM | {"slug": "Not A Slug", "language": "english!"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Use lower-case letters" in body
    assert "Use a language code" in body
    assert Course.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_stale_form_does_not_overwrite(instructor):
    course = CourseFactory(owner_id=instructor.id, title="Original")
    stale_revision = course.revision
    client = login(instructor)
    fields = COURSE_FORM | {"slug": course.slug, "revision": stale_revision}
    assert client.post(course_url(course), fields | {"title": "First edit"}).status_code == 302
    response = client.post(course_url(course), fields | {"title": "Second, stale edit"})
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    course.reload()
    assert course.title == "First edit"


@pytest.mark.django_db
def test_markdown_preview_renders_and_saves_nothing(instructor):
    course = CourseFactory(owner_id=instructor.id, description="old")
    response = login(instructor).post(
        course_url(course),
        COURSE_FORM
        | {
            "slug": course.slug,
            "revision": course.revision,
            "_preview": "1",
            "description": "Some **bold**\n\n<script>alert(1)</script>",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>bold</strong>" in body
    assert "<script>alert(1)</script>" not in body
    course.reload()
    assert course.description == "old"


@pytest.mark.django_db
def test_co_instructor_added_by_email_can_edit(instructor, other_instructor, student):
    course = CourseFactory(owner_id=instructor.id)
    client = login(instructor)
    fields = COURSE_FORM | {"slug": course.slug, "revision": course.revision}
    response = client.post(course_url(course), fields | {"co_instructors": student.email})
    assert response.status_code == 400
    assert "is not an instructor" in response.content.decode()
    course.reload()
    assert course.co_instructor_ids == []
    response = client.post(course_url(course), fields | {"co_instructors": other_instructor.email})
    assert response.status_code == 302
    course.reload()
    assert course.co_instructor_ids == [other_instructor.id]
    page = login(other_instructor).get(course_url(course))
    assert page.status_code == 200
    assert b'name="co_instructors"' not in page.content  # only the owner or an admin


@pytest.mark.django_db
def test_lesson_delete_and_archive(instructor):
    course = published_course(owner=instructor, lessons=2)
    lesson = Lesson.objects(course_id=course.id).order_by("position").first()
    client = login(instructor)
    assert client.post(lesson_url(course, lesson, "delete")).status_code == 302
    lesson.reload()
    assert lesson.removed_at is not None
    assert client.post(course_url(course, "archive")).status_code == 302
    course.reload()
    assert course.status == "archived"
    assert [e.action for e in AuditEntry.objects.order_by("at")] == [
        "course.publish",  # by published_course, through the same service
        "lesson.delete",
        "course.archive",
    ]


@pytest.mark.django_db
def test_analytics_page_renders_svg_charts(instructor):
    course = published_course(owner=instructor, lessons=2)
    response = login(instructor).get(course_url(course, "analytics"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="ls-chart"') == 3  # completion bars + one drop-off chart per lesson
    assert f"/api/v1/instructor/courses/{course.id}/progress.csv" in body


@pytest.mark.django_db
def test_lesson_page_has_uploader_and_player_markup(instructor):
    course = CourseFactory(owner_id=instructor.id)
    lesson = LessonFactory(course_id=course.id)
    body = login(instructor).get(lesson_url(course, lesson)).content.decode()
    assert (
        f'data-create-url="/admin/catalog/courses/{course.id}/lessons/{lesson.id}/upload/"' in body
    )
    assert f'data-status-url="/api/v1/instructor/lessons/{lesson.id}/video"' in body
    assert "vendor/upchunk/upchunk" in body and "js/uploader" in body


@pytest.mark.django_db
def test_audit_log_scoped_to_own_courses(instructor, other_instructor, admin_user):
    client = login(instructor)
    client.post("/admin/catalog/courses/add/", COURSE_FORM)
    login(other_instructor).post(
        "/admin/catalog/courses/add/", COURSE_FORM | {"title": "Theirs", "slug": "theirs"}
    )
    mine = client.get("/admin/catalog/audit/").content.decode()
    assert "title=Admin Course" in mine and "title=Theirs" not in mine
    everything = login(admin_user).get("/admin/catalog/audit/").content.decode()
    assert "title=Admin Course" in everything and "title=Theirs" in everything
