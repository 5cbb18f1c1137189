"""Ask Mux about lessons whose pending video is stuck in awaiting_upload/processing, and
caption tracks still processing, for longer than --minutes (default
RECONCILE_STUCK_AFTER_MINUTES); apply what it says through the webhook state machine, so a
lost webhook never leaves a lesson stuck.

Idempotent. Mux unreachable: exits 1 (StepDeferred) having changed nothing for the lesson
it was asking about; the next run retries.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from learnstream.errors import ApplicationError
from learnstream.maintenance import StepDeferred
from playback.captions_services import captions_reconcile
from playback.maintenance import videos_reconcile


class Command(BaseCommand):
    help = "Reconcile lessons whose pending video has not moved for --minutes with Mux."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=None, help="stuck threshold (>= 0)")

    def handle(self, *args: Any, minutes: int | None = None, **options: Any) -> None:
        minutes = settings.RECONCILE_STUCK_AFTER_MINUTES if minutes is None else minutes
        if minutes < 0:
            raise CommandError("--minutes must be 0 or more.")
        try:
            report = videos_reconcile(stuck_for=timedelta(minutes=minutes))
            # Caption tracks whose webhook was lost are repaired the same way.
            captions_repaired = captions_reconcile(older_than=timedelta(minutes=minutes))
        except ApplicationError as exc:  # Mux unreachable (503) or refusing (502)
            raise StepDeferred(f"Mux is unavailable ({exc.detail}); retry later.") from exc
        self.stdout.write(
            f"Checked {report.checked} stuck lesson video(s); updated {len(report.changed)}"
            + (f": {', '.join(report.changed)}" if report.changed else ".")
            + f" Repaired {captions_repaired} caption track(s)."
        )
