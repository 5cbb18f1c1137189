"""Admin forms for courses and lessons. They only parse what the browser sent (text to
lists, checkboxes to booleans); the catalogue services validate, and their field errors
are put back on the form with `add_service_errors`."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.managers import normalize_email
from accounts.selectors import user_ids_by_emails
from admin_site.form_fields import document_form_fields, text_field
from catalog.completion import completion_policy_of
from catalog.documents import (
    COURSE_EDITABLE_FIELDS,
    LESSON_COMPLETION_FIELDS,
    LESSON_EDITABLE_FIELDS,
    LESSON_SNAPSHOT_FIELDS,
    Course,
    Lesson,
    ReadingMode,
)
from learnstream.errors import ValidationError


@document_form_fields(Course, COURSE_EDITABLE_FIELDS, rows={"description": 12})
class CourseForm(forms.Form):
    """The course's editable fields (`catalog.documents`), then its team and revision."""

    # Optional here: the service makes one from the title.
    slug = text_field(
        "Slug",
        help_text="Lower-case words joined by hyphens. Left empty: made from "
        "the title. Fixed once the course is published.",
    )
    co_instructors = text_field(
        "Co-instructors",
        help_text="E-mail addresses of instructors who may edit this course, separated by "
        "commas. Only the owner or an admin can change them.",
    )
    # The course revision the form was loaded at: a save against a newer one is refused.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, can_edit_team: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_edit_team:
            del self.fields["co_instructors"]

    def clean_co_instructors(self) -> list[str]:
        """The e-mails, split (the catalogue service checks they are instructors)."""
        raw = self.cleaned_data.get("co_instructors") or ""
        return [email.strip() for email in raw.replace(";", ",").split(",") if email.strip()]

    def course_fields(self) -> dict[str, Any]:
        """The cleaned values in the catalogue services' shape (an empty slug is left out
        so the service makes one from the title)."""
        fields = {name: self.cleaned_data[name] for name in COURSE_EDITABLE_FIELDS}
        if not fields["slug"]:
            del fields["slug"]
        return fields


@document_form_fields(Lesson, LESSON_EDITABLE_FIELDS, rows={"summary": 3, "body": 10})
class LessonForm(forms.Form):
    """The lesson's content fields (`catalog.documents`), then its completion policy."""

    # The completion policy (`catalog.completion`): the share is edited as a percentage.
    completion_share = forms.FloatField(
        label="Share to watch (%)",
        required=False,
        min_value=0,
        help_text="How much of the video (before the end credits) a learner must really "
        "play. Empty: the site's default. Lowering it completes learners who now qualify; "
        "raising it keeps completions already earned.",
        widget=forms.NumberInput(attrs={"step": "any", "class": "vIntegerField"}),
    )
    credits_start_s = forms.FloatField(
        label="End credits start at (s)",
        required=False,
        min_value=0,
        help_text="Nothing after this second needs to be watched. Empty: the whole video.",
        widget=forms.NumberInput(attrs={"step": "any", "class": "vIntegerField"}),
    )
    max_credited_rate = forms.FloatField(
        label="Fastest credited speed (times real time)",
        required=False,
        min_value=0,
        help_text="Playback faster than this is not credited in full (at most the site's "
        "limit). Empty: the site's limit.",
        widget=forms.NumberInput(attrs={"step": "any", "class": "vIntegerField"}),
    )
    reading_mode = forms.ChoiceField(
        label="Reading lessons complete",
        required=False,
        choices=[
            (ReadingMode.MARK_COMPLETE, "When the learner marks them complete"),
            (ReadingMode.TIME_ON_PAGE, "After the minimum time on the page"),
        ],
        help_text="For lessons without a video.",
    )
    reading_min_s = forms.IntegerField(
        label="Minimum time on the page (s)",
        required=False,
        min_value=0,
        initial=0,
        help_text="A reading lesson cannot be completed before its page has been open this long.",
        widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
    )

    @staticmethod
    def initial_from(lesson: Any) -> dict[str, Any]:
        initial = {name: getattr(lesson, name) for name in LESSON_SNAPSHOT_FIELDS}
        policy = completion_policy_of(lesson).as_dict()
        if policy["completion_share"] is not None:
            policy["completion_share"] = round(policy["completion_share"] * 100, 2)
        return {**initial, **policy}

    def content_fields(self) -> list[Any]:
        return [self[name] for name in LESSON_SNAPSHOT_FIELDS]

    def completion_fields(self) -> list[Any]:
        return [self[name] for name in LESSON_COMPLETION_FIELDS]

    def lesson_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data[name] for name in self.fields}
        # Left out of the post: unchanged (the form always shows them).
        if not fields["reading_mode"]:
            del fields["reading_mode"]
        if fields["reading_min_s"] is None:
            del fields["reading_min_s"]
        if fields["completion_share"] is not None:
            fields["completion_share"] = fields["completion_share"] / 100
        return fields


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's field errors on the matching form fields (others above the form)."""
    errors = getattr(error, "errors", None) or {}
    if not errors:
        form.add_error(None, str(getattr(error, "detail", error)))
        return
    for name, messages in errors.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message if target else f"{name}: {message}")


class ProgressResetForm(forms.Form):
    """Forget one learner's progress on the whole course or on one lesson."""

    email = forms.EmailField(label="Learner e-mail")
    lesson = forms.ChoiceField(label="Lesson", required=False)

    def __init__(self, *args: Any, lessons: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lessons = {str(lesson.id): lesson for lesson in lessons}
        field = self.fields["lesson"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Whole course")] + [
            (key, lesson.title) for key, lesson in self.lessons.items()
        ]

    def clean_email(self) -> int:
        email = self.cleaned_data["email"]
        # A deactivated learner's progress may still be reset.
        found = user_ids_by_emails(emails=[email], active_only=False)
        user_id = found.get(normalize_email(email))
        if user_id is None:
            raise forms.ValidationError("No account with this e-mail.")
        return user_id
