"""Caption JSON API: staff manage captions of a lesson; viewers read transcripts and search
a course's. Validate → selector/service → serialize; the rules live in the domain code."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSignedIn
from learnstream.errors import ValidationError
from learnstream.serializers import no_store, validated_naming_field
from playback.apis import problem
from playback.captions_documents import CaptionSource, CaptionState
from playback.captions_selectors import (
    caption_detail_for_staff,
    caption_list_for_staff,
    caption_view,
    course_transcript_search,
    lesson_transcript_get,
)
from playback.captions_services import (
    add_caption,
    caption_delete,
    caption_generate,
    caption_lesson_for_staff,
    caption_update,
)

STAFF_REFUSALS = {
    401: problem("not_authenticated"),
    403: problem("permission_denied (not the course's staff)"),
    404: problem("not_found"),
}


@extend_schema_serializer(component_name="Caption")
class CaptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    language = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # (shadows Field.label)
    closed_captions = serializers.BooleanField()
    source = serializers.ChoiceField(choices=CaptionSource.ALL)  # type: ignore[assignment]
    state = serializers.ChoiceField(choices=CaptionState.ALL)
    error = serializers.CharField(allow_null=True)
    reviewed = serializers.BooleanField()
    updated_at = serializers.DateTimeField()
    serving = serializers.BooleanField(help_text="Students get a ready version now.")


@extend_schema_serializer(component_name="CaptionDetail")
class CaptionDetailSerializer(CaptionSerializer):
    vtt = serializers.CharField(help_text="The newest version as WebVTT.")


class LessonCaptionsApi(APIView):
    """GET: the lesson's captions. POST (multipart): upload WebVTT or SRT in one language."""

    permission_classes = [IsSignedIn]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="CaptionUpload")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="WebVTT or SRT, UTF-8, at most 1 MiB.")
        language = serializers.CharField(max_length=35, help_text="BCP 47, e.g. en, pt-BR.")
        label = serializers.CharField(max_length=100, required=False, allow_blank=True)  # type: ignore[assignment]
        closed_captions = serializers.BooleanField(required=False, default=False)

    @extend_schema(request=None, responses={200: CaptionSerializer(many=True), **STAFF_REFUSALS})
    def get(self, request: Request, lesson_id: str) -> Response:
        captions = caption_list_for_staff(user=request.user, lesson_id=lesson_id)
        return no_store(Response(CaptionSerializer(captions, many=True).data))

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            201: CaptionSerializer,
            400: problem("validation_error (names the first bad line; nothing sent to Mux)"),
            409: problem("conflict (the lesson already has captions in that language)"),
            502: problem("upstream_error (Mux refused; nothing was stored)"),
            503: problem("service_unavailable (Mux unreachable; nothing was stored)"),
            **STAFF_REFUSALS,
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        caption_lesson_for_staff(user=request.user, lesson_id=lesson_id)  # 404/403 first
        data = validated_naming_field(self.InputSerializer, request.data)
        caption = add_caption(
            lesson=lesson_id,
            file_bytes=data["file"].read(),
            language=data["language"],
            label=data.get("label") or "",
            closed_captions=data.get("closed_captions", False),
            actor=request.user,
        )
        body = CaptionSerializer(caption_view(caption)).data
        return no_store(Response(body, status=status.HTTP_201_CREATED))


class LessonCaptionDetailApi(APIView):
    """One caption: read (with its WebVTT), save an edit / the reviewed mark, delete."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="CaptionUpdate")
    class InputSerializer(serializers.Serializer):
        vtt = serializers.CharField(required=False, trim_whitespace=False, max_length=1024 * 1024)
        reviewed = serializers.BooleanField(required=False)

    @extend_schema(request=None, responses={200: CaptionDetailSerializer, **STAFF_REFUSALS})
    def get(self, request: Request, lesson_id: str, caption_id: str) -> Response:
        caption = caption_detail_for_staff(
            user=request.user, lesson_id=lesson_id, caption_id=caption_id
        )
        return no_store(Response(CaptionDetailSerializer(caption).data))

    @extend_schema(
        request=InputSerializer,
        responses={
            200: CaptionDetailSerializer,
            400: problem("validation_error (names the first bad line)"),
            409: problem("conflict (edited meanwhile)"),
            502: problem("upstream_error"),
            503: problem("service_unavailable"),
            **STAFF_REFUSALS,
        },
    )
    def put(self, request: Request, lesson_id: str, caption_id: str) -> Response:
        caption_lesson_for_staff(user=request.user, lesson_id=lesson_id)  # 404/403 first
        data = validated_naming_field(self.InputSerializer, request.data)
        if "vtt" not in data and "reviewed" not in data:
            raise ValidationError("Send vtt and/or reviewed.", errors={"vtt": ["Nothing to save."]})
        caption = caption_update(
            user=request.user,
            lesson_id=lesson_id,
            caption_id=caption_id,
            vtt=data.get("vtt"),
            reviewed=data.get("reviewed"),
        )
        return no_store(Response(CaptionDetailSerializer(caption_view(caption)).data))

    @extend_schema(
        request=None,
        responses={
            204: None,
            502: problem("upstream_error"),
            503: problem("service_unavailable"),
            **STAFF_REFUSALS,
        },
    )
    def delete(self, request: Request, lesson_id: str, caption_id: str) -> Response:
        caption_delete(user=request.user, lesson_id=lesson_id, caption_id=caption_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LessonCaptionsGenerateApi(APIView):
    """Ask Mux for automatic captions of the lesson's ready video (not reviewed)."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="CaptionGenerate")
    class InputSerializer(serializers.Serializer):
        language = serializers.CharField(max_length=35)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: CaptionSerializer,
            400: problem("validation_error (a language Mux cannot transcribe)"),
            409: problem("video_not_ready / conflict (language taken, no audio)"),
            502: problem("upstream_error"),
            503: problem("service_unavailable"),
            **STAFF_REFUSALS,
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        caption_lesson_for_staff(user=request.user, lesson_id=lesson_id)  # 404/403 first
        data = validated_naming_field(self.InputSerializer, request.data)
        caption = caption_generate(
            user=request.user, lesson_id=lesson_id, language=data["language"]
        )
        body = CaptionSerializer(caption_view(caption)).data
        return no_store(Response(body, status=status.HTTP_201_CREATED))


@extend_schema_serializer(component_name="TranscriptCue")
class TranscriptCueSerializer(serializers.Serializer):
    start_s = serializers.FloatField()
    end_s = serializers.FloatField()
    text = serializers.CharField()


class LessonTranscriptApi(APIView):
    """The lesson's captions as cues, for a viewer who may watch it."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="Transcript")
    class OutputSerializer(serializers.Serializer):
        language = serializers.CharField()
        cues = TranscriptCueSerializer(many=True)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("language", str, required=False)],
        responses={
            200: OutputSerializer,
            401: problem("not_authenticated"),
            403: problem("permission_denied (enrol first)"),
            404: problem("not_found (no lesson, or no transcript in that language)"),
        },
    )
    def get(self, request: Request, lesson_id: str) -> Response:
        transcript = lesson_transcript_get(
            user=request.user, lesson_id=lesson_id, language=request.query_params.get("language")
        )
        return no_store(Response(self.OutputSerializer(transcript).data))


@extend_schema_serializer(component_name="TranscriptSearchResult")
class TranscriptSearchResultSerializer(serializers.Serializer):
    lesson_id = serializers.CharField()
    lesson_title = serializers.CharField()
    start_s = serializers.FloatField()
    text = serializers.CharField()


class CourseTranscriptSearchApi(APIView):
    """Search what was said in the course's lessons the caller may watch (best first, at
    most 50)."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="TranscriptSearch")
    class OutputSerializer(serializers.Serializer):
        results = TranscriptSearchResultSerializer(many=True)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("q", str, required=True)],
        responses={
            200: OutputSerializer,
            400: problem("validation_error (missing or overlong q)"),
            401: problem("not_authenticated"),
            404: problem("not_found"),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        results = course_transcript_search(
            user=request.user, slug=slug, query=request.query_params.get("q")
        )
        return no_store(Response(self.OutputSerializer({"results": results}).data))
