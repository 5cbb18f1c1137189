"""Shared by the maintenance commands: how a step says "not now, nothing changed"."""

from __future__ import annotations

from django.core.management.base import CommandError


class StepDeferred(CommandError):
    """An upstream service (Mux) is unreachable or refused: the step changed nothing for the
    object it was working on and the next scheduled run retries. `manage.py maintenance`
    reports it as a warning and still exits 0; run alone, the command exits 1."""
