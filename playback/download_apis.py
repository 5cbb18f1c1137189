"""Offline download API: a signed MP4 URL and an offline grant (rules in playback.downloads)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSignedIn
from learnstream.api_schema import problem
from playback.downloads import lesson_download_create


@extend_schema_serializer(component_name="OfflineGrant")
class OfflineGrantSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="Opaque; `POST /api/v1/progress/sync` items send it as `grant_id`."
    )
    lesson_id = serializers.CharField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        help_text="Spans watched after this moment are not credited (403 grant_expired)."
    )


class LessonDownloadCreateApi(APIView):
    """A signed, expiring MP4 of the lesson's video and an offline grant, for a viewer who
    may watch it (the playback route's access rule)."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="LessonDownload")
    class OutputSerializer(serializers.Serializer):
        url = serializers.CharField(help_text="The MP4, with a signed video token (`aud` v).")
        url_expires_at = serializers.DateTimeField(
            help_text="Start the download before this moment."
        )
        rendition = serializers.CharField(help_text="The static rendition, e.g. highest.mp4.")
        duration_s = serializers.FloatField()
        grant = OfflineGrantSerializer()

    @extend_schema(
        request=None,
        responses={
            201: OutputSerializer,
            403: problem("permission_denied: enrol first"),
            404: problem("not_found; downloads_disabled: MUX_DOWNLOADS is off"),
            409: problem(
                "video_not_ready; download_preparing: Mux is making the MP4, retry after "
                "Retry-After seconds"
            ),
            502: problem("upstream_error"),
            503: problem("service_unavailable"),
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        download = lesson_download_create(user=request.user, lesson_id=lesson_id)
        response = Response(self.OutputSerializer(download).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "private, no-store"
        return response
