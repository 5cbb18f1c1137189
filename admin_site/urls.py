"""URL patterns of the catalogue's admin pages, mounted by `LearnStreamAdminSite.get_urls`
under /admin/ (namespace "admin"). Every view is wrapped in `site.admin_view`: staff only,
CSRF-protected, never cached."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.admin import AdminSite
from django.urls import URLPattern, path

from admin_site import (
    views_analytics,
    views_captions,
    views_courses,
    views_lessons,
    views_preview,
    views_publish,
)

COURSE = "catalog/courses/<str:course_id>/"
LESSON = COURSE + "lessons/<str:lesson_id>/"


def catalog_admin_urls(site: AdminSite) -> list[URLPattern]:
    def view(function: Callable[..., Any]) -> Callable[..., Any]:
        bound = functools.partial(function, site=site)
        functools.update_wrapper(bound, function)
        return site.admin_view(bound)

    return [
        path("catalog/courses/", view(views_courses.course_list), name="catalog_course_changelist"),
        path("catalog/courses/add/", view(views_courses.course_add), name="catalog_course_add"),
        path(COURSE + "change/", view(views_courses.course_change), name="catalog_course_change"),
        path(
            COURSE + "publish/", view(views_publish.course_publish), name="catalog_course_publish"
        ),
        path(
            COURSE + "history/", view(views_publish.course_history), name="catalog_course_history"
        ),
        path(
            COURSE + "versions/<int:version>/restore/",
            view(views_publish.course_restore),
            name="catalog_course_restore",
        ),
        path(
            COURSE + "archive/", view(views_publish.course_archive), name="catalog_course_archive"
        ),
        path(
            COURSE + "unarchive/",
            view(views_publish.course_unarchive),
            name="catalog_course_unarchive",
        ),
        path(
            COURSE + "analytics/",
            view(views_analytics.course_analytics),
            name="catalog_course_analytics",
        ),
        path(
            COURSE + "captions/",
            view(views_captions.course_captions),
            name="catalog_course_captions",
        ),
        path(
            COURSE + "preview/", view(views_preview.course_preview), name="catalog_course_preview"
        ),
        path(
            LESSON + "preview/", view(views_preview.lesson_preview), name="catalog_lesson_preview"
        ),
        path(COURSE + "lessons/add/", view(views_lessons.lesson_add), name="catalog_lesson_add"),
        path(LESSON + "change/", view(views_lessons.lesson_change), name="catalog_lesson_change"),
        path(LESSON + "delete/", view(views_lessons.lesson_delete), name="catalog_lesson_delete"),
        path(LESSON + "move/", view(views_lessons.lesson_move), name="catalog_lesson_move"),
        path(LESSON + "quiz/", view(views_lessons.lesson_quiz), name="catalog_lesson_quiz"),
        path(LESSON + "upload/", view(views_lessons.lesson_upload), name="catalog_lesson_upload"),
        path(
            LESSON + "upload/cancel/",
            view(views_lessons.lesson_upload_cancel),
            name="catalog_lesson_upload_cancel",
        ),
        path(
            LESSON + "video/remove/",
            view(views_lessons.lesson_video_remove),
            name="catalog_lesson_video_remove",
        ),
        path("catalog/audit/", view(views_analytics.audit_log), name="catalog_auditlog"),
    ]
