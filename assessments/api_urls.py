"""JSON API routes of quizzes (mounted under /api/v1/)."""

from django.urls import path

from assessments import apis

urlpatterns = [
    path(
        "instructor/lessons/<str:lesson_id>/quiz",
        apis.InstructorLessonQuizApi.as_view(),
        name="instructor-lesson-quiz",
    ),
    path("lessons/<str:lesson_id>/quiz", apis.LessonQuizApi.as_view(), name="lesson-quiz"),
    path(
        "lessons/<str:lesson_id>/quiz/attempts",
        apis.LessonQuizAttemptCreateApi.as_view(),
        name="lesson-quiz-attempts",
    ),
    path(
        "instructor/courses/<str:course_id>/completion",
        apis.InstructorCourseCompletionApi.as_view(),
        name="instructor-course-completion",
    ),
    path(
        "courses/<str:slug>/completion",
        apis.CourseCompletionGetApi.as_view(),
        name="course-completion",
    ),
]
