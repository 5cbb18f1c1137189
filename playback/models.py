"""The processed-webhook ledger (SQL): one row per Mux event id, unique in the database."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WebhookEvent(models.Model):
    # Mux event ids are UUIDs; the column allows any id Mux may choose to send.
    event_id = models.CharField(max_length=128, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
