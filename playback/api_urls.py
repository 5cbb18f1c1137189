"""JSON API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from playback import apis

urlpatterns = [
    path(
        "lessons/<str:lesson_id>/playback",
        apis.LessonPlaybackGetApi.as_view(),
        name="lesson-playback",
    ),
    path(
        "instructor/lessons/<str:lesson_id>/upload",
        apis.LessonUploadCreateApi.as_view(),
        name="instructor-lesson-upload",
    ),
    path(
        "instructor/lessons/<str:lesson_id>/video",
        apis.LessonVideoGetApi.as_view(),
        name="instructor-lesson-video",
    ),
]
