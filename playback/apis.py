"""Playback JSON API: signed playback for viewers, direct uploads and video status for
instructors. Validate → selector/service → serialize; the rules live in the domain code."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSignedIn
from catalog.lesson_video import VideoState
from learnstream.api_schema import problem
from learnstream.errors import ValidationError
from learnstream.serializers import iso_utc
from playback.selectors import LessonPlayback, lesson_playback_get, lesson_video_status_get
from playback.services import video_upload_cancel, video_upload_create


@extend_schema_serializer(component_name="PlaybackTokens")
class PlaybackTokensSerializer(serializers.Serializer):
    video = serializers.CharField()
    thumbnail = serializers.CharField()
    storyboard = serializers.CharField()


@extend_schema_serializer(component_name="PlaybackView")
class PlaybackViewSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="Opaque; heartbeats of this playback send it as `view_id` with `seq`."
    )
    expires_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="PlaybackCaption")
class PlaybackCaptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    language = serializers.CharField(help_text="BCP 47")
    label = serializers.CharField()  # type: ignore[assignment]  # (shadows Field.label)
    closed_captions = serializers.BooleanField()
    url = serializers.CharField(help_text="Signed WebVTT; valid as long as the video token.")


def playback_payload(playback: LessonPlayback) -> dict[str, Any]:
    """LessonPlaybackGetApi.OutputSerializer's output, built directly: a DRF serializer with
    three nested ones costs more than the request's remaining work. The serializer stays the
    schema; a test holds the two to the same output."""
    tokens = playback.tokens
    view = playback.view
    return {
        "playback_id": str(playback.playback_id),
        "stream_url": str(playback.stream_url),
        "thumbnail_url": str(playback.thumbnail_url),
        "storyboard_url": str(playback.storyboard_url),
        "tokens": {
            "video": str(tokens.video),
            "thumbnail": str(tokens.thumbnail),
            "storyboard": str(tokens.storyboard),
        },
        "expires_at": iso_utc(playback.expires_at),
        "resume_position_s": float(playback.resume_position_s),
        "captions": [
            {
                "id": str(caption.id),
                "language": str(caption.language),
                "label": str(caption.label),
                "closed_captions": bool(caption.closed_captions),
                "url": str(caption.url),
            }
            for caption in playback.captions
        ],
        "view": (
            None
            if view is None
            else {"id": str(view["id"]), "expires_at": iso_utc(view["expires_at"])}
        ),
    }


class LessonPlaybackGetApi(APIView):
    """Signed playback (RS256 tokens, stream and thumbnail URLs) for a viewer who may watch."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="LessonPlayback")
    class OutputSerializer(serializers.Serializer):
        playback_id = serializers.CharField()
        stream_url = serializers.CharField()
        thumbnail_url = serializers.CharField()
        storyboard_url = serializers.CharField(
            help_text="Signed storyboard WebVTT (sprite tiles per time range), for scrubbing."
        )
        tokens = PlaybackTokensSerializer()
        expires_at = serializers.DateTimeField()
        resume_position_s = serializers.FloatField()
        captions = PlaybackCaptionSerializer(many=True)
        view = PlaybackViewSerializer(allow_null=True)

    @extend_schema(
        request=None,
        responses={
            200: OutputSerializer,
            403: problem("permission_denied (no token)"),
            409: problem("video_not_ready"),
            503: problem("service_unavailable (no signing key configured)"),
        },
    )
    def get(self, request: Request, lesson_id: str) -> Response:
        playback = lesson_playback_get(user=request.user, lesson_id=lesson_id)
        response = Response(playback_payload(playback))
        # Tokens are per viewer and expire: never let a shared cache keep them.
        response["Cache-Control"] = "private, no-store"
        return response


class LessonUploadCreateApi(APIView):
    """POST: a Mux direct upload for the lesson's (new) video; the browser PUTs the file to
    `url`. DELETE: give up the pending upload."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="DirectUpload")
    class OutputSerializer(serializers.Serializer):
        upload_id = serializers.CharField(source="id")
        url = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema_serializer(component_name="DirectUploadOptions")
    class InputSerializer(serializers.Serializer):
        generate_captions = serializers.CharField(
            required=False,
            max_length=35,
            help_text="A language Mux transcribes (e.g. `en`): automatic captions of the new "
            "video, arriving as a generated, unreviewed caption.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: problem("validation_error (a language Mux cannot transcribe)"),
            409: problem("conflict (the lesson already has captions in that language)"),
            502: problem("upstream_error (Mux refused; nothing was written)"),
            503: problem("service_unavailable (Mux unreachable; nothing was written)"),
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        lesson_video_status_get(user=request.user, lesson_id=lesson_id)  # 404/403 first
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            errors = {k: [str(m) for m in v] for k, v in serializer.errors.items()}
            name, messages = next(iter(errors.items()))
            raise ValidationError(f"{name}: {messages[0]}", errors=errors)
        upload = video_upload_create(
            user=request.user,
            lesson_id=lesson_id,
            generate_captions=serializer.validated_data.get("generate_captions"),
        )
        return Response(self.OutputSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            204: None,
            409: problem("conflict (no upload to cancel, or it arrived and is processing)"),
            502: problem("upstream_error"),
            503: problem("service_unavailable"),
        },
    )
    def delete(self, request: Request, lesson_id: str) -> Response:
        """Give up the pending upload (its file never arrived, or it failed); students keep
        the current video."""
        video_upload_cancel(user=request.user, lesson_id=lesson_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LessonVideoGetApi(APIView):
    """The lesson's video as its instructors see it (state, Mux's error, signed thumbnail)."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="LessonVideo")
    class OutputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=VideoState.ALL)
        error = serializers.CharField(allow_null=True)
        duration_s = serializers.FloatField(allow_null=True)
        aspect_ratio = serializers.CharField(allow_null=True)
        thumbnail_url = serializers.CharField(allow_null=True)
        playable = serializers.BooleanField()

    @extend_schema(
        request=None,
        responses={
            200: OutputSerializer,
        },
    )
    def get(self, request: Request, lesson_id: str) -> Response:
        video = lesson_video_status_get(user=request.user, lesson_id=lesson_id)
        response = Response(self.OutputSerializer(video).data)
        response["Cache-Control"] = "private, no-store"
        return response
