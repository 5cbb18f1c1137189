"""gunicorn settings (auto-loaded from the working directory).

No preload_app: pymongo is not fork-safe, so each worker connects after the fork.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
preload_app = False
accesslog = None  # the app logs each request with its request id


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set, drop an exited worker's live gauges (counters and
    histograms keep their totals, as Prometheus expects)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
