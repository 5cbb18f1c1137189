"""Webhook routes (mounted under /webhooks/)."""

urlpatterns: list = []
