import pytest

from tracking.templatetags.tracking_tags import clock


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0:00"),
        (754.9, "12:34"),
        (3723, "1:02:03"),
        ("bad", "0:00"),
        (None, "0:00"),
        (-5, "0:00"),
    ],
)
def test_clock(value, text):
    assert clock(value) == text


def test_course_progress_partial_renders_continue_link():
    from django.template.loader import render_to_string

    from tracking.selectors import CourseProgress

    progress = CourseProgress(
        completed_lessons=1,
        total_lessons=4,
        percent=25.0,
        continue_lesson_id="a" * 24,
        continue_title="Loops",
        continue_position_s=754.0,
    )
    html = render_to_string(
        "tracking/_course_progress.html", {"progress": progress, "course_slug": "py"}
    )
    assert "1 of 4 lessons completed · 25%" in html
    assert f'href="/courses/py/lessons/{"a" * 24}/"' in html
    assert "Continue: Loops at 12:34" in html
