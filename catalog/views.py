"""Student pages (session auth): catalogue, enrol/unenrol.

They call the same selectors and services as the API; a NotFound becomes the site's 404
page, a bad filter re-renders the form with the error (status 400).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import is_signed_in
from catalog import selectors, services
from catalog.documents import CourseLevel
from learnstream.errors import EmailNotVerified, PermissionDenied, ValidationError


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    raw = {key: request.GET.get(key, "") for key in ("q", "level", "language", "tag")}
    context: dict[str, Any] = {
        "form": raw,
        "levels": CourseLevel.ALL,
        "languages": selectors.catalogue_languages(),
        "errors": {},
    }
    try:
        filters = selectors.catalogue_filters_clean(**raw)
        page = selectors.course_list_published(
            filters=filters, cursor=request.GET.get("cursor") or None
        )
    except ValidationError as exc:
        context["errors"] = exc.errors or {}
        context["courses"] = []
        return render(request, "catalog/catalogue.html", context, status=400)
    params = filters.as_params()
    enrolled = selectors.enrolled_course_ids(
        user=request.user, course_ids=[course["id"] for course in page.results]
    )
    context.update(
        courses=[{**course, "enrolled": course["id"] in enrolled} for course in page.results],
        filtered=bool(params),
        next_url=f"?{urlencode({**params, 'cursor': page.next_cursor})}"
        if page.next_cursor
        else None,
        previous_url=f"?{urlencode({**params, 'cursor': page.previous_cursor})}"
        if page.previous_cursor
        else None,
    )
    return render(request, "catalog/catalogue.html", context)


def _login_redirect(request: HttpRequest, next_path: str) -> HttpResponse:
    return redirect(f"{reverse('login')}?{urlencode({'next': next_path})}")


@require_POST
def course_enrol(request: HttpRequest, slug: str) -> HttpResponse:
    course_path = reverse("course-page", args=[slug])
    if not is_signed_in(request.user):
        return _login_redirect(request, course_path)
    course = selectors.course_get_published_by_slug(slug=slug)
    try:
        _enrollment, created = services.enrollment_create(user=request.user, course=course)
    except PermissionDenied as exc:  # e.g. the email address is not verified yet
        # The verification refusal names the account page: link it (resend is there).
        link = "account-link" if isinstance(exc, EmailNotVerified) else ""
        messages.error(request, exc.detail, extra_tags=link)
        return redirect(course_path)
    if created:
        messages.success(request, f"You are enrolled in “{course.published.title}”.")
    return redirect(course_path)


@require_POST
def course_unenrol(request: HttpRequest, slug: str) -> HttpResponse:
    if not is_signed_in(request.user):
        return _login_redirect(request, reverse("course-page", args=[slug]))
    course = selectors.course_get_enrollable_or_enrolled(slug=slug)
    services.enrollment_cancel(user=request.user, course_id=str(course.id))
    messages.success(request, "You have left the course.")
    return redirect("my-learning")
