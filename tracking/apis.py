"""Progress API: heartbeats, completion, course progress, instructor analytics/CSV/reset.

Refusals follow the contract's order: 401 (permission class) → 404/403 (access selectors)
→ 400 (serializer, then the service's lesson-dependent bounds and span rule) → 429.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsInstructor, IsSignedIn
from accounts.roles import require_user_id
from catalog.access import LessonFacts, lesson_get_watchable
from catalog.selectors import course_get_for_instructor
from learnstream.api_schema import name_nested_serializers, problem
from learnstream.errors import NotFound
from learnstream.ids import object_id_or_404
from learnstream.serializers import iso_utc
from tracking import analytics
from tracking.selectors import ProgressState, course_progress_for_viewer
from tracking.services import progress_mark_complete, progress_record_heartbeat, progress_reset
from tracking.viewing import view_beat_parse

_MAX_BSON_INT = 2**63 - 1
# Larger ints are left to the serializer (float() of a huge int can overflow).
_MAX_EXACT_FLOAT_INT = 2**53


@extend_schema_field(OpenApiTypes.DOUBLE)
class FiniteNumberField(serializers.Field):
    """A JSON number that is finite and >= 0. Rejects strings, booleans, NaN and Infinity
    (Python's json module accepts NaN/Infinity literals, and FloatField would coerce "1")."""

    default_error_messages = {
        "invalid": "A finite number is required.",
        "negative": "Must be zero or more.",
    }

    def to_internal_value(self, data: object) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = float(data)  # type: ignore[arg-type]
        except OverflowError:
            self.fail("invalid")
        if not math.isfinite(value):
            self.fail("invalid")
        if value < 0:
            self.fail("negative")
        return value

    def to_representation(self, value: float) -> float:
        return value


class ProgressOutputSerializer(serializers.Serializer):
    position_s = serializers.FloatField()
    furthest_s = serializers.FloatField()
    coverage = serializers.FloatField()
    watch_time_s = serializers.FloatField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    duration_s = serializers.FloatField()
    credited_s = serializers.FloatField(
        allow_null=True,
        help_text="Heartbeats: how much of this beat's span was credited (the watch-time "
        "budget may credit less than was claimed); null otherwise.",
    )


def progress_payload(state: ProgressState) -> dict[str, Any]:
    """ProgressOutputSerializer's output, built directly: the heartbeat is the hottest path
    and a DRF serializer (field deep-copies per instance) costs more than the dict it makes.
    The serializer stays the schema; a test holds the two to the same output."""
    return {
        "position_s": float(state.position_s),
        "furthest_s": float(state.furthest_s),
        "coverage": float(state.coverage),
        "watch_time_s": float(state.watch_time_s),
        "completed": state.completed,
        "completed_at": iso_utc(state.completed_at),
        "duration_s": float(state.duration_s),
        "credited_s": None if state.credited_s is None else float(state.credited_s),
    }


def _progress_response(state: ProgressState) -> Response:
    return Response(progress_payload(state))


class LessonProgressRecordApi(APIView):
    """A heartbeat from the player."""

    permission_classes = [IsSignedIn]

    class InputSerializer(serializers.Serializer):
        position_s = FiniteNumberField()
        duration_s = FiniteNumberField()
        played_from_s = FiniteNumberField()
        played_to_s = FiniteNumberField()
        view_id = serializers.CharField(
            required=False,
            max_length=256,
            help_text="The `view.id` of the playback response (send with `seq`).",
        )
        seq = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=2**31 - 1,
            help_text="1, 2, 3… per view; a repeated (view_id, seq) changes nothing and is "
            "answered with the current state (`credited_s` 0).",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ProgressOutputSerializer,
            400: problem(
                "validation_error; view_required: beats must carry a view (PROGRESS_REQUIRE_VIEW)"
            ),
            403: problem(
                "view_invalid: a forged view, another learner's or another lesson's; "
                "view_expired: request playback again"
            ),
            409: problem("video_not_ready: the lesson's video is not playable, nothing credited"),
            429: problem("throttled: beats too close"),
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        access = lesson_get_watchable(user=request.user, lesson_id=lesson_id)
        values = _plain_beat(request.data)
        if values is None:  # anything unusual: the serializer words the 400
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            values = dict(serializer.validated_data)
        return Response(
            record_beat(user=request.user, facts=access.facts, values=values, body=request.data)
        )


def record_beat(
    *, user: Any, facts: LessonFacts, values: dict[str, Any], body: object
) -> dict[str, Any]:
    """Record a read beat on a lesson the user may watch; the response body. Shared by the
    DRF view and the bare heartbeat route (tracking.beat_api). `body` is the parsed JSON
    body, whose `view_id`/`seq` (if any) name the viewing session."""
    state = progress_record_heartbeat(
        user_id=require_user_id(user),
        lesson=facts,
        position_s=values["position_s"],
        duration_s=values["duration_s"],
        played_from_s=values["played_from_s"],
        played_to_s=values["played_to_s"],
        view_beat=view_beat_parse(body),
    )
    return progress_payload(state)


_BEAT_FIELDS = ("position_s", "duration_s", "played_from_s", "played_to_s")


def _plain_beat(data: object) -> dict[str, float] | None:
    """The four numbers of a well-formed beat, or None when the body is anything else.

    Every beat the player sends takes this path: building and running a DRF serializer
    (fields deep-copied per request) would cost more than the rest of the view. What it
    accepts is exactly what InputSerializer accepts (finite JSON numbers >= 0, extra keys
    ignored); everything else goes to InputSerializer, which writes the 400."""
    if not isinstance(data, dict):
        return None
    values: dict[str, float] = {}
    for name in _BEAT_FIELDS:
        value = data.get(name)
        if type(value) is int:
            if not 0 <= value <= _MAX_EXACT_FLOAT_INT:
                return None
            values[name] = float(value)
        elif type(value) is float and math.isfinite(value) and value >= 0:
            values[name] = value
        else:
            return None
    return values


class LessonCompleteApi(APIView):
    """Mark a lesson without video as complete (a lesson with a ready video completes only
    from what was played: 409 conflict; one whose video is not ready cannot be completed
    at all yet: 409 video_not_ready)."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        request=None,
        responses={
            200: ProgressOutputSerializer,
            409: problem(
                "conflict: the lesson has a video (completed by watching it); "
                "video_not_ready: its video is pending, processing, errored or removed"
            ),
            429: problem("throttled: another request for this lesson was just recorded"),
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        access = lesson_get_watchable(user=request.user, lesson_id=lesson_id)
        state = progress_mark_complete(user_id=require_user_id(request.user), lesson=access.facts)
        return _progress_response(state)


class CourseProgressGetApi(APIView):
    permission_classes = [IsSignedIn]

    class OutputSerializer(serializers.Serializer):
        class LessonSerializer(serializers.Serializer):
            id = serializers.CharField()
            title = serializers.CharField()
            completed = serializers.BooleanField()
            position_s = serializers.FloatField()
            coverage = serializers.FloatField()

        completed_lessons = serializers.IntegerField()
        total_lessons = serializers.IntegerField()
        percent = serializers.FloatField()
        continue_lesson_id = serializers.CharField(allow_null=True)
        continue_title = serializers.CharField()
        continue_position_s = serializers.FloatField()
        lessons = LessonSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, slug: str) -> Response:
        progress = course_progress_for_viewer(user=request.user, slug=slug)
        return Response(self.OutputSerializer(progress).data)


class CourseAnalyticsGetApi(APIView):
    permission_classes = [IsInstructor]

    class OutputSerializer(serializers.Serializer):
        class WatchTimeSerializer(serializers.Serializer):
            total = serializers.FloatField()
            median = serializers.FloatField()

        class ActiveSerializer(serializers.Serializer):
            d7 = serializers.IntegerField()
            d30 = serializers.IntegerField()

        class LessonSerializer(serializers.Serializer):
            id = serializers.CharField()
            title = serializers.CharField()
            starts = serializers.IntegerField()
            completions = serializers.IntegerField()
            avg_coverage = serializers.FloatField()
            dropoff = serializers.ListField(child=serializers.FloatField())

        enrolled = serializers.IntegerField()
        started = serializers.IntegerField()
        completed = serializers.IntegerField()
        completion_rate = serializers.FloatField()
        watch_time_s = WatchTimeSerializer()
        active_learners = ActiveSerializer()
        lessons = LessonSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, course_id: str) -> Response:
        course = course_get_for_instructor(user=request.user, course_id=course_id)
        return Response(self.OutputSerializer(analytics.course_analytics(course=course)).data)


class CourseProgressExportApi(APIView):
    """progress.csv: one row per learner x lesson, streamed."""

    permission_classes = [IsInstructor]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request, course_id: str) -> StreamingHttpResponse:
        course = course_get_for_instructor(user=request.user, course_id=course_id)
        response = StreamingHttpResponse(
            analytics.progress_csv_stream(course=course), content_type="text/csv; charset=utf-8"
        )
        # Only slug characters in the header (a stored slug may predate the slug rule).
        stem = re.sub(r"[^a-z0-9-]", "", course.slug) or "course"
        response["Content-Disposition"] = f'attachment; filename="{stem}-progress.csv"'
        response["Cache-Control"] = "no-store"
        return response


class CourseProgressResetApi(APIView):
    """Forget one learner's progress on the course, or on one lesson (`?lesson_id=`)."""

    permission_classes = [IsInstructor]

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("lesson_id", str, required=False)],
        responses={204: None},
    )
    def delete(self, request: Request, course_id: str, user_id: int) -> Response:
        course = course_get_for_instructor(user=request.user, course_id=course_id)
        if user_id > _MAX_BSON_INT:
            raise NotFound("Learner not found.")
        lesson_oid = None
        lesson_param = request.query_params.get("lesson_id")
        if lesson_param is not None:
            lesson_oid = object_id_or_404(lesson_param, "Lesson")
            if not analytics.course_has_lesson(course=course, lesson_id=lesson_oid):
                raise NotFound("Lesson not found.")
        progress_reset(
            actor_id=require_user_id(request.user),
            course_id=course.id,
            user_id=user_id,
            lesson_id=lesson_oid,
        )
        return Response(status=204)


name_nested_serializers(globals())
