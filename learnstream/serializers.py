"""The input serializer base of every API: unknown fields are a 400, not silently ignored
(a typo must not look like success, and a client that sends `role` to registration must
learn it had no effect); a body that is not a JSON object is a 400 too. `validated` runs
one and hands back its data (a 400 through DRF's exception handler otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from learnstream.errors import ValidationError, to_application_error


class StrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_naming_field(
    serializer_class: type[serializers.Serializer], data: Any
) -> dict[str, Any]:
    """As `validated`, but the 400's detail names the first bad field (`file: …`,
    `questions.2.kind: …`), for forms whose fields a person fixes one at a time."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        error = to_application_error(serializers.ValidationError(serializer.errors))
        errors = (error.errors if isinstance(error, ValidationError) else None) or {}
        first = next(iter(errors.items()), ("input", ["Invalid input."]))
        raise ValidationError(f"{first[0]}: {first[1][0]}", errors=errors)
    return dict(serializer.validated_data)


def no_store(response: Any) -> Any:
    """Mark a response that carries one person's data (captions being edited, answers,
    results) so no shared cache keeps it."""
    response["Cache-Control"] = "private, no-store"
    return response


def iso_utc(moment: datetime | None) -> str | None:
    """What DRF's DateTimeField renders under USE_TZ/UTC (MongoDB hands back naive UTC), for
    responses built without a serializer on hot paths."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = aware.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
