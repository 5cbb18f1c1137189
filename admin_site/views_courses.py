"""Courses: the change list and the add/change form (with the lessons of the course)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.roles import Viewer, is_admin, user_id_of
from accounts.selectors import user_emails_by_ids
from admin_site import selectors as admin_selectors
from admin_site.forms import CourseForm, add_service_errors
from admin_site.site import refusals_as_404, render
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.documents import COURSE_EDITABLE_FIELDS, Course, CourseStatus
from catalog.markdown import render_markdown
from catalog.video_state import lesson_video_state
from learnstream.errors import Conflict, ValidationError

PER_PAGE = 25


def _page_number(value: Any) -> int:
    try:
        number = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 10000)


@refusals_as_404
def course_list(request: HttpRequest, *, site: AdminSite) -> HttpResponse:
    q = request.GET.get("q", "")
    status = request.GET.get("status", "")
    page = catalog_selectors.course_list_for_instructor(
        with_total=True,
        user=request.user,
        q=q,
        status=status if status in CourseStatus.ALL else "",
        page=_page_number(request.GET.get("p")),
        page_size=PER_PAGE,
    )
    status_links = [
        {"value": value, "label": label, "selected": status == value}
        for value, label in (("", "All"), *((s, s.capitalize()) for s in CourseStatus.ALL))
    ]
    return render(
        site,
        request,
        "admin/catalog/course_list.html",
        {
            "title": "Select course to change",
            "page": page,
            "q": q,
            "status": status,
            "status_links": status_links,
            "pages": page.page_count(per_page=PER_PAGE),
        },
    )


def _can_edit_team(user: Viewer, course: Course | None) -> bool:
    """Only the owner or an admin may change co-instructors (the service checks again)."""
    return course is None or is_admin(user) or user_id_of(user) == course.owner_id


def _initial(course: Course) -> dict[str, Any]:
    emails = sorted(user_emails_by_ids(user_ids=course.co_instructor_ids).values())
    return {
        **{name: getattr(course, name) for name in COURSE_EDITABLE_FIELDS},
        "co_instructors": ", ".join(emails),
        "revision": course.revision,
    }


def _form_page(
    request: HttpRequest,
    *,
    site: AdminSite,
    form: CourseForm,
    course: Course | None,
    preview_html: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "title": f"Change course: {course.title}" if course else "Add course",
        "course": course,
        "form": form,
        "preview_html": preview_html,
        "add": course is None,
    }
    if course is not None:
        lessons = catalog_services.lessons_in_outline(course=course)
        context["lessons"] = [
            {
                "lesson": lesson,
                "video_state": lesson_video_state(lesson),
                "video_label": admin_selectors.lesson_video_summary(lesson=lesson)["label"],
                "first": index == 0,
                "last": index == len(lessons) - 1,
            }
            for index, lesson in enumerate(lessons)
        ]
    return render(site, request, "admin/catalog/course_form.html", context, status=status)


def _preview(form: CourseForm) -> str:
    return render_markdown(form.data.get("description", ""))


@require_http_methods(["GET", "POST"])
@refusals_as_404
def course_add(request: HttpRequest, *, site: AdminSite) -> HttpResponse:
    if request.method == "GET":
        form = CourseForm(initial={"level": "beginner", "language": "en"})
        return _form_page(request, site=site, form=form, course=None)
    form = CourseForm(request.POST)
    if "_preview" in request.POST:
        form.is_valid()  # show field errors alongside the preview, save nothing
        return _form_page(request, site=site, form=form, course=None, preview_html=_preview(form))
    if form.is_valid():
        try:
            # A bad co-instructor e-mail must not leave a course behind: check it first.
            catalog_services.course_co_instructors_validate(
                emails=form.cleaned_data["co_instructors"]
            )
            course = catalog_services.course_create(user=request.user, **form.course_fields())
            if form.cleaned_data.get("co_instructors"):
                catalog_services.course_co_instructors_set(
                    user=request.user,
                    course=course,
                    expected_revision=course.revision,
                    emails=form.cleaned_data["co_instructors"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The course “{course.title}” was added. Now add lessons.")
            return HttpResponseRedirect(_change_url(site, course))
    return _form_page(request, site=site, form=form, course=None, status=400)


def _change_url(site: AdminSite, course: Course) -> str:
    return reverse(
        "admin:catalog_course_change", kwargs={"course_id": str(course.id)}, current_app=site.name
    )


@require_http_methods(["GET", "POST"])
@refusals_as_404
def course_change(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    can_edit_team = _can_edit_team(request.user, course)
    if request.method == "GET":
        form = CourseForm(initial=_initial(course), can_edit_team=can_edit_team)
        return _form_page(request, site=site, form=form, course=course)
    form = CourseForm(request.POST, can_edit_team=can_edit_team)
    if "_preview" in request.POST:
        form.is_valid()
        return _form_page(request, site=site, form=form, course=course, preview_html=_preview(form))
    if form.is_valid():
        revision = form.cleaned_data.get("revision")
        if revision is None:
            form.add_error(None, "The form is missing its revision; reload the page.")
        else:
            try:
                course = _save(request, course=course, form=form, revision=revision)
            except ValidationError as error:
                add_service_errors(form, error)
            except Conflict:
                form.add_error(
                    None,
                    "This course was changed by someone else since you opened this page; "
                    "nothing was saved. Reload the page to see the current version, then "
                    "make your change again.",
                )
            else:
                messages.success(request, f"The course “{course.title}” was changed.")
                if "_continue" in request.POST:
                    return HttpResponseRedirect(_change_url(site, course))
                return HttpResponseRedirect(
                    reverse("admin:catalog_course_changelist", current_app=site.name)
                )
    return _form_page(request, site=site, form=form, course=course, status=400)


def _save(request: HttpRequest, *, course: Course, form: CourseForm, revision: int) -> Course:
    """The team's e-mails are checked first (so a bad one changes nothing), then the course
    fields (that bumps the revision), then the team against the new revision: a stale
    form fails on the first write and changes nothing."""
    if "co_instructors" in form.fields:
        catalog_services.course_co_instructors_validate(emails=form.cleaned_data["co_instructors"])
    course = catalog_services.course_update(
        course=course, expected_revision=revision, **form.course_fields()
    )
    if "co_instructors" in form.fields:
        course = catalog_services.course_co_instructors_set(
            user=request.user,
            course=course,
            expected_revision=course.revision,
            emails=form.cleaned_data["co_instructors"],
        )
    return course
