"""JSON API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from tracking import apis, beat_api, offline_apis

urlpatterns = [
    path(
        "lessons/<str:lesson_id>/progress",
        beat_api.lesson_progress_record,
        name="lesson-progress",
    ),
    path(
        "lessons/<str:lesson_id>/complete",
        apis.LessonCompleteApi.as_view(),
        name="lesson-complete",
    ),
    path(
        "progress/sync",
        offline_apis.ProgressSyncApi.as_view(),
        name="progress-sync",
    ),
    path(
        "courses/<str:slug>/progress",
        apis.CourseProgressGetApi.as_view(),
        name="course-progress",
    ),
    path(
        "instructor/courses/<str:course_id>/analytics",
        apis.CourseAnalyticsGetApi.as_view(),
        name="instructor-course-analytics",
    ),
    path(
        "instructor/courses/<str:course_id>/progress.csv",
        apis.CourseProgressExportApi.as_view(),
        name="instructor-course-progress-csv",
    ),
    path(
        "instructor/courses/<str:course_id>/progress/<int:user_id>",
        apis.CourseProgressResetApi.as_view(),
        name="instructor-course-progress-reset",
    ),
]
