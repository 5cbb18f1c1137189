import pytest

from catalog.documents import Course, Lesson
from catalog.models import Enrollment, EnrollmentStatus
from catalog.services import course_archive, course_create, course_publish, lesson_create
from catalog.tests.factories import CourseFactory, LessonFactory, published_course
from catalog.tests.helpers import ROLES, catalogue_state, user_for_role
from devtools.clients import client_for

pytestmark = pytest.mark.django_db

MISSING_ID = "0123456789abcdef01234567"


# ---------------------------------------------------------------- catalogue and enrolment


def test_catalogue_list_shape_and_search(instructor):
    python = published_course(
        owner=instructor, title="Python Basics", slug="python-basics", tags=["python"], lessons=3
    )
    published_course(
        owner=instructor,
        title="Cooking Pasta",
        slug="pasta",
        tags=["food"],
        subtitle="Italian classics",
    )
    CourseFactory(owner_id=instructor.id, title="Python Draft", slug="python-draft")
    response = client_for(None).get("/api/v1/courses", {"q": "pyth"})
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": str(python.id),
                "slug": "python-basics",
                "title": "Python Basics",
                "subtitle": "Learn something useful",
                "level": "beginner",
                "language": "en",
                "tags": ["python"],
                "lesson_count": 3,
                "duration_s": 0.0,
                "cover_url": "",
                "instructor": {"id": instructor.id, "name": instructor.name},
            }
        ],
        "next": None,
        "previous": None,
    }
    titles = lambda **params: [  # noqa: E731
        item["title"] for item in client_for(None).get("/api/v1/courses", params).json()["results"]
    ]
    assert titles(q="italian CLASS") == ["Cooking Pasta"]
    assert titles(tag="food") == ["Cooking Pasta"]
    assert titles(q="pasta.*") == ["Cooking Pasta"]  # punctuation is not a regex
    assert titles(q="asta") == []  # prefixes of words, not substrings
    assert titles(level="advanced") == []
    assert titles() == ["Cooking Pasta", "Python Basics"]


def test_catalogue_pagination_is_stable_forwards_and_backwards(instructor, settings):
    settings.CATALOG_PAGE_SIZE = 2
    for index in range(5):  # equal titles: the id breaks ties
        published_course(owner=instructor, title="Same title", slug=f"same-{index}", lessons=0)
    client = client_for(None)
    seen, url = [], "/api/v1/courses"
    pages = []
    while url:
        body = client.get(url).json()
        pages.append(body)
        seen += [item["slug"] for item in body["results"]]
        url = body["next"]
    assert len(pages) == 3 and len(seen) == 5 and len(set(seen)) == 5
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    back = client.get(pages[-1]["previous"]).json()
    assert [item["slug"] for item in back["results"]] == seen[2:4]
    assert client.get("/api/v1/courses", {"cursor": "garbage"}).status_code == 400


def test_course_detail_never_shows_a_playback_id_and_shows_enrollment(instructor, student):
    course = published_course(owner=instructor, lessons=2, preview_first=True)
    Lesson.objects(course_id=course.id).update(set__video__current__playback_id="pb-secret")
    client = client_for(student)
    body = client.get(f"/api/v1/courses/{course.slug}").json()
    assert "pb-secret" not in str(body)
    assert body["enrollment"] is None
    assert [lesson["is_preview"] for lesson in body["sections"][0]["lessons"]] == [True, False]
    created = client.post(f"/api/v1/courses/{course.slug}/enrollment")
    assert created.status_code == 201 and created.json()["status"] == "active"
    assert client.post(f"/api/v1/courses/{course.slug}/enrollment").status_code == 200
    body = client.get(f"/api/v1/courses/{course.slug}").json()
    assert body["enrollment"] == {"status": "active", "enrolled_at": created.json()["enrolled_at"]}
    mine = client.get("/api/v1/me/enrollments").json()
    assert mine["results"] == [
        {
            "course": {
                "id": str(course.id),
                "slug": course.slug,
                "title": course.title,
                "status": "published",
                "cover_url": "",
            },
            "status": "active",
            "enrolled_at": created.json()["enrolled_at"],
            "progress": {"completed_lessons": 0, "total_lessons": 2, "percent": 0.0},
        }
    ]
    assert client.delete(f"/api/v1/courses/{course.slug}/enrollment").status_code == 204
    assert Enrollment.objects.get(user=student).status == EnrollmentStatus.CANCELLED
    assert client.get("/api/v1/me/enrollments").json()["results"] == []
    again = client.post(f"/api/v1/courses/{course.slug}/enrollment")
    assert again.status_code == 201
    assert Enrollment.objects.filter(user=student).count() == 1


@pytest.mark.parametrize("state", ["draft", "archived", "missing", "bad-slug"])
def test_students_cannot_see_or_enrol_in_unpublished_courses(instructor, student, state):
    slug = {"missing": "no-such-course", "bad-slug": "Bad%20Slug"}.get(state, "the-course")
    if state == "draft":
        CourseFactory(owner_id=instructor.id, slug="the-course")
    if state == "archived":
        course_archive(
            course=published_course(owner=instructor, slug="the-course"), user=instructor
        )
    client = client_for(student)
    for response in (
        client.get(f"/api/v1/courses/{slug}"),
        client.post(f"/api/v1/courses/{slug}/enrollment"),
        client_for(None).get(f"/api/v1/courses/{slug}"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert client.get(f"/courses/{slug}/").status_code == 404
    assert client_for(None).get("/api/v1/courses").json()["results"] == []
    assert Enrollment.objects.count() == 0


def test_enrolment_needs_sign_in(instructor):
    course = published_course(owner=instructor)
    response = client_for(None).post(f"/api/v1/courses/{course.slug}/enrollment")
    assert response.status_code == 401
    assert Enrollment.objects.count() == 0


# ---------------------------------------------------------------- instructor


def test_instructor_authoring_flow(instructor):
    client = client_for(instructor)
    created = client.post(
        "/api/v1/instructor/courses",
        {"title": "Rust for Pythonistas", "tags": ["Rust", "rust", "systems"], "level": "advanced"},
        format="json",
    )
    assert created.status_code == 201
    course = created.json()
    assert (course["slug"], course["status"], course["version"], course["tags"]) == (
        "rust-for-pythonistas",
        "draft",
        0,
        ["rust", "systems"],
    )
    base = f"/api/v1/instructor/courses/{course['id']}"
    lessons = [
        client.post(f"{base}/lessons", {"title": title, "section": section}, format="json").json()
        for title, section in [("Ownership", "Core"), ("Borrowing", "Core"), ("Cargo", "Tools")]
    ]
    assert [lesson["position"] for lesson in lessons] == [0, 1, 2]
    assert lessons[0]["video"] == {"state": "none", "duration_s": 0.0}
    reordered = client.post(
        f"{base}/lessons/order",
        {"lesson_ids": [lessons[2]["id"], lessons[0]["id"], lessons[1]["id"]]},
        format="json",
    )
    assert reordered.status_code == 200
    assert [item["title"] for item in reordered.json()["lessons"]] == [
        "Cargo",
        "Ownership",
        "Borrowing",
    ]
    patched = client.patch(
        f"/api/v1/instructor/lessons/{lessons[0]['id']}", {"is_preview": True}, format="json"
    )
    assert patched.json()["is_preview"] is True
    assert client.delete(f"/api/v1/instructor/lessons/{lessons[1]['id']}").status_code == 204
    assert client.get(f"/api/v1/instructor/lessons/{lessons[1]['id']}").status_code == 404

    published = client.post(f"{base}/publish")  # no body, no Content-Type
    assert published.status_code == 201 and published.json()["version"] == 1
    detail = client_for(None).get("/api/v1/courses/rust-for-pythonistas").json()
    assert [
        (s["title"], [lesson["title"] for lesson in s["lessons"]]) for s in detail["sections"]
    ] == [("Tools", ["Cargo"]), ("Core", ["Ownership"])]

    stale = client.patch(base, {"title": "X", "expected_revision": 1}, format="json")
    assert stale.status_code == 200  # revision 1 is current: creation is revision 1
    conflict = client.patch(base, {"title": "Y", "expected_revision": 1}, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
    client.post(f"{base}/publish")
    restored = client.post(f"{base}/versions/1/restore")
    assert restored.status_code == 201 and restored.json()["version"] == 3
    versions = client.get(f"{base}/versions").json()
    assert [item["version"] for item in versions["results"]] == [3, 2, 1]
    assert versions["results"][0]["published_by"] == instructor.id
    listed = client.get("/api/v1/instructor/courses").json()
    assert [item["id"] for item in listed["results"]] == [course["id"]]
    assert client.delete(base).status_code == 204
    assert Course.objects.get(id=course["id"]).status == "archived"
    assert client_for(None).get("/api/v1/courses/rust-for-pythonistas").status_code == 404


def _owned_course(instructor):
    course = course_create(user=instructor, title="Owned Course")
    lessons = [lesson_create(course=course, title=f"L{index}") for index in range(2)]
    course_publish(course=course, user=instructor)
    course.reload()
    return course, lessons


def _instructor_requests(course, lessons):
    base = f"/api/v1/instructor/courses/{course.id}"
    lesson = f"/api/v1/instructor/lessons/{lessons[0].id}"
    ids = [str(lessons[1].id), str(lessons[0].id)]
    return [
        ("get", base, None, 200),
        ("patch", base, {"title": "Hijacked"}, 200),
        ("post", f"{base}/lessons/order", {"lesson_ids": ids}, 200),
        ("post", f"{base}/lessons", {"title": "Injected"}, 201),
        ("patch", lesson, {"title": "Hijacked"}, 200),
        ("post", f"{base}/publish", None, 201),
        ("get", f"{base}/versions", None, 200),
        ("post", f"{base}/versions/1/restore", None, 201),
        ("delete", lesson, None, 204),
        ("delete", base, None, 204),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_instructor_endpoint_permissions(request, instructor, role):
    course, lessons = _owned_course(instructor)
    user = user_for_role(request, role)
    client = client_for(user)
    refused = {"anonymous": 401, "student": 403, "other_instructor": 404}.get(role)
    for method, url, body, ok in _instructor_requests(course, lessons):
        before = catalogue_state(course.id)
        response = (
            getattr(client, method)(url, body, format="json")
            if body
            else getattr(client, method)(url)
        )
        assert response.status_code == (refused or ok), (method, url, response.content)
        if refused:
            assert (
                response.json()["code"]
                == {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}[refused]
            )
            assert catalogue_state(course.id) == before


@pytest.mark.parametrize("role", ["other_instructor", "owner", "admin"])
def test_instructor_list_shows_only_own_courses(request, instructor, role):
    course, _ = _owned_course(instructor)
    user = user_for_role(request, role)
    results = client_for(user).get("/api/v1/instructor/courses").json()["results"]
    expected = [] if role == "other_instructor" else [str(course.id)]
    assert [item["id"] for item in results] == expected


def test_co_instructor_may_edit(instructor, other_instructor):
    course, _ = _owned_course(instructor)
    Course.objects(id=course.id).update_one(push__co_instructor_ids=other_instructor.id)
    response = client_for(other_instructor).patch(
        f"/api/v1/instructor/courses/{course.id}", {"subtitle": "Co-written"}, format="json"
    )
    assert response.status_code == 200 and response.json()["subtitle"] == "Co-written"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("post", "/courses", {"title": "x" * 201}, 400, "title"),
        ("post", "/courses", {"title": "Ok", "slug": "Not A Slug"}, 400, "slug"),
        ("post", "/courses", {"title": "Ok", "slug": "taken"}, 400, "slug"),
        ("post", "/courses", {"title": "Ok", "slug": "a" * 81}, 400, "slug"),
        ("post", "/courses", {"title": "Ok", "bogus": 1}, 400, "bogus"),
        ("post", "/courses", {"slug": "no-title"}, 400, "title"),
        ("post", "/courses", {"title": "Ok", "tags": "python"}, 400, "tags"),
        ("patch", "/courses/{course}", {"description": "x" * 20001}, 400, "description"),
        ("patch", "/courses/{course}", {"level": "guru"}, 400, "level"),
        ("patch", "/courses/{course}", {"owner_id": 99}, 400, "owner_id"),
        ("patch", "/courses/{course}", {"expected_revision": "x"}, 400, "expected_revision"),
        ("patch", "/courses/not-an-id", {"title": "Ok"}, 404, None),
        ("patch", f"/courses/{MISSING_ID}", {"title": "Ok"}, 404, None),
        ("post", "/courses/{course}/lessons", {"title": ""}, 400, "title"),
        (
            "post",
            "/courses/{course}/lessons",
            {"title": "Ok", "is_preview": "maybe"},
            400,
            "is_preview",
        ),
        ("post", "/courses/{course}/lessons", {"title": "Ok", "position": 3}, 400, "position"),
        ("post", "/courses/nope/lessons", {"title": "Ok"}, 404, None),
        ("patch", "/lessons/{lesson}", {"summary": "x" * 2001}, 400, "summary"),
        ("patch", "/lessons/xyz", {"title": "Ok"}, 404, None),
        (
            "post",
            "/courses/{course}/lessons/order",
            {"lesson_ids": ["{foreign}", "{lesson}"]},
            400,
            "lesson_ids",
        ),
        (
            "post",
            "/courses/{course}/lessons/order",
            {"lesson_ids": ["{lesson}"]},
            400,
            "lesson_ids",
        ),
        ("post", "/courses/{course}/lessons/order", {"lesson_ids": "nope"}, 400, "lesson_ids"),
        ("post", "/courses/{course}/lessons/order", {"lesson_ids": ["short"]}, 400, "lesson_ids.0"),
        ("post", "/courses/{course}/versions/9/restore", None, 404, None),
        ("post", "/courses/{course}/versions/x/restore", None, 404, None),
    ],
)
def test_bad_input_matrix(instructor, method, path, body, status, field):
    course = course_create(user=instructor, title="Target", slug="taken")
    lessons = [lesson_create(course=course, title=f"L{index}") for index in range(2)]
    foreign = LessonFactory(course_id=CourseFactory(owner_id=instructor.id).id)
    values = {"course": str(course.id), "lesson": str(lessons[0].id), "foreign": str(foreign.id)}
    url = "/api/v1/instructor" + path.format(**values)
    if isinstance(body, dict):
        body = {
            key: [item.format(**values) for item in value]
            if key == "lesson_ids" and isinstance(value, list)
            else value
            for key, value in body.items()
        }
    before = catalogue_state(course.id)
    count = Course.objects.count()
    client = client_for(instructor)
    response = (
        getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    )
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    if field:
        assert response.json()["code"] == "validation_error"
        assert field in response.json()["errors"]
    assert catalogue_state(course.id) == before
    assert Course.objects.count() == count


def test_enrollment_list_needs_sign_in():
    assert client_for(None).get("/api/v1/me/enrollments").status_code == 401


def test_catalogue_filter_validation():
    response = client_for(None).get("/api/v1/courses", {"level": "guru", "q": "x" * 201})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"level", "q"}


def test_bodiless_posts_need_no_content_type(instructor, student):
    from django.test import Client

    course, _ = _owned_course(instructor)
    client = Client()
    client.force_login(student)
    enrol = client.generic("POST", f"/api/v1/courses/{course.slug}/enrollment")
    assert enrol.status_code == 201
    client.force_login(instructor)
    base = f"/api/v1/instructor/courses/{course.id}"
    assert client.generic("POST", f"{base}/publish").status_code == 201
    assert client.generic("POST", f"{base}/versions/1/restore").json()["version"] == 3


def test_cached_course_detail_follows_a_video_becoming_ready(instructor):
    from catalog.services import catalog_cache_invalidate

    course, lessons = _owned_course(instructor)
    url = f"/api/v1/courses/{course.slug}"
    assert client_for(None).get(url).json()["sections"][0]["lessons"][0]["has_video"] is False
    Lesson.objects(id=lessons[0].id).update_one(
        set__video__current__state="ready", set__video__current__playback_id="pb"
    )
    # Still the cached answer until playback says the video is ready.
    assert client_for(None).get(url).json()["sections"][0]["lessons"][0]["has_video"] is False
    catalog_cache_invalidate()
    assert client_for(None).get(url).json()["sections"][0]["lessons"][0]["has_video"] is True
