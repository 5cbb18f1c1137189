"""OpenAPI naming for the one-APIView-per-operation style.

Every API nests `InputSerializer` / `OutputSerializer` (and their own nested serializers);
drf-spectacular would name them all "Output", "Input", "Lesson"… and collide. This gives each
a unique component name derived from its API: `CourseListOutput`, `CourseAnalyticsOutputLesson`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
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
