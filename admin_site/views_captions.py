"""The course caption report: which lessons lack reviewed captions in the course language."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from admin_site.site import refusals_as_404, render
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from playback.captions_selectors import course_caption_report


@require_http_methods(["GET"])
@refusals_as_404
def course_captions(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    rows = course_caption_report(
        course_language=course.language,
        lessons=catalog_services.lessons_in_outline(course=course),
    )
    video_rows = [row for row in rows if row.has_video]
    return render(
        site,
        request,
        "admin/catalog/course_captions.html",
        {
            "title": f"Captions: {course.title}",
            "course": course,
            "rows": rows,
            "video_lessons": len(video_rows),
            "lacking": sum(1 for row in video_rows if row.needs_work),
        },
    )
