"""Offline sync API: spans watched from a download, applied by `tracking.offline_sync`.

The body is parsed by `tracking.offline_batch` (its 400s name the place in the batch); the
serializers here describe the route for the OpenAPI schema and shape the answer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSignedIn
from learnstream.api_schema import problem
from tracking.apis import ProgressOutputSerializer, progress_payload
from tracking.offline_batch import MAX_ITEMS, MAX_SPANS, sync_batch_parse
from tracking.offline_sync import SyncResult, progress_offline_sync


@extend_schema_serializer(component_name="OfflineSpan")
class OfflineSpanSerializer(serializers.Serializer):
    from_s = serializers.FloatField(min_value=0)
    to_s = serializers.FloatField(min_value=0, help_text="Greater than from_s.")
    watched_at = serializers.DateTimeField(
        help_text="When this span finished playing, with a time zone (the server's clock: "
        "not in the future, not before the grant)."
    )


@extend_schema_serializer(component_name="OfflineSyncItem")
class OfflineSyncItemSerializer(serializers.Serializer):
    lesson_id = serializers.CharField()
    grant_id = serializers.CharField(help_text="The `grant.id` of the lesson's download.")
    spans = OfflineSpanSerializer(  # type: ignore[call-arg]  # ListSerializer's bounds
        many=True, max_length=MAX_SPANS
    )
    position_s = serializers.FloatField(min_value=0, required=False)
    position_at = serializers.DateTimeField(
        required=False, help_text="When the player was at position_s (send both or neither)."
    )


@extend_schema_serializer(component_name="OfflineSyncedItem")
class OfflineSyncedItemSerializer(serializers.Serializer):
    lesson_id = serializers.CharField()
    claimed_s = serializers.FloatField(help_text="Media seconds the spans claim (repeats once).")
    credited_s = serializers.FloatField(help_text="Of those, what the watch-time budget credited.")
    position_applied = serializers.BooleanField(
        help_text="False when the server knew a later position (it was kept)."
    )
    progress = ProgressOutputSerializer()


class ProgressSyncApi(APIView):
    """Apply spans watched offline (idempotent by batch_id, per learner)."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="OfflineSyncBatch")
    class InputSerializer(serializers.Serializer):
        device_id = serializers.CharField(max_length=100)
        batch_id = serializers.CharField(
            max_length=100, help_text="Chosen by the device; re-send it with the same batch."
        )
        items = OfflineSyncItemSerializer(  # type: ignore[call-arg]  # ListSerializer's bounds
            many=True, min_length=1, max_length=MAX_ITEMS
        )

    @extend_schema_serializer(component_name="OfflineSyncResult")
    class OutputSerializer(serializers.Serializer):
        batch_id = serializers.CharField()
        device_id = serializers.CharField()
        applied_at = serializers.DateTimeField()
        replayed = serializers.BooleanField(
            help_text="True when this batch was applied before: nothing changed now."
        )
        items = OfflineSyncedItemSerializer(many=True)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: problem("validation_error naming the item (`errors` keyed items.<i>…)"),
            403: problem(
                "permission_denied; grant_invalid: forged, another learner's or lesson's; "
                "grant_expired: a span watched after the grant expired"
            ),
            404: problem("not_found: a lesson"),
            409: problem(
                "video_not_ready; batch_conflict: batch_id used for other content; "
                "sync_in_progress: the batch is being applied, retry"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        batch = sync_batch_parse(request.data)
        result = progress_offline_sync(user=request.user, batch=batch)
        response = Response(_payload(result))
        response["Cache-Control"] = "no-store"
        return response


def _payload(result: SyncResult) -> dict:
    return {
        "batch_id": result.batch_id,
        "device_id": result.device_id,
        "applied_at": serializers.DateTimeField().to_representation(result.applied_at),
        "replayed": result.replayed,
        "items": [
            {
                "lesson_id": item.lesson_id,
                "claimed_s": item.claimed_s,
                "credited_s": item.credited_s,
                "position_applied": item.position_applied,
                "progress": progress_payload(item.state),
            }
            for item in result.items
        ],
    }
