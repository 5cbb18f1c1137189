"""Benchmark of the auth paths over real HTTP (printed figures, not a timed test).

Starts SecantusDB (MongoDB wire server) and gunicorn (1 worker, 1 thread: sequential
requests, so figures are per-request latency) on free ports with the production hasher
(Argon2id) and measures, in one run:

- login            POST /api/v1/auth/token          (one Argon2id verify + a refresh row)
- refresh          POST /api/v1/auth/token/refresh  (rotation: lock, conditional UPDATE, INSERT)
- no-op, anonymous GET  /bench/noop                  (the floor: Django + DRF, no auth)
- no-op, bearer    GET  /bench/noop-auth             (the same view + JWT verification)

Usage: python bench/bench_auth.py [--samples N]
SQL is a throw-away SQLite file unless BENCH_DATABASE_URL is set (e.g. a PostgreSQL
database you may drop); the cache/rate limiter is Redis when REDIS_URL is set, else local
memory. Rate limits are raised for the run (they are tested, not benchmarked).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import percentile  # noqa: E402
from devtools import mongo_server  # noqa: E402

PASSWORD = "bench passphrase for argon2 9"


def timed(call) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:200]}")
    return elapsed


def wait_http(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server at {url} did not come up")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200, help="samples per no-op row")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    mongo_port, web_port = mongo_server.free_port(), mongo_server.free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.auth_bench_settings",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"
        ),
        "MONGODB_URI": mongo_server.uri_for(mongo_port, "bench_auth"),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "RATE_LOGIN_PER_ACCOUNT": "1000000",
        "RATE_LOGIN_PER_IP": "1000000",
        "RATE_REGISTER_PER_IP": "1000000",
        "RATE_REFRESH_PER_FAMILY": "1000000",
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
    }
    mongo = mongo_server.start(mongo_port, ":memory:")
    web = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "learnstream.wsgi"], cwd=ROOT, env=env
        )
        base = f"http://127.0.0.1:{web_port}"
        wait_http(f"{base}/healthz")
        with httpx.Client(base_url=base, timeout=30) as client:
            run(client, args.samples)
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=20)
        mongo_server.stop(mongo)


def run(client: httpx.Client, samples: int) -> None:
    client.post(
        "/api/v1/auth/register",
        json={"email": "bench@example.com", "password": PASSWORD, "name": "Bench"},
    ).raise_for_status()
    credentials = {"email": "bench@example.com", "password": PASSWORD}
    login_samples = max(20, samples // 5)
    for _ in range(3):  # warm-up: imports, connections, the dummy hash
        client.post("/api/v1/auth/token", json=credentials)
    login = [
        timed(lambda: client.post("/api/v1/auth/token", json=credentials))
        for _ in range(login_samples)
    ]
    pair = client.post("/api/v1/auth/token", json=credentials).json()

    refresh: list[float] = []
    token = pair["refresh"]
    for _ in range(max(50, samples // 2)):
        started = time.perf_counter()
        response = client.post("/api/v1/auth/token/refresh", json={"refresh": token})
        refresh.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        token = response.json()["refresh"]
        access = response.json()["access"]

    headers = {"Authorization": f"Bearer {access}"}
    anonymous: list[float] = []
    bearer: list[float] = []
    for _ in range(20):
        client.get("/bench/noop")
        client.get("/bench/noop-auth", headers=headers)
    for _ in range(samples):  # interleaved, so drift on a shared machine hits both alike
        anonymous.append(timed(lambda: client.get("/bench/noop")))
        bearer.append(timed(lambda: client.get("/bench/noop-auth", headers=headers)))

    rows = [
        ("login (Argon2id verify)", login),
        ("refresh (rotation)", refresh),
        ("no-op API, anonymous", anonymous),
        ("no-op API, bearer token", bearer),
    ]
    print("\nauth benchmark over HTTP (gunicorn 1 worker x 1 thread), ms per request")
    print(f"{'path':<26}{'n':>6}{'median':>10}{'p95':>10}")
    for name, values in rows:
        median, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{name:<26}{len(values):>6}{median:>10.2f}{p95:>10.2f}")
    ratio = statistics.median(bearer) / statistics.median(anonymous)
    print(f"bearer / anonymous no-op median ratio: {ratio:.2f} (goal < 1.5)")


if __name__ == "__main__":
    main()
