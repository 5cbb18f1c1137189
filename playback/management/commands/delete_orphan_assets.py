"""Delete Mux assets nobody plays any more, --days (default MUX_ASSET_GRACE_DAYS) after
they stopped being played: assets replaced by a newer upload (or superseded while
pending), and the videos of lessons removed from their course that the published version
does not list either.

Idempotent (an asset Mux no longer knows counts as deleted). Mux unreachable: exits 1
(StepDeferred) having changed nothing for the asset it was deleting; the next run retries.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from learnstream.errors import ApplicationError
from learnstream.maintenance import StepDeferred
from playback.maintenance import orphan_assets_delete


class Command(BaseCommand):
    help = "Delete replaced and removed lessons' Mux assets after the grace period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="grace period in days (>= 0)")

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        days = settings.MUX_ASSET_GRACE_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        try:
            report = orphan_assets_delete(grace=timedelta(days=days))
        except ApplicationError as exc:
            raise StepDeferred(f"Mux is unavailable ({exc.detail}); retry later.") from exc
        self.stdout.write(
            f"Deleted {len(report.assets_deleted)} retired asset(s); cleared the videos of "
            f"{len(report.lessons_cleared)} removed lesson(s)."
        )
