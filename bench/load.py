"""Load benchmark: the whole app under gunicorn with a realistic mix of learners.

    .venv/bin/python bench/load.py                 # 1000, 2000, 3000, 9000 learners, 60 s each
    .venv/bin/python bench/load.py --learners 100 --duration 30 --warmup 5   # a smoke run
    .venv/bin/python bench/load.py --learners 1000,2000,3000,9000 --duration 60 --json out.json

Starts everything itself, on free ports of 127.0.0.1, and stops it at the end:
SecantusDB (in memory), the Mux simulator (a signing key is created through it), gunicorn
with `bench.bench_settings` (production settings over plain HTTP: DEBUG off, real Argon2id,
INFO access log to a file, the project's gunicorn.conf.py: 3 workers x 4 threads), against
PostgreSQL database `ls_perf` (BENCH_DATABASE_URL; created when missing, flushed first) and
Redis db 11 (BENCH_REDIS_URL; flushed first). The driver stamps each request with
`X-Request-Start` as a proxy in front of gunicorn would, so overload shedding (503/429 with
`Retry-After` for requests that waited past the queue budget) is exercised; shed 503s are
reported apart from errors, like 429s.

Seeds courses whose lessons have ready videos (set directly in the documents), learners
enrolled in one course each with access tokens minted up front (so signing in is its own
slice of the mix, not a cost of every learner), and a few accounts with real passwords for
logins. Then, per level, drives the mix with asyncio and a lean keep-alive HTTP client
(`bench/lean_http.py`) for a warm-up and a measured window, from `--drivers` processes (2 by
default) that each drive a share of the learners:

- each learner watches: a playback-token request when it opens a lesson, then a heartbeat
  every 10 s whose played span is the wall time since the previous answer (never more than
  the server's rule allows: span <= 2 x time since the previous accepted beat + slack), and
  after 3-9 beats moves on to another lesson (a new playback-token request);
- each learner browses about once a minute: the catalogue page `/`, the course list API,
  or its course's detail API, in turn;
- logins: POST /api/v1/auth/token at a fixed 0.5/s across 20 accounts (under the per-IP
  limit of 60/min; any 429 is reported separately, never as an error).

Reports, for requests started inside the measured window: sustained req/s, p50/p95/p99
(overall and per kind), errors (anything but 2xx, other than 429; timeouts and connection
errors count as errors), 429s, and CPU from /proc (user+system time of the gunicorn master
and workers, of the SecantusDB process, and of this driver; plus the whole machine's busy
share from /proc/stat, since other processes share the 2 cores). In the same run, before
the levels: the floor — raw pymongo upserts/s (the heartbeat's own update, 4 threads)
against the same SecantusDB. Everything is bounded: fixed duration per level, a 10 s
request timeout, a fixed set of users, only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import lean_http  # noqa: E402
from devtools import mongo_server  # noqa: E402

print = functools.partial(print, flush=True)

PYTHON = sys.executable
COURSES = 10
LESSONS_PER_COURSE = 8
LESSON_DURATION_S = 600.0
LOGIN_ACCOUNTS = 20
LOGIN_PASSWORD = "bench-correct-horse-battery-9"
LOGIN_RATE_PER_S = 0.5
BEAT_INTERVAL_S = 10.0
BROWSE_INTERVAL_S = 60.0
REQUEST_TIMEOUT_S = 10.0
LEARNERS_PER_CLIENT = 10
CLK_TCK = os.sysconf("SC_CLK_TCK")
KINDS = ("heartbeat", "playback", "catalogue_page", "course_list_api", "course_api", "login")


# --- processes ------------------------------------------------------------------------------


def _wait_http(url: str, timeout_s: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - 127.0.0.1
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer in {timeout_s} s")


def start_simulator(tmp: Path, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = mongo_server.free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "mux_simulator",
            "--port",
            str(port),
            "--data-dir",
            str(tmp / "mux-sim"),
            "--token-id",
            env["MUX_TOKEN_ID"],
            "--token-secret",
            env["MUX_TOKEN_SECRET"],
        ],
        cwd=ROOT,
        stdout=open(tmp / "mux-sim.log", "ab"),  # noqa: SIM115 - lives as long as the child
        stderr=subprocess.STDOUT,
    )
    _wait_http(f"http://127.0.0.1:{port}/_sim/healthz", 20, process)
    return process, port


def start_gunicorn(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    # The project's gunicorn.conf.py (auto-loaded from ROOT) sets workers, threads, timeouts.
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "learnstream.wsgi:application"],
        cwd=ROOT,
        env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=open(log, "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    _wait_http(f"http://127.0.0.1:{port}/healthz", 60, process)
    return process


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# --- CPU from /proc -------------------------------------------------------------------------


REDIS_PID = 0  # the Redis server (shared with other users of the machine: read with care)


def _proc_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


@dataclass
class CpuSnapshot:
    at: float
    gunicorn: int
    mongo: int
    redis: int
    driver: float
    machine_busy: int
    machine_total: int


def redis_pid() -> int:
    """The Redis server's process id (0 when it is not on this machine / not readable)."""
    try:
        from tracking import progress_buffer

        return int(progress_buffer.redis_client().info("server").get("process_id", 0))
    except Exception:
        return 0


def cpu_snapshot(gunicorn_pid: int, mongo_pid: int, driver_pids: list[int]) -> CpuSnapshot:
    workers = [gunicorn_pid, *_children_of(gunicorn_pid)]
    busy, total = _machine_ticks()
    times = os.times()
    drivers = sum(_proc_ticks(pid) for pid in driver_pids) / CLK_TCK
    return CpuSnapshot(
        at=time.monotonic(),
        gunicorn=sum(_proc_ticks(pid) for pid in workers),
        mongo=_proc_ticks(mongo_pid),
        redis=_proc_ticks(REDIS_PID) if REDIS_PID else 0,
        driver=times.user + times.system + drivers,
        machine_busy=busy,
        machine_total=total,
    )


def cpu_between(first: CpuSnapshot, last: CpuSnapshot) -> dict[str, float]:
    """Percent of ONE core (200% = both cores of this machine), machine busy in % of all."""
    seconds = last.at - first.at
    return {
        "gunicorn_cpu_pct": round((last.gunicorn - first.gunicorn) / CLK_TCK / seconds * 100, 1),
        "secantusdb_cpu_pct": round((last.mongo - first.mongo) / CLK_TCK / seconds * 100, 1),
        "redis_cpu_pct": round((last.redis - first.redis) / CLK_TCK / seconds * 100, 1),
        "driver_cpu_pct": round((last.driver - first.driver) / seconds * 100, 1),
        "machine_busy_pct": round(
            (last.machine_busy - first.machine_busy)
            / max(last.machine_total - first.machine_total, 1)
            * 100,
            1,
        ),
    }


# --- seeding --------------------------------------------------------------------------------


@dataclass
class Seed:
    courses: list[dict] = field(default_factory=list)  # {slug, lesson_ids}
    learner_tokens: list[str] = field(default_factory=list)
    learner_course: list[int] = field(default_factory=list)
    login_emails: list[str] = field(default_factory=list)


def seed(max_learners: int) -> Seed:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from accounts.tokens import access_token_mint
    from catalog.access import lesson_facts_invalidate
    from catalog.documents import Course, Lesson
    from catalog.lesson_video import LessonVideo, VideoGeneration, VideoState
    from catalog.models import Enrollment
    from catalog.services import course_publish

    result = Seed()
    owner = User.objects.create_user(
        email="owner@bench.test", password=None, name="Bench Instructor", role="instructor"
    )
    now = timezone.now()
    for number in range(COURSES):
        course = Course(
            slug=f"bench-course-{number}",
            title=f"Bench course {number}",
            subtitle="Load benchmark",
            description="A course for the load benchmark.\n\n" * 5,
            owner_id=owner.id,
            tags=["bench", f"topic-{number % 3}"],
        ).save()
        for index in range(LESSONS_PER_COURSE):
            video = VideoGeneration(
                asset_id=f"bench-asset-{number}-{index}",
                playback_id=f"benchpb{number}x{index}",
                state=VideoState.READY,
                duration_s=LESSON_DURATION_S,
                aspect_ratio="16:9",
                created_at=now,
                updated_at=now,
            )
            Lesson(
                course_id=course.id,
                title=f"Lesson {index + 1}",
                position=index,
                duration_s=LESSON_DURATION_S,
                video=LessonVideo(current=video),
            ).save()
        course_publish(course=course, user=owner)
        lesson_ids = [
            str(lesson.id) for lesson in Lesson.objects(course_id=course.id).order_by("position")
        ]
        lesson_facts_invalidate(lesson_ids=lesson_ids)
        result.courses.append({"slug": course.slug, "id": str(course.id), "lessons": lesson_ids})

    unusable = make_password(None)
    learners = User.objects.bulk_create(
        [
            User(email=f"learner{n}@bench.test", name=f"Learner {n}", password=unusable)
            for n in range(max_learners)
        ],
        batch_size=1000,
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(user_id=user.id, course_id=result.courses[n % COURSES]["id"])
            for n, user in enumerate(learners)
        ],
        batch_size=1000,
    )
    result.learner_course = [n % COURSES for n in range(max_learners)]
    result.learner_tokens = [access_token_mint(user=user)[0] for user in learners]
    hashed = make_password(LOGIN_PASSWORD)  # one real Argon2id hash, shared by the accounts
    logins = User.objects.bulk_create(
        [
            User(email=f"login{n}@bench.test", name=f"Login {n}", password=hashed)
            for n in range(LOGIN_ACCOUNTS)
        ]
    )
    result.login_emails = [user.email for user in logins]
    return result


# --- the floor ------------------------------------------------------------------------------


def raw_upsert_floor(seconds: float = 5.0, threads: int = 4) -> dict[str, float]:
    """The heartbeat's own upsert (same filter and pipeline) in raw pymongo, no HTTP."""
    from bson import ObjectId
    from django.conf import settings
    from pymongo import MongoClient

    from tracking.services import Beat, _beat_filter, _merge_pipeline, now_ms

    collection: Any = MongoClient(settings.MONGODB_URI).get_default_database()["floor_upsert"]
    collection.create_index([("user_id", 1), ("lesson_id", 1)], unique=True)
    lesson_id, course_id = ObjectId(), ObjectId()
    beat = Beat(position_s=10.0, played_from_s=0.0, played_to_s=10.0, duration_s=600.0)
    counts = [0] * threads
    stop_at = time.monotonic() + seconds

    def work(slot: int) -> None:
        user = slot * 1_000_000
        while time.monotonic() < stop_at:
            now = now_ms(None)
            collection.update_one(
                _beat_filter(user_id=user, lesson_id=lesson_id, beat=beat, now=now),
                _merge_pipeline(beat=beat, course_id=course_id, now=now),
                upsert=True,
            )
            user += 1
            counts[slot] += 1

    pool = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    collection.drop()
    return {"raw_pymongo_upserts_per_s": round(sum(counts) / seconds, 1)}


# --- the driver -----------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    started: float
    latency: float
    status: int  # 0: timeout / connection error


class Driver:
    """Drives `learners` learners; with `part=(k, n)` only every n-th of them, starting at k
    (the logins go with part 0), so n processes share one level."""

    def __init__(
        self,
        base: str,
        data: Seed,
        learners: int,
        window: tuple[float, float],
        part: tuple[int, int] = (0, 1),
    ):
        self.base = base
        self.data = data
        self.learners = learners
        self.part = part
        self.window_start, self.stop_at = window
        self.samples: list[Sample] = []
        self.clients: list = []
        self.loop_lag: list[float] = []

    async def request(self, kind: str, client, method: str, path: str, **options) -> int:
        started = time.monotonic()
        headers = dict(options.pop("headers", None) or {})
        headers["X-Request-Start"] = f"t={time.time():.3f}"  # what the proxy would stamp
        options["headers"] = headers
        try:
            # A hard deadline for the whole exchange, connecting included.
            status, _body = await asyncio.wait_for(
                client.request(method, path, **options), REQUEST_TIMEOUT_S
            )
        except Exception:  # every failure is a counted error (status 0)
            status = 0
        self.samples.append(Sample(kind, started, time.monotonic() - started, status))
        return status

    async def watch_loop_lag(self) -> None:
        """How late the driver's event loop wakes up: if this grows, the driver (not the
        server) is the bottleneck and the latencies are not to be trusted."""
        while time.monotonic() < self.stop_at:
            planned = time.monotonic() + 0.1
            await asyncio.sleep(0.1)
            if self.window_start <= planned < self.stop_at:
                self.loop_lag.append(time.monotonic() - planned)

    async def sleep_until(self, moment: float) -> bool:
        """False when the moment is past the end of the run."""
        if moment >= self.stop_at:
            return False
        await asyncio.sleep(max(moment - time.monotonic(), 0))
        return True

    async def learner(self, number: int, start: float) -> None:
        rng = random.Random(number)
        client = self.clients[(number // self.part[1]) % len(self.clients)]
        token = self.data.learner_tokens[number]
        course = self.data.courses[self.data.learner_course[number]]
        headers = {"Authorization": f"Bearer {token}"}
        lessons = course["lessons"]
        lesson_index = rng.randrange(len(lessons))
        browse_pages = [
            ("catalogue_page", "/", {}),
            ("course_list_api", "/api/v1/courses", {}),
            ("course_api", f"/api/v1/courses/{course['slug']}", {"headers": headers}),
        ]
        browse_turn = rng.randrange(len(browse_pages))
        next_browse = start + rng.uniform(0, BROWSE_INTERVAL_S)
        if not await self.sleep_until(start):
            return
        while True:
            lesson = lessons[lesson_index % len(lessons)]
            await self.request(
                "playback", client, "GET", f"/api/v1/lessons/{lesson}/playback", headers=headers
            )
            answered = time.monotonic()
            next_beat = answered + BEAT_INTERVAL_S
            position = 0.0
            for _beat in range(rng.randint(3, 9)):
                while next_browse < next_beat:  # a look at the catalogue between beats
                    if not await self.sleep_until(next_browse):
                        return
                    kind, path, options = browse_pages[browse_turn % len(browse_pages)]
                    browse_turn += 1
                    await self.request(kind, client, "GET", path, **options)
                    next_browse += BROWSE_INTERVAL_S
                if not await self.sleep_until(next_beat):
                    return
                sent = time.monotonic()
                # Played since the previous answer: never more wall time than the server saw.
                span = min(BEAT_INTERVAL_S, sent - answered, LESSON_DURATION_S - position)
                body = {
                    "position_s": round(position + span, 3),
                    "duration_s": LESSON_DURATION_S,
                    "played_from_s": round(position, 3),
                    "played_to_s": round(position + span, 3),
                }
                await self.request(
                    "heartbeat",
                    client,
                    "POST",
                    f"/api/v1/lessons/{lesson}/progress",
                    headers=headers,
                    json=body,
                )
                position += span
                answered = time.monotonic()
                # Every 10 s, and never sooner than 2.5 s after the last answer (the server
                # accepts one beat per lesson per 2 s).
                next_beat = max(sent + BEAT_INTERVAL_S, answered + 2.5)
            lesson_index += 1

    async def logins(self, start: float) -> None:
        number = 0
        moment = start
        while await self.sleep_until(moment):
            email = self.data.login_emails[number % len(self.data.login_emails)]
            number += 1
            asyncio.get_running_loop().create_task(
                self.request(
                    "login",
                    self.clients[number % len(self.clients)],
                    "POST",
                    "/api/v1/auth/token",
                    json={"email": email, "password": LOGIN_PASSWORD},
                )
            )
            moment += 1 / LOGIN_RATE_PER_S

    async def run(self, begin: float) -> None:
        # One pool per LEARNERS_PER_CLIENT learners, up to one connection per learner, as
        # that many browsers behind one address would hold.
        host, _, port = self.base.removeprefix("http://").partition(":")
        index, parts = self.part
        mine = range(index, self.learners, parts)
        groups = max(1, -(-len(mine) // LEARNERS_PER_CLIENT))
        self.clients = [
            lean_http.Pool(
                host,
                int(port),
                max_connections=LEARNERS_PER_CLIENT,
                keepalive_expiry=4.0,  # below gunicorn's keepalive (5 s): no stale connections
            )
            for _ in range(groups)
        ]
        try:
            tasks = [
                asyncio.create_task(self.learner(n, begin + (n / self.learners) * BEAT_INTERVAL_S))
                for n in mine
            ]
            if index == 0:
                tasks.append(asyncio.create_task(self.logins(begin)))
            tasks.append(asyncio.create_task(self.watch_loop_lag()))
            await asyncio.gather(*tasks)
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if pending:  # started logins (each bounded by the deadline) and the CPU sampler
                await asyncio.wait(pending, timeout=REQUEST_TIMEOUT_S + 1)
        finally:
            for client in self.clients:
                await client.aclose()


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarise(samples: list[Sample], window: tuple[float, float]) -> dict:
    start, end = window
    seconds = end - start
    inside = [s for s in samples if start <= s.started < end]

    def stats(group: list[Sample]) -> dict:
        ordered = sorted(s.latency for s in group)
        ok = sum(1 for s in group if 200 <= s.status < 300)
        throttled = sum(1 for s in group if s.status == 429)
        shed = sum(1 for s in group if s.status == 503)
        errors = len(group) - ok - throttled - shed
        codes: dict[str, int] = {}
        for s in group:
            if not 200 <= s.status < 300:
                codes[str(s.status)] = codes.get(str(s.status), 0) + 1
        return {
            "requests": len(group),
            "req_per_s": round(len(group) / seconds, 1),
            "ok_per_s": round(ok / seconds, 1),
            "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
            "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
            "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0,
            "errors": errors,
            "error_pct": round(errors / len(group) * 100, 2) if group else 0.0,
            "throttled_429": throttled,
            "shed_503": shed,
            "non_2xx": codes,
        }

    return {
        "overall": stats(inside),
        "kinds": {kind: stats([s for s in inside if s.kind == kind]) for kind in KINDS},
    }


def _drive_part(results, base: str, data: Seed, learners: int, window, begin: float, part):
    """One driver process: its share of the learners; sends back its samples and loop lag."""
    driver = Driver(base, data, learners, window, part)
    asyncio.run(driver.run(begin))
    results.send((driver.samples, driver.loop_lag))
    results.close()


def run_level(base: str, data: Seed, learners: int, args, pids: tuple[int, int]) -> dict:
    load_before = os.getloadavg()
    begin = time.monotonic() + 0.5 + 0.2 * args.drivers  # the driver processes start first
    window = (begin + args.warmup, begin + args.warmup + args.duration)
    # One event loop drives a share of the learners: on a small machine one loop for them
    # all wakes up late under load and its own lateness shows up as latency.
    context = multiprocessing.get_context("fork")
    parts = []
    for index in range(args.drivers):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_drive_part,
            args=(sender, base, data, learners, window, begin, (index, args.drivers)),
        )
        process.start()
        sender.close()
        parts.append((process, receiver))
    driver_pids = [process.pid for process, _ in parts if process.pid]
    cpu: dict[str, CpuSnapshot] = {}

    async def sample_cpu() -> None:
        await asyncio.sleep(max(window[0] - time.monotonic(), 0))
        cpu["start"] = cpu_snapshot(*pids, driver_pids)
        await asyncio.sleep(max(window[1] - time.monotonic(), 0))
        cpu["end"] = cpu_snapshot(*pids, driver_pids)

    flush_lags: list[float] = []

    async def sample_flush_lag() -> None:
        """The age of the oldest beat not yet in MongoDB, twice a second in the window."""
        from tracking import progress_buffer

        await asyncio.sleep(max(window[0] - time.monotonic(), 0))
        while time.monotonic() < window[1]:
            try:
                lag_s = await asyncio.to_thread(progress_buffer.flush_lag_s)
            except Exception:
                lag_s = float("nan")
            flush_lags.append(lag_s)
            await asyncio.sleep(0.5)

    async def main() -> None:
        await asyncio.gather(sample_cpu(), sample_flush_lag())

    asyncio.run(main())
    samples: list[Sample] = []
    loop_lag: list[float] = []
    for process, receiver in parts:
        part_samples, part_lag = receiver.recv()
        samples += part_samples
        loop_lag += part_lag
        process.join()
    result = summarise(samples, window)
    lag = sorted(loop_lag) or [0.0]
    flush = sorted(value for value in flush_lags if value == value) or [0.0]
    result.update(
        {
            "flush_lag_s": {
                "p50": round(percentile(flush, 0.5), 2),
                "p99": round(percentile(flush, 0.99), 2),
                "max": round(flush[-1], 2),
                "samples": len(flush_lags),
            },
            "driver_loop_lag_p99_ms": round(percentile(lag, 0.99) * 1000, 1),
            "learners": learners,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "loadavg_1m_at_start": round(load_before[0], 2),
            "cpu": cpu_between(cpu["start"], cpu["end"]),
        }
    )
    return result


# --- report ---------------------------------------------------------------------------------


def markdown(results: list[dict], floor: dict) -> str:
    lines = [
        "| learners | req/s | 2xx/s | p50 ms | p95 ms | p99 ms | max ms | errors | 429s "
        "| shed 503s "
        "| gunicorn CPU | SecantusDB CPU | Redis CPU | driver CPU | driver lag p99 "
        "| flush lag p50 / p99 / max | machine busy | load 1m at start |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        "---:|",
    ]
    for r in results:
        o, c = r["overall"], r["cpu"]
        lines.append(
            f"| {r['learners']} | {o['req_per_s']} | {o['ok_per_s']} | {o['p50_ms']} "
            f"| {o['p95_ms']} | {o['p99_ms']} | {o['max_ms']} | {o['errors']} ({o['error_pct']}%) "
            f"| {o['throttled_429']} | {o['shed_503']} "
            f"| {c['gunicorn_cpu_pct']}% | {c['secantusdb_cpu_pct']}% | {c['redis_cpu_pct']}% "
            f"| {c['driver_cpu_pct']}% | {r['driver_loop_lag_p99_ms']} ms "
            f"| {r['flush_lag_s']['p50']} / {r['flush_lag_s']['p99']} / "
            f"{r['flush_lag_s']['max']} s "
            f"| {c['machine_busy_pct']}% | {r['loadavg_1m_at_start']} |"
        )
    lines += [
        "",
        "| learners | kind | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | 429s | non-2xx |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        for kind, k in r["kinds"].items():
            codes = ", ".join(f"{code}: {n}" for code, n in sorted(k["non_2xx"].items())) or "-"
            lines.append(
                f"| {r['learners']} | {kind} | {k['req_per_s']} | {k['p50_ms']} | {k['p95_ms']} "
                f"| {k['p99_ms']} | {k['max_ms']} | {k['errors']} | {k['throttled_429']} "
                f"| {codes} |"
            )
    lines += [
        "",
        f"Floor, same run and SecantusDB: raw pymongo heartbeat upserts, 4 threads: "
        f"**{floor['raw_pymongo_upserts_per_s']}/s** (no HTTP, no app).",
        "CPU: % of one core from /proc utime+stime over the measured window (200% = both "
        "cores); gunicorn = master + workers; Redis = the whole redis-server process (other "
        "databases on it included); machine busy = all processes, % of all cores. Flush lag: "
        "age of the oldest beat not yet in MongoDB, sampled every 0.5 s in the window.",
    ]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet (a fresh
    machine has only `postgres`)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created PostgreSQL database {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", default="1000,2000,3000,9000", help="comma-separated levels")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds/level")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds before measuring")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--drivers", type=int, default=2, help="driver processes sharing the learners"
    )
    args = parser.parse_args()
    levels = [int(value) for value in args.learners.split(",")]
    if not levels or min(levels) < 1 or max(levels) > 10000:
        parser.error("--learners: 1..10000 each")
    if not 1 <= args.drivers <= 8:
        parser.error("--drivers: 1..8")
    if not 5 <= args.duration <= 600 or not 0 <= args.warmup <= 120:
        parser.error("--duration 5..600, --warmup 0..120")

    started = time.monotonic()
    print(
        f"load average at start: {os.getloadavg()}, cores: {os.cpu_count()}, "
        f"gunicorn: {os.environ.get('GUNICORN_WORKERS', '3')} workers x "
        f"{os.environ.get('GUNICORN_THREADS', '4')} threads (gunicorn.conf.py)"
    )
    children: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="ls-load-") as tmp_name:
        tmp = Path(tmp_name)
        mongo_port = mongo_server.free_port()
        env = {
            "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
            "SECRET_KEY": "bench-load-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ls_perf"
            ),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
            "MONGODB_URI": mongo_server.uri_for(mongo_port, "learnstream_load"),
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "INFO",
            "JWT_ACCESS_MINUTES": "120",  # pre-minted tokens must outlive the run
            "BENCH_STATIC_ROOT": str(tmp / "static"),
            "MUX_TOKEN_ID": "bench-token-id",
            "MUX_TOKEN_SECRET": "bench-token-secret",
            "MUX_WEBHOOK_SECRET": "bench-webhook-secret",
        }
        try:
            mongo = mongo_server.start(mongo_port, ":memory:", log_path=tmp / "mongo.log")
            children.append(mongo)
            simulator, sim_port = start_simulator(tmp, env)
            children.append(simulator)
            env["MUX_API_HOST"] = f"http://127.0.0.1:{sim_port}"
            env["SITE_URL"] = "http://127.0.0.1"
            os.environ.update(env)

            import django

            django.setup()
            from django.core.cache import cache
            from django.core.management import call_command

            from playback import mux_client

            key = mux_client.signing_key_create()
            env["MUX_SIGNING_KEY_ID"], env["MUX_SIGNING_PRIVATE_KEY"] = key.id, key.private_key
            ensure_database(env["DATABASE_URL"])
            call_command("migrate", verbosity=0)
            call_command("flush", interactive=False, verbosity=0)
            call_command("mongo_indexes", verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            cache.clear()
            global REDIS_PID
            REDIS_PID = redis_pid()
            data = seed(max(levels))
            print(f"seeded in {time.monotonic() - started:.0f} s")
            floor = raw_upsert_floor()
            print(json.dumps(floor))

            port = mongo_server.free_port()
            app = start_gunicorn(port, env, tmp / "gunicorn.log")
            children.append(app)
            base = f"http://127.0.0.1:{port}"
            results = []
            for learners in levels:
                result = run_level(base, data, learners, args, (app.pid, mongo.pid))
                print(json.dumps(result))
                results.append(result)
            print()
            print(markdown(results, floor))
            if args.json:
                args.json.write_text(
                    json.dumps(
                        {"levels": results, "floor": floor, "args": vars(args)},
                        indent=1,
                        default=str,
                    )
                )
        finally:
            for child in reversed(children):
                stop(child)
    print(f"total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
