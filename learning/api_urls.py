"""JSON API routes of the learner's progress (mounted under /api/v1/)."""

from django.urls import path

from learning import apis

urlpatterns = [
    path("me/enrollments", apis.MyEnrollmentListApi.as_view(), name="api-my-enrollments"),
]
