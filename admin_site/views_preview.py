"""Preview: the draft course page and its lessons as students would see them once
published. Read-only, for the course's staff (the admin's staff check, then the course's);
the preview player records no progress."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from admin_site import selectors as admin_selectors
from admin_site.site import refusals_as_404, render
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.video_state import lesson_has_ready_video


@require_http_methods(["GET"])
@refusals_as_404
def course_preview(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    detail = catalog_selectors.course_draft_detail(course=course)
    return render(
        site,
        request,
        "admin/catalog/course_preview.html",
        {"title": f"Preview: {course.title}", "course": course, "detail": detail},
    )


@require_http_methods(["GET"])
@refusals_as_404
def lesson_preview(
    request: HttpRequest, course_id: str, lesson_id: str, *, site: AdminSite
) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lesson = admin_selectors.lesson_for_staff(user=request.user, course=course, lesson_id=lesson_id)
    detail = catalog_selectors.course_draft_detail(course=course)
    outline = detail.lessons
    index = next(i for i, item in enumerate(outline) if item.id == lesson.id)
    return render(
        site,
        request,
        "admin/catalog/lesson_preview.html",
        {
            "title": f"Preview: {lesson.title}",
            "course": course,
            "detail": detail,
            "lesson": lesson,
            "body_html": catalog_services.lesson_body_html(entry=lesson, version=None),
            "has_video": lesson_has_ready_video(lesson),
            "video": admin_selectors.lesson_video_summary(lesson=lesson),
            "previous": outline[index - 1] if index > 0 else None,
            "next": outline[index + 1] if index + 1 < len(outline) else None,
        },
    )
