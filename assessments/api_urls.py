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
        "instructor/courses/<str:course_id>/gradebook.csv",
        apis.InstructorCourseGradebookApi.as_view(),
        name="instructor-course-gradebook",
    ),
    path(
        "courses/<str:slug>/completion",
        apis.CourseCompletionGetApi.as_view(),
        name="course-completion",
    ),
    path("me/certificates", apis.MyCertificateListApi.as_view(), name="my-certificates"),
    path("certificates/issuer", apis.CertificateIssuerApi.as_view(), name="certificate-issuer"),
    path("certificates/issuer/jwks", apis.CertificateJwksApi.as_view(), name="certificate-jwks"),
    path(
        "certificates/revocations",
        apis.CertificateRevocationListApi.as_view(),
        name="certificate-revocations",
    ),
    path(
        "certificates/<str:certificate_id>/credential",
        apis.CertificateCredentialApi.as_view(),
        name="certificate-credential",
    ),
    path(
        "instructor/certificates/<str:certificate_id>/revoke",
        apis.InstructorCertificateRevokeApi.as_view(),
        name="instructor-certificate-revoke",
    ),
]
