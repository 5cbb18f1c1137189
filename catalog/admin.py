"""Enrolments in the admin (ORM side). The course an enrolment names is a MongoDB document,
so its title is looked up per page (one query) and adding/cancelling goes through the
catalogue services, which keep the enrolment cache right."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog import services
from catalog.documents import Course, CourseStatus
from catalog.models import Enrollment, EnrollmentStatus
from learnstream.errors import ApplicationError


def _course_titles(course_ids: set[str]) -> dict[str, str]:
    ids = [ObjectId(value) for value in course_ids if ObjectId.is_valid(value)]
    return {str(course.id): course.title for course in Course.objects(id__in=ids).only("title")}


class CourseFilter(admin.SimpleListFilter):
    title = "course"
    parameter_name = "course"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        course_ids = set(Enrollment.objects.values_list("course_id", flat=True).distinct()[:500])
        titles = _course_titles(course_ids)
        return sorted(titles.items(), key=lambda item: item[1].lower())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(course_id=self.value())
        return queryset


class EnrollmentAddForm(forms.ModelForm):
    """Enrol a user in a published course (the only courses one can enrol in)."""

    course_id = forms.ChoiceField(label="Course")

    class Meta:
        model = Enrollment
        fields = ("user", "course_id")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects(status=CourseStatus.PUBLISHED).only("title").order_by("title")
        field = self.fields["course_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(course.id), course.title) for course in courses]

    def _post_clean(self) -> None:
        """Skip the model's unique-constraint check: an existing (cancelled) row for the
        pair is re-activated by the service, which upholds the constraints itself."""
        self.instance = forms.models.construct_instance(self, self.instance, ["user"])


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course_title", "status", "enrolled_at", "cancelled_at")
    list_filter = ("status", CourseFilter)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    ordering = ("-enrolled_at",)
    actions = ("cancel_enrollments",)
    raw_id_fields = ("user",)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # One MongoDB query for the titles of the page's courses.
        self._titles = _course_titles({row.course_id for row in changelist.result_list})
        return changelist

    @admin.display(description="Course")
    def course_title(self, obj: Enrollment) -> str:
        titles = getattr(self, "_titles", None) or _course_titles({obj.course_id})
        return titles.get(obj.course_id, f"(missing course {obj.course_id})")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = EnrollmentAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Existing rows change only through the actions (cancel) — the services own the
        # status transitions and the enrolment cache.
        if obj is not None:
            return ("user", "course_id", "status", "enrolled_at", "cancelled_at")
        return ()

    def save_model(self, request: HttpRequest, obj: Enrollment, form: Any, change: bool) -> None:
        course = Course.objects(id=ObjectId(form.cleaned_data["course_id"])).first()
        try:
            enrollment, _created = services.enrollment_create(user=obj.user, course=course)
        except ApplicationError as error:
            messages.error(request, str(error.detail))
            return
        obj.pk = enrollment.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # enrolments are cancelled, never deleted (history)

    @admin.action(description="Cancel selected enrolments")
    def cancel_enrollments(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for enrollment in queryset.filter(status=EnrollmentStatus.ACTIVE).select_related("user"):
            services.enrollment_cancel(user=enrollment.user, course_id=enrollment.course_id)
            count += 1
        self.message_user(request, f"Cancelled {count} enrolment(s).", messages.SUCCESS)
