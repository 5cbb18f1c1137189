"""Lessons of a course: add, change (with the video), delete, move up/down."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from admin_site import quiz_editor
from admin_site import selectors as admin_selectors
from admin_site.forms import LessonForm, add_service_errors
from admin_site.site import refusals_as_404, render
from assessments import services as quiz_services
from assessments.documents import Quiz
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.documents import Course, Lesson
from learnstream.errors import ApplicationError, Conflict, ValidationError, problem_response
from playback import services as playback_services
from playback.captions_services import GENERATED_LANGUAGES


def _course_url(site: AdminSite, course: Course) -> str:
    return reverse(
        "admin:catalog_course_change", kwargs={"course_id": str(course.id)}, current_app=site.name
    )


def _lesson_url(site: AdminSite, course: Course, lesson: Lesson) -> str:
    return reverse(
        "admin:catalog_lesson_change",
        kwargs={"course_id": str(course.id), "lesson_id": str(lesson.id)},
        current_app=site.name,
    )


def _lesson_page(
    request: HttpRequest,
    *,
    site: AdminSite,
    course: Course,
    lesson: Lesson | None,
    form: LessonForm,
    status: int = 200,
    editor: quiz_editor.QuizEditor | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "title": f"Change lesson: {lesson.title}" if lesson else "Add lesson",
        "course": course,
        "lesson": lesson,
        "form": form,
        "add": lesson is None,
    }
    if lesson is not None:
        context["video"] = admin_selectors.lesson_video_summary(lesson=lesson)
        context["max_upload_bytes"] = getattr(settings, "MUX_MAX_UPLOAD_BYTES", 5 * 1024**3)
        context["abandoned_minutes"] = int(
            admin_selectors.UPLOAD_ABANDONED_AFTER.total_seconds() // 60
        )
        context["caption_languages"] = sorted(GENERATED_LANGUAGES)
        context["quiz"] = editor or quiz_editor.editor_for_quiz(
            Quiz.objects(lesson_id=lesson.id).first()
        )
    return render(site, request, "admin/catalog/lesson_form.html", context, status=status)


def _conflict_message(request: HttpRequest, error: Conflict) -> None:
    messages.error(request, str(error.detail))


@require_http_methods(["GET", "POST"])
@refusals_as_404
def lesson_add(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    if request.method == "GET":
        return _lesson_page(request, site=site, course=course, lesson=None, form=LessonForm())
    form = LessonForm(request.POST)
    if form.is_valid():
        try:
            lesson = catalog_services.lesson_create(course=course, **form.lesson_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            form.add_error(None, str(error.detail))
        else:
            messages.success(request, f"The lesson “{lesson.title}” was added.")
            if "_addanother" in request.POST:
                return HttpResponseRedirect(request.path)
            return HttpResponseRedirect(_lesson_url(site, course, lesson))
    return _lesson_page(request, site=site, course=course, lesson=None, form=form, status=400)


@require_http_methods(["GET", "POST"])
@refusals_as_404
def lesson_change(
    request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite
) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lesson = admin_selectors.lesson_for_staff(user=request.user, course=course, lesson_id=lesson_id)
    if request.method == "GET":
        form = LessonForm(initial=LessonForm.initial_from(lesson))
        return _lesson_page(request, site=site, course=course, lesson=lesson, form=form)
    form = LessonForm(request.POST)
    if form.is_valid():
        try:
            lesson = catalog_services.lesson_update(
                lesson=lesson, course=course, user=request.user, **form.lesson_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            form.add_error(None, str(error.detail))
        else:
            messages.success(request, f"The lesson “{lesson.title}” was changed.")
            if "_continue" in request.POST:
                return HttpResponseRedirect(_lesson_url(site, course, lesson))
            return HttpResponseRedirect(_course_url(site, course))
    return _lesson_page(request, site=site, course=course, lesson=lesson, form=form, status=400)


@require_http_methods(["GET", "POST"])
@refusals_as_404
def lesson_delete(
    request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite
) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lesson = admin_selectors.lesson_for_staff(user=request.user, course=course, lesson_id=lesson_id)
    if request.method == "POST":
        try:
            catalog_services.lesson_delete(lesson=lesson, course=course, user=request.user)
        except Conflict as error:
            _conflict_message(request, error)
        else:
            messages.success(
                request,
                f"The lesson “{lesson.title}” was removed from the draft. Students keep "
                "seeing it until you publish.",
            )
        return HttpResponseRedirect(_course_url(site, course))
    return render(
        site,
        request,
        "admin/catalog/lesson_delete.html",
        {"title": "Are you sure?", "course": course, "lesson": lesson},
    )


@require_POST
@refusals_as_404
def lesson_move(
    request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite
) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lesson = admin_selectors.lesson_for_staff(user=request.user, course=course, lesson_id=lesson_id)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, "Choose up or down.")
    else:
        try:
            catalog_services.lesson_move(course=course, lesson=lesson, offset=offset)
        except (ValidationError, Conflict) as error:
            messages.error(request, str(error.detail))
    return HttpResponseRedirect(_course_url(site, course) + "#lessons")


def _generate_captions_option(request: HttpRequest) -> Any:
    """The optional `{"generate_captions": "<language>"}` the uploader sends (the service
    validates the value); a JSON body that is not an object is a 400. Other bodies (a
    plain form post) carry no options."""
    if request.content_type != "application/json" or not request.body:
        return None
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to parse
        body = None
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object.")
    return body.get("generate_captions")


@require_POST
def lesson_upload(
    request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite
) -> HttpResponse:
    """The uploader's `data-create-url`: a Mux direct upload for this lesson (JSON, like
    the API's upload endpoint, but audited as the admin's action)."""
    try:
        course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        lesson = admin_selectors.lesson_for_staff(
            user=request.user, course=course, lesson_id=lesson_id
        )
        upload = playback_services.video_upload_create(
            user=request.user,
            lesson_id=str(lesson.id),
            generate_captions=_generate_captions_option(request),
        )
    except ApplicationError as error:
        return problem_response(error)
    expires_at = getattr(upload, "expires_at", None)
    return JsonResponse(
        {
            "upload_id": upload.id,
            "url": upload.url,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        status=201,
    )


@require_POST
@refusals_as_404
def lesson_video_remove(
    request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite
) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lesson = admin_selectors.lesson_for_staff(user=request.user, course=course, lesson_id=lesson_id)
    try:
        playback_services.video_remove(user=request.user, lesson_id=str(lesson.id))
    except ApplicationError as error:
        if isinstance(error, ValidationError | Conflict) or error.status >= 500:
            messages.error(request, f"The video could not be removed: {error.detail}")
        else:
            raise
    else:
        messages.success(request, "The video was removed.")
    return HttpResponseRedirect(_lesson_url(site, course, lesson))


@require_POST
@refusals_as_404
def lesson_upload_cancel(
    request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite
) -> HttpResponse:
    """Give up an upload that never arrived or failed (the playback service decides)."""
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lesson = admin_selectors.lesson_for_staff(user=request.user, course=course, lesson_id=lesson_id)
    try:
        playback_services.video_upload_cancel(user=request.user, lesson_id=str(lesson.id))
    except ApplicationError as error:
        if isinstance(error, Conflict) or error.status >= 500:
            messages.error(request, f"The upload could not be cancelled: {error.detail}")
        else:
            raise
    else:
        messages.success(request, "The upload was cancelled. You can upload the video again.")
    return HttpResponseRedirect(_lesson_url(site, course, lesson) + "#video")


@require_POST
@refusals_as_404
def lesson_quiz(request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite) -> Any:
    """Save or delete the lesson's draft quiz from the editor on the lesson page, through
    the instructor API's serializer and service (same rules, same audit entry). Learners
    keep the published quiz until the next publish."""
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lesson = admin_selectors.lesson_for_staff(user=request.user, course=course, lesson_id=lesson_id)
    back = _lesson_url(site, course, lesson) + "#quiz-editor"
    if "_delete_quiz" in request.POST:
        try:
            quiz_services.quiz_delete(user=request.user, lesson_id=lesson.id)
        except ApplicationError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(request, "The quiz was removed from the draft.")
        return HttpResponseRedirect(back)
    editor, body = quiz_editor.editor_from_post(request.POST)
    data, errors = quiz_editor.editor_body_validate(body)
    if data is not None:
        try:
            quiz_services.quiz_put(user=request.user, lesson_id=lesson.id, **data)
        except ValidationError as error:
            errors = getattr(error, "errors", None) or [str(error.detail)]
        except Conflict as error:
            errors = [str(error.detail)]
        else:
            messages.success(request, "The quiz was saved to the draft.")
            return HttpResponseRedirect(back)
    quiz_editor.editor_errors_add(editor, errors)
    editor.rows.append(quiz_editor.blank_row(len(editor.rows)))
    form = LessonForm(initial=LessonForm.initial_from(lesson))
    return _lesson_page(
        request, site=site, course=course, lesson=lesson, form=form, status=400, editor=editor
    )
