"""Analytics per course (server-rendered SVG charts) and the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.roles import require_user_id
from admin_site import selectors as admin_selectors
from admin_site.charts import completion_bars, dropoff_chart
from admin_site.forms import ProgressResetForm
from admin_site.site import refusals_as_404, render
from assessments.analytics import course_quiz_analytics
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from tracking import analytics as tracking_analytics
from tracking import services as tracking_services


@require_http_methods(["GET", "POST"])
@refusals_as_404
def course_analytics(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lessons = catalog_services.lessons_in_outline(course=course)
    reset_form = ProgressResetForm(request.POST or None, lessons=lessons)
    if request.method == "POST" and reset_form.is_valid():
        lesson = reset_form.lessons.get(reset_form.cleaned_data["lesson"] or "")
        removed = tracking_services.progress_reset(
            actor_id=require_user_id(request.user),
            course_id=course.id,
            user_id=reset_form.cleaned_data["email"],
            lesson_id=lesson.id if lesson is not None else None,
        )
        messages.success(request, f"Progress reset: {removed} lesson record(s) removed.")
        return HttpResponseRedirect(request.path)
    figures = tracking_analytics.course_analytics(course=course)
    context: dict[str, Any] = {
        "title": f"Analytics: {course.title}",
        "course": course,
        "figures": figures,
        "reset_form": reset_form,
        "csv_url": reverse("instructor-course-progress-csv", args=[course.id]),
        "gradebook_url": reverse("instructor-course-gradebook", args=[course.id]),
        "quizzes": course_quiz_analytics(user=request.user, course_id=course.id),
    }
    if figures is not None:
        rows = figures.get("lessons", [])
        context["completion_chart"] = completion_bars(
            title="Completions per lesson",
            rows=[
                (lesson["title"], int(lesson["starts"]), int(lesson["completions"]))
                for lesson in rows
            ],
        )
        context["lesson_charts"] = [
            {
                "lesson": lesson,
                "chart": dropoff_chart(
                    title=f"Viewers still watching: {lesson['title']}",
                    shares=lesson.get("dropoff") or [],
                ),
            }
            for lesson in rows
        ]
    return render(site, request, "admin/catalog/course_analytics.html", context)


@require_http_methods(["GET"])
def audit_log(request: HttpRequest, *, site: AdminSite) -> HttpResponse:
    entries = admin_selectors.audit_entries(user=request.user, limit=500)
    return render(
        site,
        request,
        "admin/catalog/audit_log.html",
        {
            "title": "Audit log",
            "rows": admin_selectors.audit_rows(entries),
        },
    )
