"""The learner's pages that show progress: the course page and "my learning"."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessments.account_section import certificate_links_for
from assessments.completion import course_completion_of_detail
from catalog import selectors as catalog_selectors
from learning import selectors as learning_selectors


@require_GET
def course_page(request: HttpRequest, slug: str) -> HttpResponse:
    course = catalog_selectors.course_detail_for_viewer(user=request.user, slug=slug)
    enrollment = course.enrollment
    enrolled = bool(enrollment and enrollment.status == "active")
    progress = (
        learning_selectors.course_progress_of_viewer(
            user=request.user, course_id=course.id, total_lessons=course.lesson_count
        )
        if enrolled
        else None
    )
    completion = (
        course_completion_of_detail(user=request.user, detail=course, progress=progress)
        if progress is not None
        else None
    )
    return render(
        request,
        "catalog/course.html",
        {
            "course": course,
            "enrolled": enrolled,
            "progress": progress,
            "completion": completion,
            "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        },
    )


@require_GET
@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    page = learning_selectors.enrollment_list_for_user(user=request.user, page=1)
    certificates = certificate_links_for(request.user)
    return render(
        request,
        "catalog/my_learning.html",
        {"enrollments": page.results, "certificates": certificates},
    )
