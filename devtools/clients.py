"""API clients for tests."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def client_for(user: Any) -> APIClient:
    """An API client authenticated as `user` (None: anonymous)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client
