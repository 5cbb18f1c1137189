"""Markdown is rendered once, when saved, by a renderer linear in its input; pages serve
the stored HTML."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from catalog.documents import Course, CourseVersion, Lesson
from catalog.markdown import render_markdown
from catalog.services import (
    course_create,
    course_publish,
    course_update,
    course_version_restore,
    enrollment_create,
    lesson_create,
    lesson_update,
)
from catalog.validation import COURSE_LIMITS, LESSON_LIMITS

BODY_MAX = LESSON_LIMITS["body"]
PATHOLOGICAL = [
    "[",
    "![",
    "[](",
    "[a](",
    "*",
    "_",
    "*a",
    "a*",
    "*_",
    "_a",
    "<",
    "<a",
    "`",
    "> [",
    "\\",
]


def test_the_body_limit_is_the_one_the_render_test_uses():
    assert BODY_MAX == 50_000
    assert COURSE_LIMITS["description"] <= BODY_MAX


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_each_pathological_pattern_at_the_body_limit_renders_well_under_a_second(pattern):
    text = (pattern * (BODY_MAX // len(pattern) + 1))[:BODY_MAX]
    assert len(text) == BODY_MAX
    # CPU time, not wall time: the test machine's cores are shared with other jobs, and
    # what is bounded is the work one render costs a worker.
    started = time.process_time()
    html = render_markdown(text)
    elapsed = time.process_time() - started
    assert elapsed < 0.5, f"{pattern!r} x {BODY_MAX} took {elapsed:.2f} s of CPU"
    assert html  # something was rendered (escaped text, not nothing)


def test_output_is_sanitised_markdown():
    html = render_markdown(
        "## Title\n\nHello **world** and *you*: [ok](https://example.com) "
        "[bad](javascript:alert(1)) <b onclick=x>raw</b>\n\n"
        "<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode <here>\n```\n"
    )
    assert "<h2>Title</h2>" in html
    assert "<strong>world</strong>" in html and "<em>you</em>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in html
    assert "javascript" not in html
    assert "<script" not in html and "onclick" not in html and "<b" not in html
    assert "<table>" in html and "<td>2</td>" in html
    assert "<pre><code>code &lt;here&gt;\n</code></pre>" in html


@pytest.mark.django_db
def test_saving_stores_the_html_beside_the_source(instructor):
    course = course_create(user=instructor, title="Stored", description="A **bold** start.")
    assert Course.objects.get(id=course.id).description_html == (
        "<p>A <strong>bold</strong> start.</p>\n"
    )
    course = course_update(course=course, description="Now *em*.")
    assert Course.objects.get(id=course.id).description_html == "<p>Now <em>em</em>.</p>\n"
    lesson = lesson_create(course=course, title="One", body="Read **this**.")
    assert Lesson.objects.get(id=lesson.id).body_html == "<p>Read <strong>this</strong>.</p>\n"
    lesson_update(lesson=lesson, course=course, body="Then `that`.")
    assert Lesson.objects.get(id=lesson.id).body_html == "<p>Then <code>that</code>.</p>\n"
    lesson_update(lesson=lesson, course=course, title="Renamed")  # body untouched
    assert Lesson.objects.get(id=lesson.id).body_html == "<p>Then <code>that</code>.</p>\n"

    course_publish(course=course, user=instructor)
    version = CourseVersion.objects.get(course_id=course.id, version=1)
    assert version.description_html == "<p>Now <em>em</em>.</p>\n"
    assert version.lessons[0].body_html == "<p>Then <code>that</code>.</p>\n"

    course_update(course=Course.objects.get(id=course.id), description="Later.")
    lesson_update(lesson=Lesson.objects.get(id=lesson.id), course=course, body="Later body.")
    course_version_restore(course=Course.objects.get(id=course.id), user=instructor, version=1)
    assert Course.objects.get(id=course.id).description_html == "<p>Now <em>em</em>.</p>\n"
    assert Lesson.objects.get(id=lesson.id).body_html == "<p>Then <code>that</code>.</p>\n"


def _enrolled_page(course, lesson, student) -> str:
    enrollment_create(user=student, course=course)
    client = Client()
    client.force_login(student)
    response = client.get(f"/courses/{course.slug}/lessons/{lesson.id}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_pages_serve_the_stored_html_without_rendering_again(instructor, student):
    course = course_create(user=instructor, title="Served", description="Course **text**.")
    lesson = lesson_create(course=course, title="One", body="Lesson **text**.")
    course_publish(course=course, user=instructor)
    # What the page shows is what is stored: change the stored rendering, not the source.
    collection = CourseVersion._get_collection()
    collection.update_one(
        {"course_id": course.id},
        {
            "$set": {
                "lessons.0.body_html": "<p>stored-lesson-html</p>",
                "description_html": "<p>stored-course-html</p>",
            }
        },
    )
    from catalog.services import catalog_cache_invalidate

    catalog_cache_invalidate()
    course.reload()
    assert "stored-lesson-html" in _enrolled_page(course, lesson, student)
    assert "stored-course-html" in Client().get(f"/courses/{course.slug}/").content.decode()


@pytest.mark.django_db
def test_documents_saved_before_renderings_were_stored_render_once_and_keep_it(instructor, student):
    course = course_create(user=instructor, title="Legacy")
    lesson = lesson_create(course=course, title="One", body="Old **body**.")
    course_publish(course=course, user=instructor)
    CourseVersion._get_collection().update_one(
        {"course_id": course.id}, {"$unset": {"lessons.0.body_html": ""}}
    )
    Lesson._get_collection().update_one({"_id": lesson.id}, {"$unset": {"body_html": ""}})
    assert CourseVersion.objects.get(course_id=course.id).lessons[0].body_html is None
    course.reload()

    assert "Old <strong>body</strong>." in _enrolled_page(course, lesson, student)
    stored = CourseVersion.objects.get(course_id=course.id).lessons[0].body_html
    assert stored == "<p>Old <strong>body</strong>.</p>\n"
    # The next publish copies a rendering for the draft lesson too.
    course_publish(course=Course.objects.get(id=course.id), user=instructor)
    assert CourseVersion.objects.get(course_id=course.id, version=2).lessons[0].body_html == stored
