"""Plumbing shared by the catalogue's admin pages: index entries, rendering with the
admin's context, and turning domain refusals into admin responses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.admin import AdminSite
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from learnstream.errors import NotFound, PermissionDenied

APP_LABEL = "catalog"


def _entries(site: AdminSite) -> list[dict[str, Any]]:
    def url(name: str) -> str:
        return reverse(f"admin:{name}", current_app=site.name)

    return [
        {
            "name": "Courses",
            "object_name": "Course",
            "perms": {"add": True, "change": True, "delete": False, "view": True},
            "admin_url": url("catalog_course_changelist"),
            "add_url": url("catalog_course_add"),
            "view_only": False,
        },
        {
            "name": "Audit log",
            "object_name": "AuditEntry",
            "perms": {"add": False, "change": False, "delete": False, "view": True},
            "admin_url": url("catalog_auditlog"),
            "add_url": None,
            "view_only": True,
        },
    ]


def merge_catalog_entries(
    site: AdminSite, request: HttpRequest, app_list: list[dict], *, app_label: str | None
) -> list[dict]:
    """Add Courses and Audit log to the "Catalog" app (created when the user sees no ORM
    model of it, as an instructor without Enrollment permissions). Every staff member gets
    them: which courses they see is decided per course by the catalogue selectors."""
    if app_label not in (None, APP_LABEL) or not request.user.is_staff:
        return app_list
    app = next((item for item in app_list if item["app_label"] == APP_LABEL), None)
    if app is None:
        app = {
            "name": "Catalog",
            "app_label": APP_LABEL,
            "app_url": reverse("admin:app_list", kwargs={"app_label": APP_LABEL}),
            "has_module_perms": True,
            "models": [],
        }
        app_list.append(app)
        app_list.sort(key=lambda item: item["name"].lower())
    app["models"] = sorted([*app["models"], *_entries(site)], key=lambda item: item["name"])
    return app_list


def render(
    site: AdminSite, request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> TemplateResponse:
    request.current_app = site.name
    return TemplateResponse(
        request,
        template,
        {**site.each_context(request), "app_label": APP_LABEL, **context},
        status=status,
    )


def refusals_as_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A course or lesson the user may not touch is "not found" in the admin, as in the
    API: the page must not reveal that it exists."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, PermissionDenied) as exc:
            raise Http404(str(exc)) from exc

    return wrapper
