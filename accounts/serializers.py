"""Serializer pieces of the account APIs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers


def password_field(**kwargs: Any) -> serializers.CharField:
    """Passwords are taken verbatim (no trimming); the upper bound is enforced here, so a
    10 kB password is a 400 before anything hashes it."""
    return serializers.CharField(
        max_length=settings.PASSWORD_MAX_LENGTH,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        **kwargs,
    )
