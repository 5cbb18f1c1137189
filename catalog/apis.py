"""Catalogue JSON API (/api/v1/): validate → selector/service → serialize.

Where two operations share a path (GET and POST on one collection, POST and DELETE on an
enrolment), one APIView carries both methods — DRF routes a path to a single view; each
method still follows validate → service → serialize.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsInstructor, IsSignedIn
from accounts.roles import user_id_of
from catalog import selectors, services
from catalog.api_fields import document_fields, input_field, output_field
from catalog.catalog_cache import catalog_cached
from catalog.completion import MAX_READING_S, completion_policy_of
from catalog.documents import (
    COURSE_EDITABLE_FIELDS,
    LESSON_COMPLETION_FIELDS,
    LESSON_EDITABLE_FIELDS,
    LESSON_SNAPSHOT_FIELDS,
    Course,
    CourseLevel,
    Lesson,
    ReadingMode,
    stored_value,
)
from catalog.enrollment_cache import enrollment_rendered_cached
from catalog.video_state import lesson_video_duration, lesson_video_state
from learnstream.api_pages import list_of, list_response, numbered_links
from learnstream.api_schema import name_nested_serializers, problem
from learnstream.ids import BSON_INT_MAX
from learnstream.serializers import StrictInputSerializer, validated

# Every edit of an archived course is refused (409 conflict).
ARCHIVED = problem("conflict: the course is archived")

# ---------------------------------------------------------------- shared pieces


def _cached_json(kind: str, params: dict[str, Any], build: Callable[[], Any]) -> bytes:
    """The JSON body exactly as DRF's renderer writes it, cached under the catalogue's
    generation: a hit is one cache round trip and no serializer, no encoder."""
    return catalog_cached(kind, params, lambda: JSONRenderer().render(build()))


def _json_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


class InstructorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EnrollmentSummarySerializer(serializers.Serializer):
    status = serializers.CharField()
    enrolled_at = serializers.DateTimeField()


# ---------------------------------------------------------------- catalogue


class CourseListApi(APIView):
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        level = serializers.CharField(required=False, allow_blank=True)
        language = serializers.CharField(required=False, allow_blank=True)
        tag = serializers.CharField(required=False, allow_blank=True)
        cursor = serializers.CharField(required=False, allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.CharField()
        slug = serializers.CharField()
        title = serializers.CharField()
        subtitle = serializers.CharField()
        level = serializers.CharField()
        language = serializers.CharField()
        tags = serializers.ListField(child=serializers.CharField())
        lesson_count = serializers.IntegerField()
        duration_s = serializers.FloatField()
        cover_url = serializers.CharField()
        instructor = InstructorRefSerializer()

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search title, subtitle and tags"),
            # Empty is "any level" (what the catalogue page's form sends).
            OpenApiParameter("level", str, enum=["", *CourseLevel.ALL]),
            OpenApiParameter("language", str),
            OpenApiParameter("tag", str),
            OpenApiParameter("cursor", str, description="From a `next`/`previous` link"),
        ],
        responses=list_of(OutputSerializer, "CourseListPage"),
        operation_id="courses_list",
    )
    def get(self, request: Request) -> HttpResponse:
        # The links repeat the request's own address and parameters: both are in the key.
        key = {
            "base": request.build_absolute_uri(request.path),
            "query": sorted(request.query_params.lists()),
        }
        return _json_response(_cached_json("list-json", key, lambda: self._page(request)))

    def _page(self, request: Request) -> Any:
        params = {
            key: request.query_params.get(key, "")
            for key in ("q", "level", "language", "tag", "cursor")
        }
        filters = selectors.catalogue_filters_clean(
            q=params["q"], level=params["level"], language=params["language"], tag=params["tag"]
        )
        page = selectors.course_list_published(filters=filters, cursor=params["cursor"] or None)
        return list_response(
            request,
            self.OutputSerializer(page.results, many=True).data,
            next_params={"cursor": page.next_cursor} if page.next_cursor else None,
            previous_params={"cursor": page.previous_cursor} if page.previous_cursor else None,
        ).data


class OutlineLessonSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    position = serializers.IntegerField()
    duration_s = serializers.FloatField()
    is_preview = serializers.BooleanField()
    has_video = serializers.BooleanField(help_text="A ready video plays now.")
    video_coming = serializers.BooleanField(
        help_text=(
            "No video plays yet, but one is being uploaded or processed. A lesson with"
            " neither a video nor one coming is a reading lesson."
        )
    )


class OutlineSectionSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    lessons = OutlineLessonSerializer(many=True)


class CourseDetailApi(APIView):
    permission_classes = [AllowAny]

    @document_fields(Course, selectors.COURSE_PAGE_FIELDS, output_field, after=("id", "slug"))
    class OutputSerializer(serializers.Serializer):
        id = serializers.CharField()
        slug = serializers.CharField()
        description_html = serializers.CharField(allow_blank=True)
        version = serializers.IntegerField()
        published_at = serializers.DateTimeField()
        lesson_count = serializers.IntegerField()
        duration_s = serializers.FloatField()
        instructor = InstructorRefSerializer()
        sections = OutlineSectionSerializer(many=True)
        enrollment = EnrollmentSummarySerializer(allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, slug: str) -> HttpResponse:
        # The public part is cached as encoded JSON (every field but the last); the
        # viewer's enrolment, cached per viewer and course, closes the object.

        def encode_public() -> tuple[str, bytes]:
            public = selectors.course_detail_public(slug=slug)
            data = dict(self.OutputSerializer(replace(public, enrollment=None)).data)
            del data["enrollment"]
            return public.id, JSONRenderer().render(data)

        def encode_enrollment() -> bytes:
            enrollment = selectors.enrollment_summary(
                selectors.enrollment_get(user=request.user, course_id=course_id)
            )
            if enrollment is None:
                return b"null"
            return JSONRenderer().render(EnrollmentSummarySerializer(enrollment).data)

        course_id, body = catalog_cached("detail-json", {"slug": slug}, encode_public)
        viewer_id = user_id_of(request.user)
        tail = (
            b"null"
            if viewer_id is None
            else enrollment_rendered_cached(
                user_id=viewer_id, course_id=course_id, render=encode_enrollment
            )
        )
        return _json_response(body[:-1] + b',"enrollment":' + tail + b"}")


class EnrollmentApi(APIView):
    """POST enrols (201, or 200 when already active); DELETE unenrols (204)."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        request=None,
        responses={
            200: EnrollmentSummarySerializer,
            201: EnrollmentSummarySerializer,
            403: problem("email_not_verified: verify the account's e-mail address first"),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        course = selectors.course_get_published_by_slug(slug=slug)
        enrollment, created = services.enrollment_create(user=request.user, course=course)
        return Response(
            EnrollmentSummarySerializer(selectors.enrollment_summary(enrollment)).data,
            status=201 if created else 200,
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, slug: str) -> Response:
        course = selectors.course_get_enrollable_or_enrolled(slug=slug)
        services.enrollment_cancel(user=request.user, course_id=str(course.id))
        return Response(status=204)


class InstructorLessonBriefSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    section = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()
    is_preview = serializers.BooleanField()
    video_state = serializers.CharField()


@document_fields(Course, COURSE_EDITABLE_FIELDS, output_field, after=("id",))
class InstructorCourseSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    revision = serializers.IntegerField()
    owner_id = serializers.IntegerField()
    co_instructor_ids = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    lessons = InstructorLessonBriefSerializer(many=True)


def _lesson_brief(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": str(lesson.id),
        "title": lesson.title,
        "section": lesson.section or "",
        "position": lesson.position,
        "is_preview": lesson.is_preview,
        "video_state": lesson_video_state(lesson),
    }


def _instructor_course(course: Course, lessons: list[Lesson]) -> dict[str, Any]:
    return InstructorCourseSerializer(
        {
            **{
                name: getattr(course, str(name))
                for name in InstructorCourseSerializer().fields
                if name not in ("id", "lessons")
            },
            "id": str(course.id),
            "lessons": [_lesson_brief(lesson) for lesson in lessons],
        }
    ).data


def _course_with_lessons(course: Course) -> dict[str, Any]:
    return _instructor_course(course, services.lessons_in_outline(course=course))


@document_fields(Course, COURSE_EDITABLE_FIELDS, input_field)
class CourseInputSerializer(StrictInputSerializer):
    """Types only; the rules (lengths, slug, level, tags) live in catalog.validation, which
    the services apply for every caller."""


class InstructorCoursesApi(APIView):
    """GET lists the instructor's courses; POST creates a draft (201)."""

    permission_classes = [IsInstructor]

    class FilterSerializer(serializers.Serializer):
        # `?page=` (empty) is refused like any other non-number, as the schema says.
        page = serializers.IntegerField(required=False, min_value=1, max_value=100000, default=1)

    class InputSerializer(CourseInputSerializer):
        title = serializers.CharField(trim_whitespace=False)

    @extend_schema(
        parameters=[OpenApiParameter("page", int)],
        responses=list_of(InstructorCourseSerializer, "InstructorCourseListPage"),
        operation_id="instructor_courses_list",
    )
    def get(self, request: Request) -> Response:
        filters = validated(self.FilterSerializer, request.query_params.dict())
        page = selectors.course_list_for_instructor(user=request.user, page=filters["page"])
        lessons = selectors.course_lessons_for_instructor(
            course_ids=[course.id for course in page.results]
        )
        results = [
            _instructor_course(course, lessons.get(course.id, [])) for course in page.results
        ]
        return list_response(request, results, **numbered_links(page))

    @extend_schema(request=InputSerializer, responses={201: InstructorCourseSerializer})
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        course = services.course_create(user=request.user, **data)
        return Response(_instructor_course(course, []), status=201)


class InstructorCourseApi(APIView):
    """GET the draft; PATCH edits it (optional `expected_revision` → 409 when stale);
    DELETE archives it (204)."""

    permission_classes = [IsInstructor]

    class InputSerializer(CourseInputSerializer):
        expected_revision = serializers.IntegerField(
            required=False, min_value=1, max_value=BSON_INT_MAX
        )

    @extend_schema(responses=InstructorCourseSerializer)
    def get(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        return Response(_course_with_lessons(course))

    @extend_schema(
        request=InputSerializer,
        responses={
            200: InstructorCourseSerializer,
            409: problem("conflict: archived, or `expected_revision` is stale"),
        },
    )
    def patch(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        data = validated(self.InputSerializer, request.data)
        expected = data.pop("expected_revision", None)
        course = services.course_update(course=course, expected_revision=expected, **data)
        return Response(_course_with_lessons(course))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        services.course_archive(course=course, user=request.user)
        return Response(status=204)


class CourseUnarchiveApi(APIView):
    """Undo an archive: the course is a draft again (200, the draft); students see it once
    it is published again. A course that is not archived is returned unchanged."""

    permission_classes = [IsInstructor]

    @extend_schema(request=None, responses={200: InstructorCourseSerializer})
    def post(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        course = services.course_unarchive(course=course, user=request.user)
        return Response(_course_with_lessons(course))


class CoursePublishApi(APIView):
    permission_classes = [IsInstructor]

    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        published_at = serializers.DateTimeField()

    @extend_schema(
        request=None,
        responses={
            201: OutputSerializer,
            409: problem("conflict: archived, or published concurrently"),
        },
    )
    def post(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        version = services.course_publish(course=course, user=request.user)
        return Response(self.OutputSerializer(version).data, status=201)


class CourseVersionListApi(APIView):
    permission_classes = [IsInstructor]

    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        published_at = serializers.DateTimeField()
        published_by = serializers.IntegerField()
        restored_from = serializers.IntegerField(allow_null=True)

    @extend_schema(responses=list_of(OutputSerializer, "CourseVersionList"))
    def get(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        versions = selectors.course_versions_list(course=course)
        return list_response(
            request,
            self.OutputSerializer(versions, many=True).data,
            next_params=None,
            previous_params=None,
        )


class CourseVersionRestoreApi(APIView):
    permission_classes = [IsInstructor]

    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        published_at = serializers.DateTimeField()
        restored_from = serializers.IntegerField()

    @extend_schema(request=None, responses={201: OutputSerializer, 409: ARCHIVED})
    def post(self, request: Request, course_id: str, version: int) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        restored = services.course_version_restore(
            course=course, user=request.user, version=version
        )
        return Response(self.OutputSerializer(restored).data, status=201)


# ---------------------------------------------------------------- instructor: lessons


class LessonCompletionFieldsSerializer(serializers.Serializer):
    """The lesson's completion policy (`catalog.completion`); null numbers: the site's."""

    completion_share = serializers.FloatField(
        allow_null=True,
        help_text="Share of the content (before the credits) to play; null: the site's.",
    )
    credits_start_s = serializers.FloatField(
        allow_null=True, help_text="End credits start here: nothing after needs watching."
    )
    max_credited_rate = serializers.FloatField(
        allow_null=True,
        help_text="Fastest playback credited in full (at most the site's rate); null: the site's.",
    )
    reading_mode = serializers.ChoiceField(
        choices=ReadingMode.ALL,
        help_text="Lessons without video: the learner marks them complete, or they complete "
        "after reading_min_s on the page.",
    )
    reading_min_s = serializers.IntegerField(
        min_value=0, max_value=MAX_READING_S, help_text="Seconds on the page before completion."
    )


@document_fields(
    Lesson,
    LESSON_SNAPSHOT_FIELDS,
    output_field,
    after=(*LESSON_COMPLETION_FIELDS, "id", "course_id"),
)
class InstructorLessonSerializer(LessonCompletionFieldsSerializer):
    id = serializers.CharField()
    course_id = serializers.CharField()
    position = serializers.IntegerField()
    video = inline_serializer(
        name="LessonVideoSummary",
        fields={"state": serializers.CharField(), "duration_s": serializers.FloatField()},
    )


def _instructor_lesson(lesson: Lesson) -> dict[str, Any]:
    return InstructorLessonSerializer(
        {
            "id": str(lesson.id),
            "course_id": str(lesson.course_id),
            **{name: stored_value(lesson, name) for name in LESSON_SNAPSHOT_FIELDS},
            "position": lesson.position,
            "video": {
                "state": lesson_video_state(lesson),
                "duration_s": lesson_video_duration(lesson),
            },
            **completion_policy_of(lesson).as_dict(),
        }
    ).data


# Types only: the rules are catalog.validation's and `catalog.completion`'s, applied by the
# services.
@document_fields(Lesson, LESSON_EDITABLE_FIELDS, input_field)
class LessonInputSerializer(StrictInputSerializer):
    pass


class LessonCreateApi(APIView):
    permission_classes = [IsInstructor]

    class InputSerializer(LessonInputSerializer):
        title = serializers.CharField(trim_whitespace=False)

    @extend_schema(
        request=InputSerializer, responses={201: InstructorLessonSerializer, 409: ARCHIVED}
    )
    def post(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        data = validated(self.InputSerializer, request.data)
        lesson = services.lesson_create(course=course, **data)
        return Response(_instructor_lesson(lesson), status=201)


class InstructorLessonApi(APIView):
    """GET / PATCH a draft lesson; DELETE removes it from the draft (204)."""

    permission_classes = [IsInstructor]

    @extend_schema(responses=InstructorLessonSerializer)
    def get(self, request: Request, lesson_id: str) -> Response:
        lesson, _course = selectors.lesson_get_for_instructor(
            user=request.user, lesson_id=lesson_id
        )
        return Response(_instructor_lesson(lesson))

    @extend_schema(
        request=LessonInputSerializer, responses={200: InstructorLessonSerializer, 409: ARCHIVED}
    )
    def patch(self, request: Request, lesson_id: str) -> Response:
        lesson, course = selectors.lesson_get_for_instructor(user=request.user, lesson_id=lesson_id)
        data = validated(LessonInputSerializer, request.data)
        lesson = services.lesson_update(lesson=lesson, course=course, user=request.user, **data)
        return Response(_instructor_lesson(lesson))

    @extend_schema(request=None, responses={204: None, 409: ARCHIVED})
    def delete(self, request: Request, lesson_id: str) -> Response:
        lesson, course = selectors.lesson_get_for_instructor(user=request.user, lesson_id=lesson_id)
        services.lesson_delete(lesson=lesson, course=course, user=request.user)
        return Response(status=204)


class LessonReorderApi(APIView):
    permission_classes = [IsInstructor]

    class InputSerializer(StrictInputSerializer):
        lesson_ids = serializers.ListField(
            child=serializers.CharField(max_length=24, min_length=24), max_length=1000
        )

    class OutputSerializer(serializers.Serializer):
        lessons = InstructorLessonBriefSerializer(many=True)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, 409: ARCHIVED})
    def post(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get_for_instructor(user=request.user, course_id=course_id)
        data = validated(self.InputSerializer, request.data)
        lessons = services.lesson_reorder(course=course, lesson_ids=data["lesson_ids"])
        return Response(
            self.OutputSerializer({"lessons": [_lesson_brief(lesson) for lesson in lessons]}).data
        )


name_nested_serializers(globals())
