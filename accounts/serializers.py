"""Input serializer base for the account APIs: unknown fields are an error, not ignored
(a client that sends `role` to the registration endpoint must learn it had no effect)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def password_field(**kwargs: Any) -> serializers.CharField:
    """Passwords are taken verbatim (no trimming); the upper bound is enforced here, so a
    10 kB password is a 400 before anything hashes it."""
    from django.conf import settings

    return serializers.CharField(
        max_length=settings.PASSWORD_MAX_LENGTH,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        **kwargs,
    )
