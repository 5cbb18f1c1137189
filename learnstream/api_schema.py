"""OpenAPI helpers: component naming for the one-APIView-per-operation style, and the
problem+json refusals every operation documents (`ProblemAutoSchema`, the default schema
class).

Every API nests `InputSerializer` / `OutputSerializer` (and their own nested serializers);
drf-spectacular would name them all "Output", "Input", "Lesson"… and collide. This gives each
a unique component name derived from its API: `CourseListOutput`, `CourseAnalyticsOutputLesson`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


def _name_tree(serializer: type[serializers.Serializer], name: str) -> None:
    extend_schema_serializer(component_name=name)(serializer)
    for attr, inner in vars(serializer).items():
        if isinstance(inner, type) and issubclass(inner, serializers.Serializer):
            _name_tree(inner, name + attr.removesuffix("Serializer"))


def name_nested_serializers(namespace: dict[str, Any]) -> None:
    """Call at the bottom of an `apis.py` with `globals()`."""
    for api in list(namespace.values()):
        if not (isinstance(api, type) and issubclass(api, APIView) and api is not APIView):
            continue
        for attr, serializer in vars(api).items():
            if isinstance(serializer, type) and issubclass(serializer, serializers.Serializer):
                _name_tree(
                    serializer, api.__name__.removesuffix("Api") + attr.removesuffix("Serializer")
                )


# ---------------------------------------------------------------- the error contract in the schema


class ProblemSerializer(serializers.Serializer):
    """RFC 7807 problem+json, as `learnstream.errors` renders every 4xx/5xx under /api/."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    # The field is named as the body member; it shadows Serializer.errors on purpose.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


extend_schema_serializer(component_name="Problem")(ProblemSerializer)


def problem(description: str) -> OpenApiResponse:
    """An operation-specific refusal (409, 429…); `ProblemAutoSchema` gives it the body."""
    return OpenApiResponse(description=description)


class ProblemAutoSchema(AutoSchema):
    """Documents the refusals every operation can answer, so the schema is honest for
    clients and fuzzers: 400 (input), 401 (bad or missing bearer token), 403, 404 (path
    ids), 413/415 (bodies), 503 (a backing service is down). Views declare the refusals
    only they give (409, 429, 502) with `problem(...)`; any 4xx/5xx declared without a body
    gets the problem+json one. Worked out from the finished operation (its request body and
    parameters), so nothing is guessed twice."""

    def _standard_refusals(self, operation: dict[str, Any]) -> dict[str, str]:
        view = self.view
        places = {parameter.get("in") for parameter in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        refusals: dict[str, str] = {}
        if has_body or "query" in places:
            refusals["400"] = "validation_error: the input is invalid"
        if getattr(view, "authentication_classes", None):
            refusals["401"] = "not_authenticated / token_invalid: no valid bearer token"
        permissions = getattr(view, "permission_classes", None) or []
        if any(permission is not AllowAny for permission in permissions):
            refusals["403"] = "permission_denied"
        if "path" in places:
            refusals["404"] = "not_found"
        if has_body:
            refusals["413"] = "payload_too_large"
            refusals["415"] = "unsupported_media_type"
        refusals["503"] = "service_unavailable: a backing service is down; retry shortly"
        return refusals

    def _get_request_body(self, direction: Any = "request") -> Any:
        # drf-spectacular documents bodies for POST/PUT/PATCH only; DELETE /me takes one
        # (`current_password`). Every DELETE view declares `request=` (None when bodiless).
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        body = {
            "application/problem+json": {
                "schema": self.resolve_serializer(ProblemSerializer, "response").ref
            }
        }
        for code, description in self._standard_refusals(operation).items():
            responses.setdefault(code, {"description": description})
        for code, response in responses.items():
            if code[0] not in "45":
                continue
            content = response.get("content")
            if not content:
                response["content"] = body
            elif "application/json" in content:
                # A refusal with a body of its own (otp_required's otp_token) is still
                # rendered as problem+json: document it under that type.
                content["application/problem+json"] = content.pop("application/json")
        operation["responses"] = dict(sorted(responses.items()))
        return operation
