"""Two-factor JSON API (/api/v1/me/2fa*): status, enrolment (a link mailed to the account
first, then the pending authenticator and its confirming code) and turning it off. The
rules are in accounts.two_factor, shared with the two-factor pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import two_factor
from accounts.permissions import IsSignedIn, OtpRequiredForStaff
from accounts.roles import require_user_id, sign_in_methods
from accounts.selectors import user_get_signed_in
from learnstream.api_schema import problem
from learnstream.errors import Conflict
from learnstream.serializers import StrictInputSerializer


def _account(request: Request):
    return user_get_signed_in(user_id=require_user_id(request.user))


class TwoFactorApi(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="TwoFactorStatus")
    class OutputSerializer(serializers.Serializer):
        enabled = serializers.BooleanField()
        recovery_codes_left = serializers.IntegerField()
        signed_in_with_otp = serializers.BooleanField()

    @extend_schema(operation_id="me_2fa_status", responses={200: OutputSerializer}, tags=["me"])
    def get(self, request: Request) -> Response:
        user = _account(request)
        data = {
            "enabled": two_factor.totp_device_confirmed(user=user) is not None,
            "recovery_codes_left": two_factor.recovery_codes_remaining(user=user),
            "signed_in_with_otp": "otp" in sign_in_methods(request.user),
        }
        response = Response(self.OutputSerializer(data).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        operation_id="me_2fa_disable",
        request=None,
        responses={
            204: OpenApiResponse(description="Off; the account is mailed about it"),
            403: problem("otp_required: only a sign-in proven with a code may turn it off"),
            409: problem("conflict: two-factor authentication is not on"),
        },
        tags=["me"],
    )
    def delete(self, request: Request) -> Response:
        user = _account(request)
        if two_factor.totp_device_confirmed(user=user) is None:
            raise Conflict("Two-factor authentication is not on.")
        if "otp" not in sign_in_methods(request.user):
            raise OtpRequiredForStaff(
                "Turning two-factor authentication off needs a sign-in made with its code: "
                "sign in again with your authenticator code."
            )
        two_factor.two_factor_disable(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TwoFactorEnrolmentApi(APIView):
    """Step 1: mail the account's address the one-time enrolment link."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="TwoFactorEnrolmentMailed")
    class OutputSerializer(serializers.Serializer):
        sent_to = serializers.EmailField()
        link_expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="me_2fa_enrolment",
        request=None,
        responses={
            202: OutputSerializer,
            409: problem("conflict: two-factor authentication is already on"),
            429: problem("throttled: too many links asked for (5 per hour)"),
        },
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        user = _account(request)
        expires_at = two_factor.two_factor_enrolment_request(user=user)
        data = {"sent_to": user.email, "link_expires_at": expires_at}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)


class TwoFactorTotpApi(APIView):
    """Step 2: the token of the mailed link → the pending authenticator's secret (shown in
    this answer only)."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="TwoFactorTotpInput")
    class InputSerializer(StrictInputSerializer):
        token = serializers.CharField(
            max_length=512,
            help_text="The last part of the mailed link /accounts/2fa/enrol/<token>/",
        )

    @extend_schema_serializer(component_name="TwoFactorTotpPending")
    class OutputSerializer(serializers.Serializer):
        secret = serializers.CharField(help_text="Base32, as authenticator apps take it typed in")
        provisioning_uri = serializers.CharField(help_text="otpauth:// URI (the QR code's content)")
        confirm_before = serializers.DateTimeField()

    @extend_schema(
        operation_id="me_2fa_totp",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            409: problem("conflict: two-factor authentication is already on"),
        },
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = two_factor.two_factor_enrolment_redeem(
            user=_account(request), token=data.validated_data["token"]
        )
        body = {
            "secret": two_factor.totp_secret_base32(device),
            "provisioning_uri": two_factor.totp_provisioning_uri(device),
            "confirm_before": two_factor.totp_pending_expires_at(device),
        }
        response = Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class TwoFactorTotpConfirmApi(APIView):
    """Step 3: a code of the pending authenticator turns two-factor on."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="TwoFactorTotpConfirmInput")
    class InputSerializer(StrictInputSerializer):
        code = serializers.CharField(max_length=32)

    @extend_schema_serializer(component_name="TwoFactorRecoveryCodes")
    class OutputSerializer(serializers.Serializer):
        recovery_codes = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="me_2fa_totp_confirm",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            409: problem(
                "conflict: already on, or no authenticator is pending (none started from a "
                "mailed link in the last 15 minutes)"
            ),
            429: problem("throttled: too many codes (10 per 5 minutes)"),
        },
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _device, codes = two_factor.totp_setup_confirm(
            user=_account(request), token=data.validated_data["code"]
        )
        response = Response(self.OutputSerializer({"recovery_codes": codes}).data)
        response["Cache-Control"] = "no-store"
        return response
