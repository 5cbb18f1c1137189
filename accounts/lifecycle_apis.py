"""Account-lifecycle JSON API: password reset, email verification, data export
and account deletion. Validate → service → serialize; errors in the problem+json contract.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import recovery, verification
from accounts.apis import AnonymousApi, MeOutputSerializer
from accounts.email_tokens import TOKEN_MAX_LENGTH
from accounts.export import user_export
from accounts.permissions import IsSignedIn
from accounts.roles import require_user_id
from accounts.serializers import password_field
from learnstream.api_schema import problem
from learnstream.client_ip import client_ip
from learnstream.serializers import StrictInputSerializer

RESET_REQUESTED = (
    "If an account uses this address, a link to choose a new password is on its way. "
    "It works once, for one hour."
)


class DetailOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _token_field() -> serializers.CharField:
    return serializers.CharField(max_length=TOKEN_MAX_LENGTH, trim_whitespace=True)


class PasswordResetRequestApi(AnonymousApi):
    @extend_schema_serializer(component_name="PasswordResetRequestInput")
    class InputSerializer(StrictInputSerializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(
        operation_id="auth_password_reset_request",
        request=InputSerializer,
        responses={202: DetailOutputSerializer},
        tags=["auth"],
        description="Mails a reset link if an account uses the address; the answer is the "
        "same either way. Limited per client IP and per address (429).",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recovery.password_reset_request(email=data.validated_data["email"], ip=client_ip(request))
        return Response({"detail": RESET_REQUESTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(AnonymousApi):
    @extend_schema_serializer(component_name="PasswordResetConfirmInput")
    class InputSerializer(StrictInputSerializer):
        token = _token_field()
        new_password = password_field()

    @extend_schema(
        operation_id="auth_password_reset_confirm",
        request=InputSerializer,
        responses={200: DetailOutputSerializer},
        tags=["auth"],
        description="Sets the new password and revokes every refresh family. An expired, "
        "used or forged token is 400 `validation_error` (`errors.token`).",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recovery.password_reset_confirm(**data.validated_data, ip=client_ip(request))
        return Response({"detail": "Password changed. Every device was signed out."})


class EmailVerifyApi(AnonymousApi):
    @extend_schema_serializer(component_name="EmailVerifyInput")
    class InputSerializer(StrictInputSerializer):
        token = _token_field()

    OutputSerializer = MeOutputSerializer

    @extend_schema(
        operation_id="auth_verify_email",
        request=InputSerializer,
        responses={200: MeOutputSerializer},
        tags=["auth"],
        description="Marks the address the link was mailed to as verified. An expired, "
        "forged or superseded token (the email changed since) is 400 `validation_error`.",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = verification.email_verify(token=data.validated_data["token"], ip=client_ip(request))
        return Response(self.OutputSerializer(user).data)


class MeVerifyEmailResendApi(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="VerifyEmailResendOutput")
    class OutputSerializer(serializers.Serializer):
        sent = serializers.BooleanField(help_text="False when the address is already verified.")

    @extend_schema(
        operation_id="me_verify_email_resend",
        request=None,
        responses={202: OutputSerializer, 429: problem("throttled: too many links asked for")},
        tags=["me"],
        description="Mails a new verification link (limited per user, 429).",
    )
    def post(self, request: Request) -> Response:
        sent = verification.email_verification_resend(user_id=require_user_id(request.user))
        return Response({"sent": sent}, status=status.HTTP_202_ACCEPTED)


@extend_schema_serializer(component_name="ExportCourseRef")
class _ExportCourseSerializer(serializers.Serializer):
    id = serializers.CharField(source="course_id")
    slug = serializers.CharField(source="course_slug", allow_null=True)
    title = serializers.CharField(source="course_title", allow_null=True)


@extend_schema_serializer(component_name="ExportEnrollment")
class _ExportEnrollmentSerializer(serializers.Serializer):
    course = _ExportCourseSerializer(source="*")
    status = serializers.CharField()
    enrolled_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="ExportProgress")
class _ExportProgressSerializer(serializers.Serializer):
    lesson_id = serializers.CharField()
    course_id = serializers.CharField()
    position_s = serializers.FloatField()
    furthest_s = serializers.FloatField()
    coverage = serializers.FloatField()
    watch_time_s = serializers.FloatField()
    duration_s = serializers.FloatField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="ExportProfile")
class _ExportProfileSerializer(MeOutputSerializer):
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)


class MeExportApi(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="UserExport")
    class OutputSerializer(serializers.Serializer):
        exported_at = serializers.DateTimeField()
        profile = _ExportProfileSerializer()
        two_factor_enabled = serializers.BooleanField()
        enrollments = _ExportEnrollmentSerializer(many=True, source="sections.enrollments")
        progress = _ExportProgressSerializer(many=True, source="sections.progress")

        def to_representation(self, instance: Any) -> Any:
            # Every other app's registered section (quiz attempts, certificates…) goes out
            # as that app exported it, under its handler's name: accounts need not know it.
            data = super().to_representation(instance)
            for name, rows in instance.sections.items():
                data.setdefault(name, rows)
            return data

    @extend_schema(operation_id="me_export", responses={200: OutputSerializer}, tags=["me"])
    def get(self, request: Request) -> Response:
        export = user_export(user_id=require_user_id(request.user))
        response = Response(self.OutputSerializer(export).data)
        response["Content-Disposition"] = 'attachment; filename="learnstream-export.json"'
        response["Cache-Control"] = "no-store"
        return response
