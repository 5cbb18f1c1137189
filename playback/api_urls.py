"""JSON API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from playback import apis, captions_apis, download_apis

urlpatterns = [
    path(
        "lessons/<str:lesson_id>/playback",
        apis.LessonPlaybackGetApi.as_view(),
        name="lesson-playback",
    ),
    path(
        "lessons/<str:lesson_id>/download",
        download_apis.LessonDownloadCreateApi.as_view(),
        name="lesson-download",
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
    path(
        "instructor/lessons/<str:lesson_id>/captions",
        captions_apis.LessonCaptionsApi.as_view(),
        name="instructor-lesson-captions",
    ),
    path(
        "instructor/lessons/<str:lesson_id>/captions/generate",
        captions_apis.LessonCaptionsGenerateApi.as_view(),
        name="instructor-lesson-captions-generate",
    ),
    path(
        "instructor/lessons/<str:lesson_id>/captions/<str:caption_id>",
        captions_apis.LessonCaptionDetailApi.as_view(),
        name="instructor-lesson-caption",
    ),
    path(
        "lessons/<str:lesson_id>/transcript",
        captions_apis.LessonTranscriptApi.as_view(),
        name="lesson-transcript",
    ),
    path(
        "courses/<str:slug>/search",
        captions_apis.CourseTranscriptSearchApi.as_view(),
        name="course-transcript-search",
    ),
]
