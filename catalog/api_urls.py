"""JSON API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from catalog import apis

urlpatterns = [
    path("courses", apis.CourseListApi.as_view(), name="api-course-list"),
    path("courses/<str:slug>", apis.CourseDetailApi.as_view(), name="api-course-detail"),
    path("courses/<str:slug>/enrollment", apis.EnrollmentApi.as_view(), name="api-enrollment"),
    path(
        "instructor/courses",
        apis.InstructorCoursesApi.as_view(),
        name="api-instructor-courses",
    ),
    path(
        "instructor/courses/<str:course_id>",
        apis.InstructorCourseApi.as_view(),
        name="api-instructor-course",
    ),
    path(
        "instructor/courses/<str:course_id>/lessons",
        apis.LessonCreateApi.as_view(),
        name="api-lesson-create",
    ),
    path(
        "instructor/courses/<str:course_id>/lessons/order",
        apis.LessonReorderApi.as_view(),
        name="api-lesson-reorder",
    ),
    path(
        "instructor/courses/<str:course_id>/publish",
        apis.CoursePublishApi.as_view(),
        name="api-course-publish",
    ),
    path(
        "instructor/courses/<str:course_id>/unarchive",
        apis.CourseUnarchiveApi.as_view(),
        name="api-course-unarchive",
    ),
    path(
        "instructor/courses/<str:course_id>/versions",
        apis.CourseVersionListApi.as_view(),
        name="api-course-versions",
    ),
    path(
        "instructor/courses/<str:course_id>/versions/<int:version>/restore",
        apis.CourseVersionRestoreApi.as_view(),
        name="api-course-version-restore",
    ),
    path(
        "instructor/lessons/<str:lesson_id>",
        apis.InstructorLessonApi.as_view(),
        name="api-instructor-lesson",
    ),
]
