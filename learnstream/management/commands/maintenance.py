"""Run every scheduled maintenance step once, under a lock held across machines:

    purge_refresh_tokens  expired/revoked refresh-token records
    purge_webhook_events  old processed-webhook ledger rows
    reconcile_videos      lessons stuck in awaiting_upload/processing (asks Mux)
    delete_orphan_assets  replaced / removed lessons' Mux assets after the grace period

Each step is an idempotent management command of its own; this runs them in order and
reports each outcome on one line. Exit status:

- 0 when every step ran, or was deferred because Mux is unreachable (a warning line per
  deferred step; it changed nothing and the next run retries), or when another machine
  holds the lock (this run skips: the other one is doing the work);
- 1 when a step failed unexpectedly (a bug or a database outage): the other steps still
  ran, and the failure is logged with its traceback.

Schedule it hourly (docker-compose's `maintenance` service does; see docs/OPERATIONS.md
for cron and a Kubernetes CronJob).
"""

from __future__ import annotations

import io
import logging
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from learnstream.locks import cross_process_lock
from learnstream.maintenance import StepDeferred
from learnstream.metrics import maintenance_step_count

logger = logging.getLogger("learnstream.maintenance")

STEPS = ("purge_refresh_tokens", "purge_webhook_events", "reconcile_videos", "delete_orphan_assets")
LOCK_NAME = "maintenance"


class Command(BaseCommand):
    help = "Run all scheduled maintenance steps once (skips if another run holds the lock)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only", nargs="+", choices=STEPS, help="run only these steps (in the usual order)"
        )

    def handle(self, *args: Any, only: list[str] | None = None, **options: Any) -> None:
        steps = [step for step in STEPS if not only or step in only]
        with cross_process_lock(LOCK_NAME, ttl_s=settings.MAINTENANCE_LOCK_TTL_S) as held:
            if not held:
                message = "Another maintenance run holds the lock; skipping this run."
                logger.info(message)
                self.stdout.write(message)
                return
            failed = [step for step in steps if not self._run(step)]
        if failed:
            raise CommandError(f"Maintenance step(s) failed: {', '.join(failed)} (see the log).")

    def _run(self, step: str) -> bool:
        """Run one step; False only for an unexpected failure."""
        output = io.StringIO()
        started = time.monotonic()
        try:
            call_command(step, stdout=output, stderr=output)
        except StepDeferred as exc:
            logger.warning("maintenance %s deferred: %s", step, exc)
            self.stdout.write(self.style.WARNING(f"{step}: deferred — {exc}"))
            maintenance_step_count(step=step, outcome="deferred")
            return True
        except Exception:
            logger.exception("maintenance %s failed", step)
            self.stdout.write(self.style.ERROR(f"{step}: failed (see the log)"))
            maintenance_step_count(step=step, outcome="failed")
            return False
        summary = " ".join(output.getvalue().split()) or "done"
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("maintenance %s ok in %.0fms: %s", step, elapsed_ms, summary)
        self.stdout.write(self.style.SUCCESS(f"{step}: ok — {summary}"))
        maintenance_step_count(step=step, outcome="ok")
        return True
