"""GET /api/v1/me/enrollments: the signed-in user's enrolments with their progress."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSignedIn
from catalog.models import EnrollmentStatus
from learning import selectors as learning_selectors
from learnstream.api_pages import list_of, list_response, numbered_links
from learnstream.api_schema import name_nested_serializers
from learnstream.serializers import StrictInputSerializer, validated


class MyEnrollmentListApi(APIView):
    permission_classes = [IsSignedIn]

    class FilterSerializer(StrictInputSerializer):
        status = serializers.ChoiceField(
            choices=[EnrollmentStatus.ACTIVE, EnrollmentStatus.CANCELLED, "all"],
            required=False,
            default=EnrollmentStatus.ACTIVE,
        )
        page = serializers.IntegerField(required=False, min_value=1, default=1)

    class OutputSerializer(serializers.Serializer):
        course = inline_serializer(
            name="EnrolledCourse",
            fields={
                "id": serializers.CharField(),
                "slug": serializers.CharField(),
                "title": serializers.CharField(),
                "status": serializers.CharField(),
                "cover_url": serializers.CharField(),
            },
        )
        status = serializers.CharField()
        enrolled_at = serializers.DateTimeField()
        progress = inline_serializer(
            name="EnrollmentProgress",
            fields={
                "completed_lessons": serializers.IntegerField(),
                "total_lessons": serializers.IntegerField(),
                "percent": serializers.FloatField(),
            },
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["active", "cancelled", "all"]),
            OpenApiParameter("page", int),
        ],
        responses=list_of(OutputSerializer, "EnrollmentListPage"),
    )
    def get(self, request: Request) -> Response:
        filters = validated(self.FilterSerializer, request.query_params.dict())
        page = learning_selectors.enrollment_list_for_user(
            user=request.user, status=filters["status"], page=filters["page"]
        )
        return list_response(
            request, self.OutputSerializer(page.results, many=True).data, **numbered_links(page)
        )


# ---------------------------------------------------------------- instructor: courses


name_nested_serializers(globals())
