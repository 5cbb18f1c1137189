import pytest
from django.contrib.auth.models import AnonymousUser

from catalog.documents import Course, CourseStatus, CourseVersion, Lesson
from catalog.lesson_video import LessonVideo, VideoGeneration, VideoState
from catalog.selectors import course_detail_for_viewer, course_list_published
from catalog.services import (
    course_archive,
    course_create,
    course_publish,
    course_refresh_published_stats,
    course_update,
    course_version_restore,
    lesson_create,
    lesson_delete,
    lesson_reorder,
    lesson_update,
)
from catalog.tests.helpers import catalogue_state
from catalog.video_state import lesson_video_state
from learnstream.errors import Conflict, NotFound, ValidationError

pytestmark = pytest.mark.django_db


def outline_titles(slug):
    detail = course_detail_for_viewer(user=AnonymousUser(), slug=slug)
    return [lesson.title for section in detail.sections for lesson in section.lessons]


def make_course(owner, *lessons, **fields):
    course = course_create(user=owner, title=fields.pop("title", "Data Science 101"), **fields)
    for title in lessons:
        lesson_create(course=course, title=title, section="Intro")
    return course


def test_draft_edits_are_invisible_until_publish(instructor):
    course = make_course(instructor, "One", "Two")
    version = course_publish(course=course, user=instructor)
    assert version.version == 1
    course_update(course=course, title="Renamed", subtitle="New subtitle")
    lesson_create(course=course, title="Three")
    assert course_detail_for_viewer(user=AnonymousUser(), slug=course.slug).title == (
        "Data Science 101"
    )
    assert outline_titles(course.slug) == ["One", "Two"]
    assert course_list_published().results[0]["title"] == "Data Science 101"

    second = course_publish(course=course, user=instructor)
    assert second.version == 2
    assert Course.objects.get(id=course.id).version == 2
    detail = course_detail_for_viewer(user=AnonymousUser(), slug=course.slug)
    assert (detail.title, detail.subtitle, detail.version) == (
        "Renamed",
        "New subtitle",
        2,
    )
    assert outline_titles(course.slug) == ["One", "Two", "Three"]
    assert course_list_published().results[0]["title"] == "Renamed"


def test_restore_brings_back_old_content_as_new_version_and_keeps_lesson_ids(instructor):
    course = make_course(instructor, "One", "Two")
    one, two = Lesson.objects(course_id=course.id).order_by("position")
    course_publish(course=course, user=instructor)
    course_update(course=course, title="Version two")
    lesson_update(lesson=one, course=course, title="One, rewritten", is_preview=True)
    lesson_delete(lesson=two, course=course, user=instructor)
    three = lesson_create(course=course, title="Three")
    course_publish(course=course, user=instructor)
    assert outline_titles(course.slug) == ["One, rewritten", "Three"]

    restored = course_version_restore(course=course, user=instructor, version=1)

    assert (restored.version, restored.restored_from) == (3, 1)
    detail = course_detail_for_viewer(user=AnonymousUser(), slug=course.slug)
    assert (detail.title, detail.version) == ("Data Science 101", 3)
    ids = [lesson.id for section in detail.sections for lesson in section.lessons]
    assert ids == [str(one.id), str(two.id)]
    assert outline_titles(course.slug) == ["One", "Two"]
    assert detail.sections[0].lessons[0].is_preview is False
    # The draft follows: two is back, three (not in v1) left the draft but still exists.
    assert Lesson.objects.get(id=two.id).removed_at is None
    assert Lesson.objects.get(id=three.id).removed_at is not None
    assert Course.objects.get(id=course.id).title == "Data Science 101"
    assert CourseVersion.objects(course_id=course.id).count() == 3


def test_restore_of_unknown_version_is_404_and_changes_nothing(instructor):
    course = make_course(instructor, "One")
    course_publish(course=course, user=instructor)
    before = catalogue_state(course.id)
    with pytest.raises(NotFound):
        course_version_restore(course=course, user=instructor, version=7)
    assert catalogue_state(course.id) == before


def test_update_with_stale_revision_is_a_conflict(instructor):
    course = make_course(instructor)
    assert course.revision == 1
    course_update(course=course, expected_revision=1, title="First edit")
    assert course.revision == 2
    stale = Course.objects.get(id=course.id)
    stale.revision = 1
    with pytest.raises(Conflict):
        course_update(course=stale, expected_revision=1, title="Lost update")
    assert Course.objects.get(id=course.id).title == "First edit"


def test_slug_rules(instructor):
    first = course_create(user=instructor, title="Intro to Go")
    assert first.slug == "intro-to-go"
    assert course_create(user=instructor, title="Intro to Go").slug == "intro-to-go-2"
    with pytest.raises(ValidationError) as caught:
        course_create(user=instructor, title="X", slug="intro-to-go")
    assert caught.value.errors == {"slug": ["A course with this slug already exists."]}
    with pytest.raises(ValidationError) as caught:
        course_create(user=instructor, title="X", slug="Bad Slug!")
    assert list(caught.value.errors or {}) == ["slug"]
    course_publish(course=first, user=instructor)
    with pytest.raises(ValidationError) as caught:
        course_update(course=first, slug="renamed")
    assert caught.value.errors == {"slug": ["The slug cannot change once the course is published."]}


def test_reorder_rejects_foreign_missing_and_duplicate_ids_without_changes(instructor):
    course = make_course(instructor, "A", "B", "C")
    other = make_course(instructor, "Foreign", title="Other")
    a, b, c = Lesson.objects(course_id=course.id).order_by("position")
    foreign = Lesson.objects.get(course_id=other.id)
    before = catalogue_state(course.id)
    for ids in ([a.id, b.id], [a.id, b.id, c.id, foreign.id], [a.id, a.id, b.id, c.id], []):
        with pytest.raises(ValidationError) as caught:
            lesson_reorder(course=course, lesson_ids=[str(value) for value in ids])
        assert list(caught.value.errors or {}) == ["lesson_ids"]
        assert catalogue_state(course.id) == before

    ordered = lesson_reorder(course=course, lesson_ids=[str(c.id), str(a.id), str(b.id)])
    assert [lesson.title for lesson in ordered] == ["C", "A", "B"]
    assert [
        lesson.title for lesson in Lesson.objects(course_id=course.id).order_by("position")
    ] == ["C", "A", "B"]


def test_archive_hides_course_and_blocks_writes(instructor):
    course = make_course(instructor, "One")
    course_publish(course=course, user=instructor)
    course_archive(course=course, user=instructor)
    assert Course.objects.get(id=course.id).status == CourseStatus.ARCHIVED
    assert course_list_published().results == []
    with pytest.raises(NotFound):
        course_detail_for_viewer(user=AnonymousUser(), slug=course.slug)
    with pytest.raises(Conflict):
        course_publish(course=course, user=instructor)


def test_lesson_video_state_and_refreshed_duration(instructor):
    course = make_course(instructor, "One", "Two")
    one, two = Lesson.objects(course_id=course.id).order_by("position")
    course_publish(course=course, user=instructor)
    assert lesson_video_state(one) == VideoState.NONE
    ready = VideoGeneration(
        upload_id="u1",
        asset_id="a1",
        playback_id="secret-playback",
        state=VideoState.READY,
        duration_s=61.5,
    )
    pending = VideoGeneration(upload_id="u2", state=VideoState.AWAITING_UPLOAD)
    Lesson.objects(id=one.id).update_one(
        set__video=LessonVideo(current=ready, pending=pending), set__duration_s=61.5
    )
    one.reload()
    assert lesson_video_state(one) == VideoState.AWAITING_UPLOAD
    course_refresh_published_stats(course_id=course.id)
    assert Course.objects.get(id=course.id).published.duration_s == 61.5
    detail = course_detail_for_viewer(user=AnonymousUser(), slug=course.slug)
    lessons = detail.sections[0].lessons
    assert [(item.has_video, item.duration_s) for item in lessons] == [
        (True, 61.5),
        (False, 0.0),
    ]
    assert "secret-playback" not in repr(detail)
    assert course_list_published().results[0]["duration_s"] == 61.5
    assert two.removed_at is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "x" * 201}, "title"),
        ({"title": "  "}, "title"),
        ({"title": "ok", "subtitle": "x" * 301}, "subtitle"),
        ({"title": "ok", "level": "expert"}, "level"),
        ({"title": "ok", "language": "english!"}, "language"),
        ({"title": "ok", "tags": ["x" * 41]}, "tags"),
        ({"title": "ok", "cover_url": "javascript:alert(1)"}, "cover_url"),
        ({"title": "ok", "owner_id": 5}, "owner_id"),
    ],
)
def test_course_create_validation(instructor, fields, field):
    with pytest.raises(ValidationError) as caught:
        course_create(user=instructor, **fields)
    assert field in (caught.value.errors or {})
    assert Course.objects.count() == 0
