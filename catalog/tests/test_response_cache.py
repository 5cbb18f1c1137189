"""The catalogue list and course detail are served from cached encoded JSON: the bytes are
what the serializers render, a hit reads no document, an invalidation is seen at once, and
the viewer's enrolment is never shared between viewers."""

from __future__ import annotations

import json

import pytest
from rest_framework.renderers import JSONRenderer

from catalog.apis import CourseDetailApi, EnrollmentSummarySerializer
from catalog.catalog_cache import catalog_cache_bump, catalog_cached
from catalog.documents import Course
from catalog.models import Enrollment
from catalog.selectors import course_detail_for_viewer
from catalog.services import enrollment_cancel, enrollment_create
from catalog.tests.factories import published_course
from catalog.tests.helpers import cache_calls
from devtools.clients import client_for

pytestmark = pytest.mark.django_db


def _retitle_behind_the_cache(course: Course, title: str) -> None:
    Course._get_collection().update_one(
        {"_id": course.id}, {"$set": {"published.title": title, "title": title}}
    )


def test_list_hit_serves_the_stored_bytes_until_the_catalogue_changes(instructor):
    course = published_course(owner=instructor, title="Original", slug="cached-list")
    first = client_for(None).get("/api/v1/courses")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    assert [item["title"] for item in first.json()["results"]] == ["Original"]
    _retitle_behind_the_cache(course, "Renamed")
    again = client_for(None).get("/api/v1/courses")
    assert again.content == first.content  # served from the cache, not recomputed
    catalog_cache_bump()
    fresh = client_for(None).get("/api/v1/courses")
    assert [item["title"] for item in fresh.json()["results"]] == ["Renamed"]


def test_list_links_follow_the_requested_address(instructor):
    for index in range(3):
        published_course(owner=instructor, title=f"Course {index}", slug=f"c-{index}")
    from django.test import override_settings

    with override_settings(CATALOG_PAGE_SIZE=2, ALLOWED_HOSTS=["one.test", "two.test"]):
        catalog_cache_bump()
        one = client_for(None).get("/api/v1/courses", HTTP_HOST="one.test")
        two = client_for(None).get("/api/v1/courses", HTTP_HOST="two.test")
    assert one.json()["next"].startswith("http://one.test/api/v1/courses?")
    assert two.json()["next"].startswith("http://two.test/api/v1/courses?")


def test_detail_bytes_equal_the_serializer_and_enrolment_is_per_viewer(instructor, student):
    course = published_course(owner=instructor, slug="cached-detail", lessons=2)
    enrollment_create(user=student, course=course)
    anonymous = client_for(None).get("/api/v1/courses/cached-detail")
    enrolled = client_for(student).get("/api/v1/courses/cached-detail")
    again = client_for(None).get("/api/v1/courses/cached-detail")
    assert anonymous.status_code == enrolled.status_code == again.status_code == 200
    expected = JSONRenderer().render(
        CourseDetailApi.OutputSerializer(
            course_detail_for_viewer(user=student, slug="cached-detail")
        ).data
    )
    assert enrolled.content == expected
    assert json.loads(anonymous.content)["enrollment"] is None
    assert again.content == anonymous.content
    record = Enrollment.objects.get(user_id=student.id)
    assert json.loads(enrolled.content)["enrollment"] == json.loads(
        JSONRenderer().render(
            EnrollmentSummarySerializer(
                {"status": record.status, "enrolled_at": record.enrolled_at}
            ).data
        )
    )
    public = json.loads(anonymous.content)
    del public["enrollment"]
    mine = json.loads(enrolled.content)
    del mine["enrollment"]
    assert public == mine


def test_unknown_and_malformed_slugs_are_404_and_not_cached(instructor):
    assert client_for(None).get("/api/v1/courses/no-such-course").status_code == 404
    published_course(owner=instructor, slug="no-such-course")
    catalog_cache_bump()
    assert client_for(None).get("/api/v1/courses/no-such-course").status_code == 200
    assert client_for(None).get("/api/v1/courses/Bad%20Slug!").status_code == 404


def test_a_change_while_an_entry_is_computed_is_never_served():
    """The catalogue changes after a request read it and before it stored what it read: the
    entry it stores does not count, and the next request computes afresh."""

    def compute_then_change() -> str:
        catalog_cache_bump()  # a writer lands between the read and the fill
        return "before the change"

    assert catalog_cached("probe", {}, compute_then_change) == "before the change"
    assert catalog_cached("probe", {}, lambda: "after the change") == "after the change"
    assert catalog_cached("probe", {}, lambda: "not computed") == "after the change"


def test_a_hit_is_one_cache_round_trip(instructor, monkeypatch):
    published_course(owner=instructor, slug="one-trip")
    assert client_for(None).get("/api/v1/courses/one-trip").status_code == 200
    calls = cache_calls(monkeypatch)
    assert client_for(None).get("/api/v1/courses/one-trip").status_code == 200
    assert calls == ["get_many"]


def test_the_viewers_enrolment_shows_its_change_at_once(instructor, student):
    course = published_course(owner=instructor, slug="enrol-change")
    url = "/api/v1/courses/enrol-change"
    assert client_for(student).get(url).json()["enrollment"] is None
    enrollment_create(user=student, course=course)
    assert client_for(student).get(url).json()["enrollment"]["status"] == "active"
    assert client_for(student).get(url).json()["enrollment"]["status"] == "active"  # cached
    enrollment_cancel(user=student, course_id=str(course.id))
    assert client_for(student).get(url).json()["enrollment"]["status"] == "cancelled"
    assert client_for(None).get(url).json()["enrollment"] is None
