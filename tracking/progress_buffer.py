"""Live progress in Redis, written to MongoDB in batches.

A heartbeat is judged and merged by ONE Lua script against the learner's live state for the
lesson (a Redis hash), so the rules of `tracking.services` (rate limit, span rule, monotone
merges, completion once) run atomically for every app server sharing the Redis, and the
answer is built from that state without waiting on MongoDB. The script also marks the
(user, lesson) as changed in a sorted set scored by the time of its oldest unwritten beat.

A flusher in every app process (and `manage.py progress_flush` as a process of its own)
claims changed entries in batches — each claim moves them atomically from the changed set to
an in-flight set under a claim id — writes every claimed snapshot with one `bulk_write`, then
drops the claim. A claim whose writer died (kill -9, a lost machine) is handed back to the
changed set after `PROGRESS_FLUSH_CLAIM_TIMEOUT_S` and written by whichever flusher comes next,
so a change is never lost while Redis keeps it. Snapshots are whole states (totals, not
deltas) and are merged into the document order-safely: `$max` for furthest, watch time,
beats, coverage and the last beat time, `$setUnion` for buckets, the first completion time
kept, and the position taken only from a snapshot whose last beat is not older than the
stored one. Writing a snapshot twice, or an older one after a newer one, changes nothing.

MongoDB stays the source of truth: the state is seeded from the document the first time a
(user, lesson) is seen (or after it expired from Redis), and every read elsewhere (course
progress, analytics, CSV) reads MongoDB; the resume position reads the live state first
(`resume_fields`), the newest there is. A beat that completes a lesson is written
through before it is answered. The durability contract is in docs/OPERATIONS.md.

Keys share one hash tag, so on Redis Cluster the scripts' keys are on one slot.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from django.conf import settings
from django_redis import get_redis_connection
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tracking.documents import LessonProgress

if TYPE_CHECKING:
    from tracking.completion import CompletionRequirement

logger = logging.getLogger(__name__)

_PREFIX = "ls:{progress}:"
STATE_PREFIX = _PREFIX + "s:"
SEEN_PREFIX = _PREFIX + "seen:"
NOTHING_PREFIX = _PREFIX + "none:"
# How long "this learner has no progress on this lesson" is remembered for the resume read:
# far shorter than a live state, so only a progress document written while Redis was
# unreachable (beats then go to MongoDB directly) can outlast it, and for no longer than this.
NOTHING_SAVED_TTL_S = 300
DIRTY_KEY = _PREFIX + "dirty"
INFLIGHT_KEY = _PREFIX + "inflight"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# KEYS: state, dirty.  ARGV: now_ms (-1: Redis clock), gap_ms, first_ok (1/0), position,
# played_to, span, duration, first_bucket (-1: none), last_bucket, bucket_count,
# content_buckets, course_id, ttl_s, mark_dirty (1/0), member, buckets_needed, watch_needed
# (the completion requirement of `tracking.completion`), budget_rate, budget_allowance_s,
# budget_from_ms (the beat's view's issue time; -1: no view), seen tag ('': no view),
# seen_ttl_s.  KEYS[3]: the (user, lesson)'s seen (view, seq) tags.
_BEAT_SCRIPT = """
local h = KEYS[1]
if redis.call('EXISTS', h) == 0 then return {'miss'} end
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local f = redis.call('HMGET', h, 'last', 'pos', 'fur', 'wt', 'beats', 'cov', 'done',
  'started', 'bk', 'course', 'bst', 'dur')
local fmt = '%.17g'
-- A repeated (view, seq): answered from the state as it is, nothing changes.
if ARGV[21] ~= '' and redis.call('SISMEMBER', KEYS[3], ARGV[21]) == 1 then
  return {'dup', tostring(now), '0', f[2] or '0', f[3] or '0', f[6] or '0', f[4] or '0',
    f[7] or '', f[12] or '0', '0'}
end
local last = tonumber(f[1])
local gap = tonumber(ARGV[2])
local bound = now - gap
local ok
if ARGV[3] == '1' then
  ok = (last == nil) or (last <= bound)
else
  ok = (last ~= nil) and (last <= bound)
end
if not ok then return {'refused', f[1] or '', tostring(now)} end
local fur = math.max(tonumber(f[3]) or 0, tonumber(ARGV[5]))
local started = f[8] or ''
if started == '' then started = tostring(now) end
-- The watch-time budget (the rule of tracking.budget): media seconds credited in all
-- <= wall time since the budget began x max rate + one allowance, whatever the views, tabs
-- or claimed speed. It begins at the earliest view a beat has carried ('bst'), or at the
-- first beat for beats without a view.
local bst = f[11] or ''
local vfrom = tonumber(ARGV[20])
if vfrom >= 0 and (bst == '' or vfrom < tonumber(bst)) then bst = tostring(vfrom) end
local from = started
if bst ~= '' then from = bst end
local wt_old = tonumber(f[4]) or 0
local budget = (now - tonumber(from)) / 1000 * tonumber(ARGV[18]) + tonumber(ARGV[19])
local credit = math.min(tonumber(ARGV[6]), math.max(0, budget - wt_old))
local wt = wt_old + credit
local beats = (tonumber(f[5]) or 0) + 1
local n = tonumber(ARGV[10])
local bk = f[9]
if (not bk) or string.len(bk) ~= n then bk = string.rep('0', n) end
local first = tonumber(ARGV[8])
local lastb = tonumber(ARGV[9])
if first >= 0 then
  bk = string.sub(bk, 1, first) .. string.rep('1', lastb - first + 1) .. string.sub(bk, lastb + 2)
end
local _, nb = string.gsub(bk, '1', '')
local duration = tonumber(ARGV[7])
local cov = math.min(nb / n, wt / duration, 1.0)
cov = math.max(tonumber(f[6]) or 0, cov)
local done = f[7] or ''
local newly = 0
if done == '' then
  local _, played = string.gsub(string.sub(bk, 1, tonumber(ARGV[11])), '1', '')
  if played >= tonumber(ARGV[16]) and wt >= tonumber(ARGV[17]) then
    done = tostring(now); newly = 1
  end
end
local course = f[10] or ''
if course == '' then course = ARGV[12] end
redis.call('HSET', h, 'last', tostring(now), 'pos', string.format(fmt, tonumber(ARGV[4])),
  'fur', string.format(fmt, fur), 'wt', string.format(fmt, wt), 'beats', tostring(beats),
  'cov', string.format(fmt, cov), 'done', done, 'started', started, 'bk', bk,
  'course', course, 'dur', string.format(fmt, duration), 'upd', tostring(now), 'bst', bst)
redis.call('EXPIRE', h, tonumber(ARGV[13]))
if ARGV[21] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[21])
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[22]))
end
if ARGV[14] == '1' then redis.call('ZADD', KEYS[2], 'NX', now, ARGV[15]) end
return {'ok', tostring(now), tostring(newly), string.format(fmt, tonumber(ARGV[4])),
  string.format(fmt, fur), string.format(fmt, cov), string.format(fmt, wt), done,
  string.format(fmt, duration), string.format(fmt, credit)}
"""

# KEYS: state, nothing-saved mark.  ARGV: ttl_s, then field, value pairs.  Seeds only a
# state that is absent; the (user, lesson) is then no longer one with nothing saved.
_SEED_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
"""

# KEYS: dirty, inflight.  ARGV: now_ms (-1: Redis clock), batch, stale_ms, claim id,
# state prefix.
# Hands stale claims back, then claims up to `batch` changed entries with their snapshots.
_CLAIM_SCRIPT = """
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]))
for _, m in ipairs(stale) do
  redis.call('ZREM', KEYS[2], m)
  local member = string.match(m, '^(.-)|')
  if member then redis.call('ZADD', KEYS[1], 'NX', now - tonumber(ARGV[3]), member) end
end
local picked = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #picked, 2 do
  local member = picked[i]
  redis.call('ZREM', KEYS[1], member)
  local state = redis.call('HGETALL', ARGV[5] .. member)
  if #state > 0 then
    redis.call('ZADD', KEYS[2], now, member .. '|' .. ARGV[4])
    table.insert(out, {member, picked[i + 1], state})
  end
end
return out
"""

# KEYS: state, dirty, inflight.  ARGV: member.  Removes a state; returns its fields and
# whether a claim of it is still being written.
_EVICT_SCRIPT = """
local state = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local claimed = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if string.sub(m, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then claimed = 1 end
end
return {state, claimed}
"""

# KEYS: state, nothing-saved mark.  ARGV: ttl_s.  Marks a (user, lesson) without any saved
# progress, unless a live state appeared meanwhile (a first beat seeds one and drops the mark).
_NOTHING_SAVED_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[1]), 'NX')
return 1
"""

_scripts: dict[str, Any] = {}
_scripts_lock = threading.Lock()


def redis_client() -> Any:

    return get_redis_connection("default")


def enabled() -> bool:
    """Live state needs a shared Redis; without one (local memory cache) every beat goes
    straight to MongoDB."""
    return bool(settings.REDIS_URL) and settings.PROGRESS_LIVE_STATE


def _script(name: str, source: str) -> Any:
    with _scripts_lock:
        if name not in _scripts:
            _scripts[name] = redis_client().register_script(source)
        return _scripts[name]


def member_of(user_id: int, lesson_id: ObjectId) -> str:
    return f"{int(user_id)}:{lesson_id}"


@dataclass(frozen=True)
class Snapshot:
    """A whole live state of one (user, lesson), as written to MongoDB."""

    user_id: int
    lesson_id: ObjectId
    course_id: ObjectId | None
    position_s: float
    furthest_s: float
    watch_time_s: float
    beats: int
    coverage: float
    duration_s: float
    buckets: list[int]
    last_beat_at: datetime | None
    started_at: datetime | None
    updated_at: datetime | None
    completed_at: datetime | None
    # When the watch-time budget began (the earliest view a beat carried; None: no view).
    budget_started_at: datetime | None = None

    def state_document(self) -> dict[str, Any]:
        """What `tracking.selectors.progress_state_from_document` reads."""
        return {
            "position_s": self.position_s,
            "furthest_s": self.furthest_s,
            "coverage": self.coverage,
            "watch_time_s": self.watch_time_s,
            "completed_at": self.completed_at,
            "duration_s": self.duration_s,
        }


def _moment(text: str | bytes | None) -> datetime | None:
    if text in (None, "", b""):
        return None
    return datetime.fromtimestamp(int(text) / 1000, tz=UTC)  # type: ignore[arg-type]


def _ms(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return str(round(moment.timestamp() * 1000))


def snapshot_from_fields(member: str, fields: dict[str, str]) -> Snapshot:
    user_text, lesson_text = member.split(":", 1)
    bits = fields.get("bk", "")
    course = fields.get("course", "")
    return Snapshot(
        user_id=int(user_text),
        lesson_id=ObjectId(lesson_text),
        course_id=ObjectId(course) if course else None,
        position_s=float(fields.get("pos") or 0.0),
        furthest_s=float(fields.get("fur") or 0.0),
        watch_time_s=float(fields.get("wt") or 0.0),
        beats=int(fields.get("beats") or 0),
        coverage=float(fields.get("cov") or 0.0),
        duration_s=float(fields.get("dur") or 0.0),
        buckets=[index for index, bit in enumerate(bits) if bit == "1"],
        last_beat_at=_moment(fields.get("last")),
        started_at=_moment(fields.get("started")),
        updated_at=_moment(fields.get("upd")),
        completed_at=_moment(fields.get("done")),
        budget_started_at=_moment(fields.get("bst")),
    )


def _decode(pairs: list[Any] | dict[Any, Any]) -> dict[str, str]:
    if isinstance(pairs, dict):
        pairs = [item for pair in pairs.items() for item in pair]
    texts = [item.decode() if isinstance(item, bytes) else str(item) for item in pairs]
    return dict(zip(texts[::2], texts[1::2], strict=True))


def _seed_fields(document: dict[str, Any] | None) -> list[str]:
    """The live state of a stored document (or of none: an empty state)."""
    count = settings.PROGRESS_BUCKETS
    document = document or {}
    bits = ["0"] * count
    for index in document.get("buckets") or []:
        if 0 <= int(index) < count:
            bits[int(index)] = "1"
    course = document.get("course_id")
    values = {
        "pos": repr(float(document.get("position_s") or 0.0)),
        "fur": repr(float(document.get("furthest_s") or 0.0)),
        "wt": repr(float(document.get("watch_time_s") or 0.0)),
        "beats": str(int(document.get("beats") or 0)),
        "cov": repr(float(document.get("coverage") or 0.0)),
        "dur": repr(float(document.get("duration_s") or 0.0)),
        "bk": "".join(bits),
        "course": str(course) if course else "",
        "last": _ms(document.get("last_beat_at")),
        "started": _ms(document.get("started_at")),
        "upd": _ms(document.get("updated_at")),
        "done": _ms(document.get("completed_at")),
        "bst": _ms(document.get("budget_started_at")),
    }
    flat: list[str] = []
    for name, value in values.items():
        flat += [name, value]
    return flat


@dataclass(frozen=True)
class BeatOutcome:
    accepted: bool
    now: datetime
    # Accepted: the state after the beat (the fields a response needs) and whether this
    # beat completed the lesson.
    state: dict[str, Any] | None = None
    completed_now: bool = False
    # Refused: the last accepted beat's time (None: no beat yet).
    last_beat_at: datetime | None = None
    # A repeated (view, seq): `state` is the current one and nothing changed.
    duplicate: bool = False


def beat_apply(
    *,
    user_id: int,
    lesson_id: ObjectId,
    course_id: ObjectId,
    now: datetime | None,
    gap_s: float,
    first_beat_allowed: bool,
    position_s: float,
    played_to_s: float,
    span_s: float,
    duration_s: float,
    buckets: list[int],
    requirement: CompletionRequirement,
    budget_rate: float,
    budget_from: datetime | None = None,
    seen_tag: str | None = None,
) -> BeatOutcome:
    """Judge and merge one beat in Redis (seeding the state from MongoDB when absent)."""
    member = member_of(user_id, lesson_id)
    state_key = STATE_PREFIX + member
    args = [
        int(_ms(now)) if now is not None else -1,
        # Times are whole milliseconds: `now - last >= gap` holds exactly when it holds
        # for the gap rounded up to the millisecond (after timedelta's rounding to 1 us).
        math.ceil(round(gap_s * 1_000_000) / 1000),
        1 if first_beat_allowed else 0,
        repr(float(position_s)),
        repr(float(played_to_s)),
        repr(float(span_s)),
        repr(float(duration_s)),
        buckets[0] if buckets else -1,
        buckets[-1] if buckets else -1,
        settings.PROGRESS_BUCKETS,
        requirement.content_buckets,
        str(course_id),
        settings.PROGRESS_LIVE_STATE_TTL_S,
        1 if write_behind() else 0,
        member,
        requirement.buckets_needed,
        repr(float(requirement.watch_time_s)),
        repr(float(budget_rate)),
        repr(float(settings.PROGRESS_BUDGET_ALLOWANCE_S)),
        int(_ms(budget_from)) if budget_from is not None else -1,
        seen_tag or "",
        settings.PROGRESS_VIEW_TTL_S,
    ]
    beat = _script("beat", _BEAT_SCRIPT)
    for _attempt in range(2):
        reply = beat(keys=[state_key, DIRTY_KEY, SEEN_PREFIX + member], args=args)
        kind = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
        if kind == "miss":
            _seed(state_key, user_id=user_id, lesson_id=lesson_id)
            continue
        moment = _moment(reply[2] if kind == "refused" else reply[1])
        assert moment is not None
        if kind == "refused":
            return BeatOutcome(accepted=False, now=moment, last_beat_at=_moment(reply[1]))
        texts = [item.decode() if isinstance(item, bytes) else str(item) for item in reply]
        return BeatOutcome(
            accepted=kind == "ok",
            duplicate=kind == "dup",
            now=moment,
            state={
                "position_s": float(texts[3]),
                "furthest_s": float(texts[4]),
                "coverage": float(texts[5]),
                "watch_time_s": float(texts[6]),
                "completed_at": _moment(texts[7]),
                "duration_s": float(texts[8]),
                "last_credited_s": float(texts[9]),
            },
            completed_now=texts[2] == "1",
        )
    raise RuntimeError("progress state vanished twice while seeding")


def snapshot_read(*, user_id: int, lesson_id: ObjectId) -> Snapshot | None:
    member = member_of(user_id, lesson_id)
    fields = _decode(redis_client().hgetall(STATE_PREFIX + member))
    return snapshot_from_fields(member, fields) if fields else None


def resume_fields(*, user_id: int, lesson_id: ObjectId) -> dict[str, Any] | None:
    """What the resume position reads (`tracking.selectors`), in one round trip: the live
    state's position, duration and completion shaped as the document's fields; {} when the
    (user, lesson) is known to have no progress at all (`resume_nothing_saved`); None when
    neither is known here (MongoDB answers)."""
    member = member_of(user_id, lesson_id)
    pipe = redis_client().pipeline(transaction=False)
    pipe.hmget(STATE_PREFIX + member, "pos", "dur", "done")
    pipe.exists(NOTHING_PREFIX + member)
    (position, duration, done), nothing = pipe.execute()
    if position is not None:
        return {
            "position_s": float(position),
            "duration_s": float(duration or 0.0),
            "completed_at": _moment(done),
        }
    return {} if nothing else None


def resume_nothing_saved(*, user_id: int, lesson_id: ObjectId) -> None:
    """MongoDB has no progress of the learner on the lesson: remember it for a while, unless
    a live state appeared meanwhile. The first beat's seeding drops the mark."""
    member = member_of(user_id, lesson_id)
    _script("nothing-saved", _NOTHING_SAVED_SCRIPT)(
        keys=[STATE_PREFIX + member, NOTHING_PREFIX + member], args=[NOTHING_SAVED_TTL_S]
    )


def resume_mark_drop(*, user_id: int, lesson_id: ObjectId) -> None:
    """A progress document was written without a live state (an offline sync): the
    (user, lesson) is no longer one with nothing saved."""
    redis_client().delete(NOTHING_PREFIX + member_of(user_id, lesson_id))


def _seed(state_key: str, *, user_id: int, lesson_id: ObjectId) -> None:
    document = LessonProgress._get_collection().find_one(
        {"user_id": user_id, "lesson_id": lesson_id}
    )
    member = state_key[len(STATE_PREFIX) :]
    _script("seed", _SEED_SCRIPT)(
        keys=[state_key, NOTHING_PREFIX + member],
        args=[settings.PROGRESS_LIVE_STATE_TTL_S, *_seed_fields(document)],
    )


def write_behind() -> bool:
    """False (interval 0): every accepted beat is written to MongoDB before it is answered."""
    return settings.PROGRESS_FLUSH_INTERVAL_S > 0


# ---------------------------------------------------------------- writing to MongoDB


def _merge_update(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The order-safe merge of a whole snapshot into the stored document."""
    newer = {
        "$gte": [
            {"$literal": snapshot.last_beat_at or _EPOCH},
            {"$ifNull": ["$last_beat_at", _EPOCH]},
        ]
    }
    first: dict[str, Any] = {
        "position_s": {"$cond": [newer, snapshot.position_s, {"$ifNull": ["$position_s", 0.0]}]},
        "furthest_s": {"$max": [{"$ifNull": ["$furthest_s", 0.0]}, snapshot.furthest_s]},
        "buckets": {"$setUnion": [{"$ifNull": ["$buckets", []]}, {"$literal": snapshot.buckets}]},
        "watch_time_s": {"$max": [{"$ifNull": ["$watch_time_s", 0.0]}, snapshot.watch_time_s]},
        "beats": {"$max": [{"$ifNull": ["$beats", 0]}, snapshot.beats]},
        "duration_s": {"$cond": [newer, snapshot.duration_s, {"$ifNull": ["$duration_s", 0.0]}]},
        "last_beat_at": {"$max": ["$last_beat_at", {"$literal": snapshot.last_beat_at}]},
        "updated_at": {"$max": ["$updated_at", {"$literal": snapshot.updated_at}]},
        "started_at": {"$ifNull": ["$started_at", {"$literal": snapshot.started_at}]},
    }
    if snapshot.budget_started_at is not None:
        first["budget_started_at"] = {
            "$min": ["$budget_started_at", {"$literal": snapshot.budget_started_at}]
        }
    if snapshot.course_id is not None:
        first["course_id"] = {"$ifNull": ["$course_id", {"$literal": snapshot.course_id}]}
    return [
        {"$set": first},
        {"$set": {"coverage": {"$max": [{"$ifNull": ["$coverage", 0.0]}, snapshot.coverage]}}},
        {
            "$set": {
                "completed_at": {"$ifNull": ["$completed_at", {"$literal": snapshot.completed_at}]}
            }
        },
    ]


def _key(snapshot: Snapshot) -> dict[str, Any]:
    return {"user_id": snapshot.user_id, "lesson_id": snapshot.lesson_id}


def snapshot_write(snapshot: Snapshot) -> None:
    """Write one snapshot now (a completion, or every beat when there is no write-behind)."""
    collection = LessonProgress._get_collection()
    for attempt in range(2):
        try:
            collection.update_one(_key(snapshot), _merge_update(snapshot), upsert=True)
            return
        except DuplicateKeyError:  # a racing first write: the retry updates its document
            if attempt:
                raise


def snapshots_write(snapshots: list[Snapshot]) -> None:
    """One unordered bulk_write; writes that met a racing insert are retried one by one."""
    if not snapshots:
        return
    operations = [UpdateOne(_key(s), _merge_update(s), upsert=True) for s in snapshots]
    try:
        LessonProgress._get_collection().bulk_write(operations, ordered=False)
    except BulkWriteError as exc:
        failed = {error["index"] for error in exc.details.get("writeErrors", [])}
        for index in sorted(failed):
            snapshot_write(snapshots[index])


def flush_once(*, batch: int | None = None, now_ms: int | None = None) -> int:
    """Claim, write and release one batch of changed states; returns how many were written.
    A crash between the claim and the release leaves the claim to time out and be retried."""
    claim_id = uuid.uuid4().hex
    # The Redis server's clock times claims, as it times beats: one clock for all servers.
    moment = now_ms if now_ms is not None else -1
    claimed = _script("claim", _CLAIM_SCRIPT)(
        keys=[DIRTY_KEY, INFLIGHT_KEY],
        args=[
            moment,
            batch or settings.PROGRESS_FLUSH_BATCH,
            round(settings.PROGRESS_FLUSH_CLAIM_TIMEOUT_S * 1000),
            claim_id,
            STATE_PREFIX,
        ],
    )
    if not claimed:
        return 0
    members: list[str] = []
    snapshots: list[Snapshot] = []
    for member_raw, _score, fields in claimed:
        member = member_raw.decode() if isinstance(member_raw, bytes) else member_raw
        members.append(member)
        snapshots.append(snapshot_from_fields(member, _decode(fields)))
    snapshots_write(snapshots)
    redis_client().zrem(INFLIGHT_KEY, *[f"{member}|{claim_id}" for member in members])
    return len(snapshots)


def flush_all(*, batch: int | None = None) -> int:
    """Write every changed state (at shutdown, and in tests)."""
    total = 0
    while True:
        written = flush_once(batch=batch)
        total += written
        if not written:
            return total


def flush_lag_s(now: float | None = None) -> float:
    """Age of the oldest beat not yet in MongoDB (0 when everything is written), by the
    Redis server's clock; claims being written count from their claim."""
    client = redis_client()
    oldest = [
        score
        for key in (DIRTY_KEY, INFLIGHT_KEY)
        for _member, score in client.zrange(key, 0, 0, withscores=True)
    ]
    if not oldest:
        return 0.0
    if now is None:
        seconds, micros = client.time()
        now = seconds + micros / 1_000_000
    return max(0.0, now - min(oldest) / 1000)


def state_evict(*, user_id: int, lesson_id: ObjectId) -> tuple[Snapshot | None, bool]:
    """Remove a live state (before an explicit completion or a reset touches the document);
    returns its snapshot (None: there was none) and whether a flusher is writing it now."""
    member = member_of(user_id, lesson_id)
    fields_raw, claimed = _script("evict", _EVICT_SCRIPT)(
        keys=[STATE_PREFIX + member, DIRTY_KEY, INFLIGHT_KEY], args=[member]
    )
    fields = _decode(fields_raw)
    return (snapshot_from_fields(member, fields) if fields else None), bool(claimed)


def claims_pending(members: list[str]) -> bool:
    wanted = tuple(f"{member}|" for member in members)
    for raw in redis_client().zrange(INFLIGHT_KEY, 0, -1):
        text = raw.decode() if isinstance(raw, bytes) else raw
        if text.startswith(wanted):
            return True
    return False


def live_members_of_lesson(lesson_id: ObjectId) -> list[str]:
    """Every live state of one lesson (a SCAN over the progress states)."""
    pattern = f"{STATE_PREFIX}*:{lesson_id}"
    found = []
    for raw in redis_client().scan_iter(match=pattern, count=1000):
        text = raw.decode() if isinstance(raw, bytes) else raw
        found.append(text[len(STATE_PREFIX) :])
    return found


def live_members_of_user(user_id: int) -> list[str]:
    """Every live state of one learner (a SCAN over the learner's keys)."""
    pattern = f"{STATE_PREFIX}{int(user_id)}:*"
    found = []
    for raw in redis_client().scan_iter(match=pattern, count=500):
        text = raw.decode() if isinstance(raw, bytes) else raw
        found.append(text[len(STATE_PREFIX) :])
    return found


# ---------------------------------------------------------------- the flusher thread


class _Flusher:
    """One daemon thread per process: writes changed states every interval, and all of them
    at interpreter exit (a graceful worker stop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()

    def ensure_running(self) -> None:
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="progress-flusher", daemon=True)
            self._thread.start()

            atexit.register(self.stop)

    def _run(self) -> None:
        interval = float(settings.PROGRESS_FLUSH_INTERVAL_S)
        while not self._stop.wait(interval):
            try:
                flush_all()
            except Exception:  # an outage: retried next interval, nothing is dropped
                logger.warning("progress flush failed; retrying", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        try:
            flush_all()
        except Exception:
            logger.warning("progress flush at exit failed", exc_info=True)


flusher = _Flusher()
