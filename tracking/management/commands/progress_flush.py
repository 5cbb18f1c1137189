"""Write live progress from Redis to MongoDB: `--once` writes everything changed and exits;
without it, runs as a flusher of its own (app processes run one each as well; any number
may run at once). SIGTERM writes everything changed, then stops."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from tracking import progress_buffer


class Command(BaseCommand):
    help = "Write live progress from Redis to MongoDB (once, or every flush interval)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="write what changed and exit")

    def handle(self, *args, **options) -> None:
        if not progress_buffer.enabled():
            self.stdout.write("Live progress is off (no REDIS_URL): nothing to write.")
            return
        if options["once"]:
            self.stdout.write(f"{progress_buffer.flush_all()} progress documents written.")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        interval = max(float(settings.PROGRESS_FLUSH_INTERVAL_S), 0.2)
        self.stdout.write("flushing", ending="\n")
        self.stdout.flush()
        while not stop.wait(interval):
            progress_buffer.flush_all()
        progress_buffer.flush_all()
