"""Webhook routes (mounted under /webhooks/)."""

from django.urls import path

from playback.webhooks import mux_webhook

urlpatterns = [path("mux", mux_webhook, name="mux-webhook")]
