"""Delete processed-webhook ledger rows older than --days (default WEBHOOK_LEDGER_DAYS).

Idempotent; run daily (or through `manage.py maintenance`). Mux retries a failed delivery
for about a day, so a ledger a few weeks deep still recognises every possible replay.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from playback.maintenance import webhook_events_purge


class Command(BaseCommand):
    help = "Delete processed-webhook ledger rows older than --days days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="retention in days (>= 2)")

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        days = settings.WEBHOOK_LEDGER_DAYS if days is None else days
        if days < 2:
            raise CommandError("--days must be at least 2 (Mux retries for about a day).")
        deleted = webhook_events_purge(older_than=timedelta(days=days))
        self.stdout.write(f"Deleted {deleted} webhook ledger row(s) older than {days} days.")
