from admin_site.diff import FieldChange, LessonChange, LessonSnapshot, course_diff

FIELDS = {
    "title": "Python",
    "subtitle": "Basics",
    "description": "Hi",
    "cover_url": "",
    "level": "beginner",
    "language": "en",
    "tags": ["python"],
}


def lessons(*titles: str) -> list[LessonSnapshot]:
    return [LessonSnapshot(id=title.lower(), title=title) for title in titles]


def test_first_publish_lists_every_lesson_as_added():
    diff = course_diff(
        published_fields=None,
        published_lessons=[],
        draft_fields=FIELDS,
        draft_lessons=lessons("A", "B"),
    )
    assert diff.first_publish is True
    assert diff.has_changes is True
    assert diff.added == [
        LessonChange(id="a", title="A", detail="position 1"),
        LessonChange(id="b", title="B", detail="position 2"),
    ]


def test_no_changes():
    diff = course_diff(
        published_fields=FIELDS,
        published_lessons=lessons("A", "B"),
        draft_fields=dict(FIELDS),
        draft_lessons=lessons("A", "B"),
    )
    assert diff.has_changes is False
    assert (diff.fields, diff.added, diff.removed, diff.moved, diff.renamed) == ([], [], [], [], [])


def test_fields_added_removed_renamed():
    draft = {**FIELDS, "title": "Python 3", "tags": ["python", "web"]}
    old = lessons("A", "B", "C")
    new = [
        LessonSnapshot(id="a", title="A"),
        LessonSnapshot(id="c", title="See"),
        LessonSnapshot(id="d", title="D"),
    ]
    diff = course_diff(
        published_fields=FIELDS, published_lessons=old, draft_fields=draft, draft_lessons=new
    )
    assert diff.fields == [
        FieldChange(name="title", before="Python", after="Python 3"),
        FieldChange(name="tags", before=["python"], after=["python", "web"]),
    ]
    assert diff.added == [LessonChange(id="d", title="D", detail="position 3")]
    assert diff.removed == [LessonChange(id="b", title="B", detail="")]
    assert diff.renamed == [LessonChange(id="c", title="See", detail="C → See")]
    assert diff.moved == []  # a and c kept their relative order


def test_moving_one_lesson_reports_only_that_lesson():
    diff = course_diff(
        published_fields=FIELDS,
        published_lessons=lessons("A", "B", "C"),
        draft_fields=FIELDS,
        draft_lessons=lessons("B", "C", "A"),
    )
    assert diff.moved == [LessonChange(id="a", title="A", detail="position 1 → 3")]


def test_inserting_at_top_moves_nothing():
    diff = course_diff(
        published_fields=FIELDS,
        published_lessons=lessons("A", "B"),
        draft_fields=FIELDS,
        draft_lessons=lessons("Z", "A", "B"),
    )
    assert diff.moved == []
    assert diff.added == [LessonChange(id="z", title="Z", detail="position 1")]


def test_section_and_preview_changes():
    old = [LessonSnapshot(id="a", title="A", section="", is_preview=False)]
    new = [LessonSnapshot(id="a", title="A", section="Intro", is_preview=True)]
    diff = course_diff(
        published_fields=FIELDS, published_lessons=old, draft_fields=FIELDS, draft_lessons=new
    )
    assert diff.section_changed == [LessonChange(id="a", title="A", detail="(none) → Intro")]
    assert diff.preview_changed == [LessonChange(id="a", title="A", detail="now a free preview")]


def test_charts_escape_titles_and_scale_values():
    from admin_site.charts import completion_bars, dropoff_chart

    bars = completion_bars(title="t", rows=[("<b>x</b>", 4, 1)])
    assert "&lt;b&gt;x&lt;/b&gt;" in bars and "<b>x" not in bars
    assert "1/4" in bars
    line = dropoff_chart(title="<t>", shares=[1.0, 0.5, 0.0])
    assert line.count("<circle") == 3
    assert "&lt;t&gt;" in line and 'points="44.0,12.0 296.0,98.0 548.0,184.0"' in line
