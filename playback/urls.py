"""HTML page routes of this app."""

from django.urls import path

from playback import views

urlpatterns = [
    path(
        "courses/<slug:slug>/lessons/<str:lesson_id>/",
        views.lesson_page,
        name="lesson-page",
    ),
    path(
        "instructor/lessons/<str:lesson_id>/video/",
        views.instructor_video_page,
        name="instructor-lesson-video-page",
    ),
    path("captions/source", views.caption_source, name="caption-source"),
    path(
        "courses/<slug:slug>/lessons/<str:lesson_id>/transcript.<str:ext>",
        views.lesson_transcript_download,
        name="lesson-transcript-download",
    ),
]
