"""Accounts JSON API (/api/v1/auth/*, /api/v1/me*). Validate → service → serialize.

The anonymous endpoints (register, token, refresh, logout) run no authentication at all:
a mobile client typically still sends its expired access token while refreshing, and that
must not turn the refresh into a 401.
"""

from __future__ import annotations

from django.contrib.auth import logout, update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.deletion import user_delete_self
from accounts.permissions import IsSignedIn
from accounts.roles import require_user_id, sign_in_methods
from accounts.selectors import user_get_signed_in
from accounts.serializers import password_field
from accounts.services import ClientInfo
from learnstream.api_schema import ProblemSerializer, problem
from learnstream.client_ip import client_ip
from learnstream.errors import PROBLEM_CONTENT_TYPE, problem_body
from learnstream.serializers import StrictInputSerializer


def client_info(request: Request) -> ClientInfo:
    return ClientInfo(ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""))


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField()
    access_expires_at = serializers.DateTimeField()
    refresh_expires_at = serializers.DateTimeField()


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.CharField()


class MeOutputSerializer(UserOutputSerializer):
    email_verified = serializers.BooleanField()


def _pair_response(pair: services.TokenPair, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(TokenPairOutputSerializer(pair).data, status=status_code)


class AnonymousApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []


class RegisterApi(AnonymousApi):
    @extend_schema_serializer(component_name="RegisterInput")
    class InputSerializer(StrictInputSerializer):
        email = serializers.EmailField(max_length=254)
        password = password_field()
        name = serializers.CharField(max_length=150)

    OutputSerializer = UserOutputSerializer

    @extend_schema(
        request=InputSerializer,
        responses={201: UserOutputSerializer, 429: problem("throttled: too many sign-ups")},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data, ip=client_ip(request))
        return Response(self.OutputSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="SignInRefusal")
class OtpRequiredSerializer(ProblemSerializer):
    """The sign-in refusal: `invalid_credentials`, or `otp_required` with the token that
    carries the password step to /auth/token/otp (present only then)."""

    code = serializers.CharField(help_text='"invalid_credentials" or "otp_required"')
    otp_token = serializers.CharField(
        required=False, help_text="With otp_required: send it with the code to /auth/token/otp."
    )
    otp_token_expires_at = serializers.DateTimeField(
        required=False, help_text="With otp_required: at most 5 minutes away."
    )


class TokenObtainApi(AnonymousApi):
    @extend_schema_serializer(component_name="TokenObtainInput")
    class InputSerializer(StrictInputSerializer):
        email = serializers.EmailField(max_length=254)
        password = password_field()

    OutputSerializer = TokenPairOutputSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            401: OpenApiResponse(
                OtpRequiredSerializer,
                description="invalid_credentials; or otp_required (with an otp_token) for an "
                "account with an authenticator: continue at /auth/token/otp",
            ),
            429: problem("throttled: too many sign-in attempts"),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pair = services.token_pair_obtain(**data.validated_data, client=client_info(request))
        except services.OtpRequired as challenge:
            return _otp_required_response(challenge)
        return _pair_response(pair)


def _otp_required_response(challenge: services.OtpRequired) -> Response:
    body = problem_body(
        status=challenge.status,
        code=challenge.code,
        title=challenge.title,
        detail=challenge.detail,
    )
    body["otp_token"] = challenge.otp_token
    body["otp_token_expires_at"] = challenge.expires_at.isoformat()
    response = Response(body, status=challenge.status, content_type=PROBLEM_CONTENT_TYPE)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    response["Cache-Control"] = "no-store"
    return response


class TokenOtpApi(AnonymousApi):
    """Second step of signing in to an account with an authenticator."""

    @extend_schema_serializer(component_name="TokenOtpInput")
    class InputSerializer(StrictInputSerializer):
        otp_token = serializers.CharField(max_length=1024)
        code = serializers.CharField(max_length=32)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            400: problem("validation_error: the code is not correct (or was already used)"),
            401: problem("token_invalid: the otp_token is invalid, expired or already used"),
            429: problem("throttled: too many codes tried for this account"),
        },
        tags=["auth"],
        description="Trade the otp_token of a 401 otp_required answer and a code from the "
        "authenticator app (or an unused recovery code) for the token pair. Its access tokens "
        'carry `amr: ["pwd", "otp"]`.',
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.otp_token_obtain(**data.validated_data, client=client_info(request))
        return _pair_response(pair)


@extend_schema_serializer(component_name="RefreshInput")
class RefreshInputSerializer(StrictInputSerializer):
    refresh = serializers.CharField(max_length=4096, trim_whitespace=True)


class TokenRefreshApi(AnonymousApi):
    InputSerializer = RefreshInputSerializer
    OutputSerializer = TokenPairOutputSerializer

    @extend_schema(
        request=RefreshInputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            401: problem("token_invalid, or token_reused (the family is now revoked)"),
            429: problem("throttled: too many refreshes of this family"),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.refresh_token_rotate(
            refresh=data.validated_data["refresh"], client=client_info(request)
        )
        return _pair_response(pair)


class TokenLogoutApi(AnonymousApi):
    """204 for any validly signed, unexpired refresh token of ours (idempotent: a revoked
    or unknown family is fine); 401 `token_invalid` for a malformed, forged or expired one,
    so a client learns its token was garbage rather than believing it logged out."""

    InputSerializer = RefreshInputSerializer

    @extend_schema(
        request=RefreshInputSerializer,
        responses={
            204: OpenApiResponse(description="Revoked"),
            401: problem("token_invalid: malformed, forged or expired"),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.refresh_token_logout(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutAllApi(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="All revoked")}, tags=["auth"]
    )
    def post(self, request: Request) -> Response:
        services.refresh_families_revoke_all(user_id=require_user_id(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="MeUpdateInput")
    class InputSerializer(StrictInputSerializer):
        name = serializers.CharField(max_length=150, required=False)
        email = serializers.EmailField(max_length=254, required=False)
        current_password = password_field(required=False)

    OutputSerializer = MeOutputSerializer

    @extend_schema(responses={200: MeOutputSerializer}, tags=["me"])
    def get(self, request: Request) -> Response:
        user = user_get_signed_in(user_id=require_user_id(request.user))
        return Response(self.OutputSerializer(user).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: MeOutputSerializer, 429: problem("throttled: current_password attempts")},
        tags=["me"],
    )
    def patch(self, request: Request) -> Response:
        user_id = require_user_id(request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user_id=user_id, **data.validated_data)
        return Response(self.OutputSerializer(user).data)

    @extend_schema_serializer(component_name="MeDeleteInput")
    class DeleteInputSerializer(StrictInputSerializer):
        current_password = password_field()

    @extend_schema(
        operation_id="me_delete",
        request=DeleteInputSerializer,
        responses={
            204: OpenApiResponse(description="The account and its data are gone"),
            409: OpenApiResponse(description="The account still owns courses"),
        },
        tags=["me"],
        description="Deletes the account and every record carrying its id in both stores "
        "(accounts.deletion). Refused with 409 `conflict` while it owns courses.",
    )
    def delete(self, request: Request) -> Response:
        user_id = require_user_id(request.user)
        data = self.DeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_delete_self(user_id=user_id, **data.validated_data)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MePasswordChangeApi(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="PasswordChangeInput")
    class InputSerializer(StrictInputSerializer):
        current_password = password_field()
        new_password = password_field()

    OutputSerializer = TokenPairOutputSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            429: problem("throttled: current_password attempts"),
        },
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        user_id = require_user_id(request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, pair = services.user_change_password(
            user_id=user_id,
            **data.validated_data,
            client=client_info(request),
            amr=sign_in_methods(request.user),
        )
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # The password hash is part of the session: keep this browser signed in.
            update_session_auth_hash(request._request, user)
        return _pair_response(pair)
