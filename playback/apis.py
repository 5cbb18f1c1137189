"""Playback JSON API: signed playback for viewers, direct uploads and video status for
instructors. Validate → selector/service → serialize; the rules live in the domain code."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSignedIn
from playback.documents import VideoState
from playback.selectors import lesson_playback_get, lesson_video_status_get
from playback.services import video_upload_create

PROBLEM = inline_serializer(
    "Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
    },
)


class PlaybackTokensSerializer(serializers.Serializer):
    video = serializers.CharField()
    thumbnail = serializers.CharField()
    storyboard = serializers.CharField()


class LessonPlaybackGetApi(APIView):
    """Signed playback (RS256 tokens, stream and thumbnail URLs) for a viewer who may watch."""

    permission_classes = [IsSignedIn]

    class OutputSerializer(serializers.Serializer):
        playback_id = serializers.CharField()
        stream_url = serializers.CharField()
        thumbnail_url = serializers.CharField()
        tokens = PlaybackTokensSerializer()
        expires_at = serializers.DateTimeField()
        resume_position_s = serializers.FloatField()

    @extend_schema(
        request=None,
        responses={
            200: OutputSerializer,
            401: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            409: PROBLEM,
            503: PROBLEM,
        },
    )
    def get(self, request: Request, lesson_id: str) -> Response:
        playback = lesson_playback_get(user=request.user, lesson_id=lesson_id)
        response = Response(self.OutputSerializer(playback).data)
        # Tokens are per viewer and expire: never let a shared cache keep them.
        response["Cache-Control"] = "private, no-store"
        return response


class LessonUploadCreateApi(APIView):
    """A Mux direct upload for the lesson's (new) video; the browser PUTs the file to `url`."""

    permission_classes = [IsSignedIn]

    class OutputSerializer(serializers.Serializer):
        upload_id = serializers.CharField(source="id")
        url = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        request=None,
        responses={
            201: OutputSerializer,
            401: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            502: PROBLEM,
            503: PROBLEM,
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        upload = video_upload_create(user=request.user, lesson_id=lesson_id)
        return Response(self.OutputSerializer(upload).data, status=status.HTTP_201_CREATED)


class LessonVideoGetApi(APIView):
    """The lesson's video as its instructors see it (state, Mux's error, signed thumbnail)."""

    permission_classes = [IsSignedIn]

    class OutputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=VideoState.ALL)
        error = serializers.CharField(allow_null=True)
        duration_s = serializers.FloatField(allow_null=True)
        aspect_ratio = serializers.CharField(allow_null=True)
        thumbnail_url = serializers.CharField(allow_null=True)
        playable = serializers.BooleanField()

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request, lesson_id: str) -> Response:
        video = lesson_video_status_get(user=request.user, lesson_id=lesson_id)
        response = Response(self.OutputSerializer(video).data)
        response["Cache-Control"] = "private, no-store"
        return response
