"""Publish (with what changed since the last version and what students would meet),
version history with restore, archive and unarchive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import user_emails_by_ids
from admin_site import selectors as admin_selectors
from admin_site.diff import COURSE_FIELDS, CourseDiff, LessonSnapshot, course_diff
from admin_site.site import refusals_as_404, render
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.documents import Course, CourseStatus
from learnstream.errors import Conflict, ValidationError


def _url(site: AdminSite, name: str, course: Course) -> str:
    return reverse(f"admin:{name}", kwargs={"course_id": str(course.id)}, current_app=site.name)


def pending_changes(*, course: Course) -> CourseDiff:
    """The draft against the version students see now."""
    published = admin_selectors.course_published_version(course=course)
    draft_lessons = [
        LessonSnapshot(
            id=str(lesson.id),
            title=lesson.title,
            section=lesson.section,
            is_preview=lesson.is_preview,
        )
        for lesson in catalog_services.lessons_in_outline(course=course)
    ]
    if published is None:
        return course_diff(
            published_fields=None,
            published_lessons=[],
            draft_fields={},
            draft_lessons=draft_lessons,
        )
    return course_diff(
        published_fields={name: getattr(published, name) for name in COURSE_FIELDS},
        published_lessons=[
            LessonSnapshot(
                id=str(item.lesson_id),
                title=item.title or "",
                section=item.section or "",
                is_preview=bool(item.is_preview),
            )
            for item in sorted(published.lessons, key=lambda item: item.position or 0)
        ],
        draft_fields={name: getattr(course, name) for name in COURSE_FIELDS},
        draft_lessons=draft_lessons,
    )


@require_http_methods(["GET", "POST"])
@refusals_as_404
def course_publish(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    """What publishing would change, and what students would meet: a course without lessons
    cannot be published; lessons whose videos are not ready need "publish anyway" ticked.
    The checks run again on the POST, against the draft as it is then."""
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    lessons = catalog_services.lessons_in_outline(course=course)
    problems = catalog_selectors.course_publish_problems(lessons=lessons)
    blocked = any(problem.blocking for problem in problems)
    refusal = ""
    if request.method == "POST":
        if blocked:
            refusal = "Nothing was published: " + problems[0].message
        elif problems and request.POST.get("confirm_problems") != "yes":
            refusal = (
                "Nothing was published: some lessons have videos that are not ready. Tick "
                "“Publish anyway” to publish them as they are."
            )
        else:
            try:
                version = catalog_services.course_publish(course=course, user=request.user)
            except (Conflict, ValidationError) as error:
                messages.error(request, str(error.detail))
                return HttpResponseRedirect(_url(site, "catalog_course_publish", course))
            messages.success(
                request, f"Published version {version.version}: students now see these changes."
            )
            return HttpResponseRedirect(_url(site, "catalog_course_history", course))
    return render(
        site,
        request,
        "admin/catalog/course_publish.html",
        {
            "title": f"Publish “{course.title}”",
            "course": course,
            "diff": pending_changes(course=course),
            "lesson_count": len(lessons),
            "problems": problems,
            "blocked": blocked,
            "refusal": refusal,
        },
        status=400 if refusal else 200,
    )


@require_http_methods(["GET"])
@refusals_as_404
def course_history(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    versions = catalog_selectors.course_versions_list(course=course)
    people = user_emails_by_ids(user_ids={version.published_by for version in versions})
    return render(
        site,
        request,
        "admin/catalog/course_history.html",
        {
            "title": f"Versions of “{course.title}”",
            "course": course,
            "versions": [
                {"version": version, "by": people.get(version.published_by, "(deleted user)")}
                for version in versions
            ],
            "audit_rows": admin_selectors.audit_rows(
                admin_selectors.audit_entries(user=request.user, course_id=str(course.id), limit=50)
            ),
        },
    )


@require_POST
@refusals_as_404
def course_restore(
    request: HttpRequest, course_id: str, version: int, *, site: AdminSite
) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    try:
        restored = catalog_services.course_version_restore(
            course=course, user=request.user, version=version
        )
    except (Conflict, ValidationError) as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(
            request,
            f"Version {version} was restored and published as version {restored.version}.",
        )
    return HttpResponseRedirect(_url(site, "catalog_course_history", course))


@require_http_methods(["GET", "POST"])
@refusals_as_404
def course_archive(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    if request.method == "POST":
        catalog_services.course_archive(course=course, user=request.user)
        messages.success(request, f"The course “{course.title}” was archived.")
        return HttpResponseRedirect(
            reverse("admin:catalog_course_changelist", current_app=site.name)
        )
    return render(
        site,
        request,
        "admin/catalog/course_archive.html",
        {"title": "Are you sure?", "course": course},
    )


@require_http_methods(["GET", "POST"])
@refusals_as_404
def course_unarchive(request: HttpRequest, course_id: str, *, site: AdminSite) -> HttpResponse:
    """Undo an archive: the course comes back as a draft, to be published again."""
    course = catalog_selectors.course_get_for_instructor(user=request.user, course_id=course_id)
    if request.method == "POST":
        if course.status != CourseStatus.ARCHIVED:
            messages.info(request, f"The course “{course.title}” is not archived.")
        else:
            catalog_services.course_unarchive(course=course, user=request.user)
            messages.success(
                request,
                f"The course “{course.title}” is a draft again. Publish it when students "
                "should see it again.",
            )
        return HttpResponseRedirect(_url(site, "catalog_course_change", course))
    return render(
        site,
        request,
        "admin/catalog/course_unarchive.html",
        {"title": f"Unarchive “{course.title}”", "course": course},
    )
