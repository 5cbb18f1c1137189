"""Quiz JSON API (/api/v1/): staff edit a lesson's quiz; viewers take it.

Validate → selector/service → serialize. The learner's serializers have no field for an
answer key at all (`answers`, `tolerance`): a key can only reach a learner as the
`correct_answer` of a graded attempt, and only when the quiz shows answers.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsInstructor, IsSignedIn
from assessments import certificates, completion, credentials, gradebook, selectors, services
from assessments.documents import QuestionKind
from assessments.grading import MAX_CHOICES, MAX_QUESTIONS, Grade
from catalog.selectors import lesson_get_for_instructor
from learnstream.api_schema import name_nested_serializers, problem
from learnstream.csv_export import csv_lines
from learnstream.serializers import StrictInputSerializer, no_store, validated_naming_field

STAFF_REFUSALS = {
    403: problem("permission_denied (not an instructor or admin)"),
    404: problem("not_found (no such lesson for you, or it has no quiz)"),
    409: problem("conflict (the course is archived)"),
}


# ---------------------------------------------------------------- staff


class QuestionInputSerializer(StrictInputSerializer):
    id = serializers.CharField(required=False, max_length=40)
    kind = serializers.ChoiceField(choices=QuestionKind.ALL)
    prompt = serializers.CharField(max_length=2000)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=MAX_CHOICES
    )
    answers = serializers.ListField(
        child=serializers.JSONField(),
        max_length=20,
        help_text="The key: choice texts (single, multiple), [true|false], accepted texts "
        "(short_answer) or [number] (numeric).",
    )
    tolerance = serializers.FloatField(required=False, allow_null=True, min_value=0)
    points = serializers.IntegerField(required=False, default=1, min_value=0, max_value=1000)
    feedback = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, trim_whitespace=True
    )
    at_s = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="Seconds into the lesson's video where the player pauses for it.",
    )


extend_schema_serializer(component_name="QuizQuestionInput")(QuestionInputSerializer)


class QuizInputSerializer(StrictInputSerializer):
    pass_percent = serializers.IntegerField(required=False, default=70, min_value=0, max_value=100)
    max_attempts = serializers.IntegerField(
        required=False, default=None, allow_null=True, min_value=1, max_value=1000
    )
    show_answers = serializers.BooleanField(required=False, default=False)
    questions = QuestionInputSerializer(many=True, max_length=MAX_QUESTIONS)  # type: ignore[call-arg]


extend_schema_serializer(component_name="QuizInput")(QuizInputSerializer)


@extend_schema_serializer(component_name="StaffQuizQuestion")
class StaffQuestionSerializer(serializers.Serializer):
    id = serializers.CharField(source="qid")
    kind = serializers.ChoiceField(choices=QuestionKind.ALL)
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    answers = serializers.ListField(child=serializers.JSONField())
    tolerance = serializers.FloatField()
    points = serializers.IntegerField()
    feedback = serializers.CharField(allow_blank=True)
    at_s = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="StaffQuiz")
class StaffQuizSerializer(serializers.Serializer):
    lesson_id = serializers.CharField(source="quiz.lesson_id")
    pass_percent = serializers.IntegerField(source="quiz.pass_percent")
    max_attempts = serializers.IntegerField(source="quiz.max_attempts", allow_null=True)
    show_answers = serializers.BooleanField(source="quiz.show_answers")
    questions = StaffQuestionSerializer(source="quiz.questions", many=True)
    revision = serializers.IntegerField(source="quiz.revision")
    updated_at = serializers.DateTimeField(source="quiz.updated_at")
    published_version = serializers.IntegerField(
        allow_null=True,
        help_text="The published course version whose snapshot learners take this lesson's "
        "quiz from (edits since reach them at the next publish); null: none yet.",
    )


class InstructorLessonQuizApi(APIView):
    """PUT: create or replace the lesson's draft quiz. GET: it, with answer keys. DELETE:
    remove it from the draft (learners keep the published one until the next publish)."""

    permission_classes = [IsInstructor]

    @extend_schema(request=None, responses={200: StaffQuizSerializer, **STAFF_REFUSALS})
    def get(self, request: Request, lesson_id: str) -> Response:
        staff_quiz = selectors.quiz_get_for_staff(user=request.user, lesson_id=lesson_id)
        return no_store(Response(StaffQuizSerializer(staff_quiz).data))

    @extend_schema(
        request=QuizInputSerializer,
        responses={
            200: StaffQuizSerializer,
            400: problem("validation_error: names the question (errors keyed questions.<i>.*)"),
            **STAFF_REFUSALS,
        },
    )
    def put(self, request: Request, lesson_id: str) -> Response:
        lesson_get_for_instructor(user=request.user, lesson_id=lesson_id)  # 404 before 400
        data = validated_naming_field(QuizInputSerializer, request.data)
        services.quiz_put(user=request.user, lesson_id=lesson_id, **data)
        staff_quiz = selectors.quiz_get_for_staff(user=request.user, lesson_id=lesson_id)
        return no_store(Response(StaffQuizSerializer(staff_quiz).data))

    @extend_schema(request=None, responses={204: None, **STAFF_REFUSALS})
    def delete(self, request: Request, lesson_id: str) -> Response:
        services.quiz_delete(user=request.user, lesson_id=lesson_id)
        return Response(status=204)


# ---------------------------------------------------------------- learners


@extend_schema_serializer(component_name="QuizQuestion")
class LearnerQuestionSerializer(serializers.Serializer):
    """A question as a learner sees it: never its answers or tolerance."""

    id = serializers.CharField(source="qid")
    kind = serializers.ChoiceField(choices=QuestionKind.ALL)
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    points = serializers.IntegerField()
    at_s = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="QuizAttemptSummary")
class AttemptSummarySerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    score_percent = serializers.FloatField()
    passed = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="LearnerQuiz")
class LearnerQuizSerializer(serializers.Serializer):
    lesson_id = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="null: a draft (staff only).")
    pass_percent = serializers.IntegerField()
    max_attempts = serializers.IntegerField(allow_null=True)
    show_answers = serializers.BooleanField()
    points_possible = serializers.IntegerField()
    questions = LearnerQuestionSerializer(many=True)
    attempts_used = serializers.IntegerField()
    attempts_left = serializers.IntegerField(allow_null=True, help_text="null: unlimited.")
    best_score_percent = serializers.FloatField(allow_null=True)
    passed = serializers.BooleanField()
    attempts = AttemptSummarySerializer(many=True)


def learner_quiz_payload(
    served: selectors.ServedQuiz, standing: selectors.Standing
) -> dict[str, Any]:
    """The learner's quiz JSON (the API and the lesson page's quiz use the same)."""
    quiz = served.quiz
    return dict(
        LearnerQuizSerializer(
            {
                "lesson_id": str(served.lesson_oid),
                "version": served.version,
                "pass_percent": quiz.pass_percent,
                "max_attempts": quiz.max_attempts,
                "show_answers": bool(quiz.show_answers),
                "points_possible": sum(q.points for q in quiz.questions),
                "questions": list(quiz.questions),
                "attempts_used": standing.attempts_used,
                "attempts_left": standing.attempts_left,
                "best_score_percent": standing.best_score_percent,
                "passed": standing.passed,
                "attempts": standing.attempts,
            }
        ).data
    )


class LessonQuizApi(APIView):
    """The lesson's quiz for a viewer who may watch the lesson, without answer keys, with
    their attempts and best score."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        request=None,
        responses={
            200: LearnerQuizSerializer,
            403: problem("permission_denied (enrol first)"),
            404: problem("not_found (no such lesson for you, or it has no quiz)"),
        },
    )
    def get(self, request: Request, lesson_id: str) -> Response:
        served, standing = selectors.quiz_for_learner(user=request.user, lesson_id=lesson_id)
        return no_store(Response(learner_quiz_payload(served, standing)))


@extend_schema_serializer(component_name="QuizQuestionResult")
class QuestionResultSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    correct = serializers.BooleanField()
    points_earned = serializers.IntegerField()
    feedback = serializers.CharField(required=False, help_text="When the question has one.")
    correct_answer = serializers.JSONField(
        required=False, help_text="Only when the quiz shows answers after an attempt."
    )


@extend_schema_serializer(component_name="QuizAttemptResult")
class AttemptResultSerializer(serializers.Serializer):
    attempt = serializers.IntegerField(help_text="1 for the learner's first attempt, and so on.")
    score_percent = serializers.FloatField()
    passed = serializers.BooleanField()
    points_earned = serializers.IntegerField()
    points_possible = serializers.IntegerField()
    attempts_left = serializers.IntegerField(allow_null=True, help_text="null: unlimited.")
    results = QuestionResultSerializer(many=True)


def attempt_payload(*, number: int, grade: Grade, served: selectors.ServedQuiz) -> dict:
    show = bool(served.quiz.show_answers)
    limit = served.quiz.max_attempts
    results = []
    for result in grade.results:
        item: dict[str, Any] = {
            "question_id": result.question_id,
            "correct": result.correct,
            "points_earned": result.points_earned,
        }
        if result.feedback:
            item["feedback"] = result.feedback
        if show:
            item["correct_answer"] = result.correct_answer
        results.append(item)
    return dict(
        AttemptResultSerializer(
            {
                "attempt": number,
                "score_percent": grade.score_percent,
                "passed": grade.passed,
                "points_earned": grade.points_earned,
                "points_possible": grade.points_possible,
                "attempts_left": None if limit is None else max(0, int(limit) - number),
                "results": results,
            }
        ).data
    )


class LessonQuizAttemptCreateApi(APIView):
    """Submit answers: graded on the server, recorded as the viewer's next attempt."""

    permission_classes = [IsSignedIn]

    class InputSerializer(StrictInputSerializer):
        answers = serializers.DictField(
            child=serializers.JSONField(allow_null=True),
            help_text="{question id: answer}: a choice text (single), a list of them "
            "(multiple), true/false, a text (short_answer), a number (numeric). A question "
            "left out (or null) is unanswered and earns nothing.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: AttemptResultSerializer,
            400: problem("validation_error: an answer of the wrong shape (nothing recorded)"),
            403: problem("permission_denied (enrol first)"),
            404: problem("not_found (no such lesson for you, or it has no quiz)"),
            409: problem("conflict: every allowed attempt is used (nothing recorded)"),
        },
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        selectors.quiz_served_for_viewer(user=request.user, lesson_id=lesson_id)  # 404/403
        data = validated_naming_field(self.InputSerializer, request.data)
        attempt, grade, served = services.quiz_attempt_submit(
            user=request.user, lesson_id=lesson_id, answers=data["answers"]
        )
        body = attempt_payload(number=attempt.number, grade=grade, served=served)
        return no_store(Response(body, status=201))


# ---------------------------------------------------------------- course completion


@extend_schema_serializer(component_name="CompletionRules")
class CompletionRulesSerializer(serializers.Serializer):
    required_lesson_ids = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="null: every lesson with a video or a quiz (the default).",
    )
    required_quiz_lesson_ids = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="null: every quiz of the published version (the default).",
    )
    updated_at = serializers.DateTimeField(allow_null=True)
    certificates = serializers.BooleanField(help_text="Certificates are issued on completion.")


class CompletionRulesInputSerializer(StrictInputSerializer):
    required_lesson_ids = serializers.ListField(
        child=serializers.CharField(min_length=24, max_length=24),
        allow_null=True,
        max_length=1000,
    )
    required_quiz_lesson_ids = serializers.ListField(
        child=serializers.CharField(min_length=24, max_length=24),
        allow_null=True,
        max_length=1000,
    )
    certificates = serializers.BooleanField(required=False, default=True)


extend_schema_serializer(component_name="CompletionRulesInput")(CompletionRulesInputSerializer)


class InstructorCourseCompletionApi(APIView):
    """The lessons and quizzes a course requires for completion (staff)."""

    permission_classes = [IsInstructor]

    @extend_schema(request=None, responses={200: CompletionRulesSerializer, **STAFF_REFUSALS})
    def get(self, request: Request, course_id: str) -> Response:
        rules = completion.completion_rules_get(user=request.user, course_id=course_id)
        return no_store(Response(CompletionRulesSerializer(rules).data))

    @extend_schema(
        request=CompletionRulesInputSerializer,
        responses={
            200: CompletionRulesSerializer,
            400: problem("validation_error: an id that is not a lesson (or quiz) of the course"),
            **STAFF_REFUSALS,
        },
    )
    def put(self, request: Request, course_id: str) -> Response:
        completion.completion_rules_get(user=request.user, course_id=course_id)  # 404 first
        data = validated_naming_field(CompletionRulesInputSerializer, request.data)
        rules = completion.completion_rules_set(user=request.user, course_id=course_id, **data)
        return no_store(Response(CompletionRulesSerializer(rules).data))


@extend_schema_serializer(component_name="CourseCompletion")
class CourseCompletionSerializer(serializers.Serializer):
    class RequiredLessonSerializer(serializers.Serializer):
        id = serializers.CharField()
        title = serializers.CharField()
        completed = serializers.BooleanField()

    class RequiredQuizSerializer(serializers.Serializer):
        lesson_id = serializers.CharField()
        title = serializers.CharField()
        passed = serializers.BooleanField()
        best_score_percent = serializers.FloatField(allow_null=True)

    complete = serializers.BooleanField()
    custom_rules = serializers.BooleanField()
    lessons_required = serializers.IntegerField()
    lessons_completed = serializers.IntegerField()
    quizzes_required = serializers.IntegerField()
    quizzes_passed = serializers.IntegerField()
    certificate_id = serializers.CharField(
        allow_null=True, help_text="The learner's certificate for this version, once complete."
    )
    required_lessons = RequiredLessonSerializer(many=True)
    required_quizzes = RequiredQuizSerializer(many=True)


extend_schema_serializer(component_name="CourseCompletionLesson")(
    CourseCompletionSerializer.RequiredLessonSerializer
)
extend_schema_serializer(component_name="CourseCompletionQuiz")(
    CourseCompletionSerializer.RequiredQuizSerializer
)


class CourseCompletionGetApi(APIView):
    """Where the learner stands on the course's required lessons and quizzes."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        request=None,
        responses={
            200: CourseCompletionSerializer,
            403: problem("permission_denied (enrol first)"),
            404: problem("not_found"),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        state = completion.course_completion_for_viewer(user=request.user, slug=slug)
        return no_store(Response(CourseCompletionSerializer(state).data))


# ---------------------------------------------------------------- certificates


@extend_schema_serializer(component_name="Certificate")
class CertificateSerializer(serializers.Serializer):
    class CourseSerializer(serializers.Serializer):
        slug = serializers.CharField()
        title = serializers.CharField()

    id = serializers.CharField()
    course = CourseSerializer()
    course_version = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    verify_url = serializers.URLField()
    pdf_url = serializers.URLField(help_text="The certificate as a printable PDF (public).")
    credential_url = serializers.URLField(help_text="The Open Badges 3.0 credential (VC-JWT).")
    revoked = serializers.BooleanField()


extend_schema_serializer(component_name="CertificateCourse")(CertificateSerializer.CourseSerializer)


def certificate_payload(certificate: Any) -> dict[str, Any]:
    return dict(
        CertificateSerializer(
            {
                "id": str(certificate.id),
                "course": {"slug": certificate.course_slug, "title": certificate.course_title},
                "course_version": certificate.course_version,
                "issued_at": certificate.issued_at,
                "verify_url": credentials.certificate_verify_url(certificate.id),
                "pdf_url": credentials.certificate_pdf_url(certificate.id),
                "credential_url": credentials.certificate_credential_url(certificate.id),
                "revoked": certificate.revoked_at is not None,
            }
        ).data
    )


class MyCertificateListApi(APIView):
    """The signed-in learner's certificates, newest first."""

    permission_classes = [IsSignedIn]

    @extend_schema_serializer(component_name="CertificateList")
    class OutputSerializer(serializers.Serializer):
        results = CertificateSerializer(many=True)

    @extend_schema(request=None, responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        rows = certificates.certificate_list_for_user(user=request.user)
        return no_store(Response({"results": [certificate_payload(row) for row in rows]}))


class CertificateCredentialApi(APIView):
    """A certificate's Open Badges 3.0 credential, signed as a VC-JWT (public: anyone who
    holds the link may verify it against the published key)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema_serializer(component_name="CertificateCredential")
    class OutputSerializer(serializers.Serializer):
        jwt = serializers.CharField(help_text="EdDSA (Ed25519) VC-JWT; `vc` holds the credential.")
        credential = serializers.DictField(help_text="The OpenBadgeCredential, unsigned.")

    @extend_schema(
        request=None,
        responses={
            200: OutputSerializer,
            404: problem("not_found"),
            503: problem("service_unavailable (no issuer key configured)"),
        },
    )
    def get(self, request: Request, certificate_id: str) -> Response:
        certificate = certificates.certificate_get_public(certificate_id=certificate_id)
        token = credentials.credential_jwt(certificate)
        body = {"jwt": token, "credential": credentials.open_badge_credential(certificate)}
        return Response(self.OutputSerializer(body).data)


class CertificateIssuerApi(APIView):
    """The issuer profile (Open Badges 3.0 `Profile`) credentials name as their issuer."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema_serializer(component_name="CertificateIssuer")
    class OutputSerializer(serializers.Serializer):
        id = serializers.URLField()
        type = serializers.ListField(child=serializers.CharField())
        name = serializers.CharField()
        url = serializers.URLField()
        publicKey = serializers.URLField()  # the profile member's name

    @extend_schema(request=None, responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(credentials.issuer_profile())


class CertificateJwksApi(APIView):
    """The issuer's public key(s) as a JWK Set: verify a credential's signature with the key
    whose `kid` its JWT header names."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema_serializer(component_name="CertificateJwks")
    class OutputSerializer(serializers.Serializer):
        keys = serializers.ListField(child=serializers.DictField())

    @extend_schema(request=None, responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(credentials.issuer_jwks())


class CertificateRevocationListApi(APIView):
    """Revoked credentials (1EdTech `1EdRevocationList`), where `credentialStatus` points."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema_serializer(component_name="CertificateRevocations")
    class OutputSerializer(serializers.Serializer):
        class RevokedSerializer(serializers.Serializer):
            id = serializers.URLField()
            revocationReason = serializers.CharField()  # the list member's name

        id = serializers.URLField()
        issuer = serializers.URLField()
        revokedCredentials = RevokedSerializer(many=True)

    @extend_schema(request=None, responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        revoked = [
            {
                "id": credentials.certificate_verify_url(row.id),
                "revocationReason": row.revoked_reason or "",
            }
            for row in certificates.certificate_revocations()
        ]
        body = {
            "id": credentials.revocation_list_id(),
            "issuer": credentials.issuer_id(),
            "revokedCredentials": revoked,
        }
        return Response(self.OutputSerializer(body).data)


class InstructorCertificateRevokeApi(APIView):
    """Revoke a certificate of a course one teaches (or as an admin), with a reason."""

    permission_classes = [IsInstructor]

    class InputSerializer(StrictInputSerializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: CertificateSerializer,
            403: problem("permission_denied (not the course's staff)"),
            404: problem("not_found"),
            409: problem("conflict (already revoked)"),
        },
    )
    def post(self, request: Request, certificate_id: str) -> Response:
        certificates.certificate_get_public(certificate_id=certificate_id)  # 404 first
        data = validated_naming_field(self.InputSerializer, request.data)
        certificate = certificates.certificate_revoke(
            user=request.user, certificate_id=certificate_id, reason=data["reason"]
        )
        return no_store(Response(certificate_payload(certificate)))


name_nested_serializers(globals())


class InstructorCourseGradebookApi(APIView):
    """gradebook.csv: a learner per row, a column per required lesson and quiz."""

    permission_classes = [IsInstructor]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request, course_id: str) -> StreamingHttpResponse:
        slug, rows = gradebook.gradebook_rows(user=request.user, course_id=course_id)
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        # Only slug characters in the header (a stored slug may predate the slug rule).
        stem = re.sub(r"[^a-z0-9-]", "", slug) or "course"
        response["Content-Disposition"] = f'attachment; filename="{stem}-gradebook.csv"'
        response["Cache-Control"] = "no-store"
        return response
