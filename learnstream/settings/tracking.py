"""Settings of the `tracking` app (imported by base).

The heartbeat limit itself is `RATE_LIMITS["heartbeat"]` (one accepted beat per N seconds) and
the completion threshold `PROGRESS_COMPLETION_THRESHOLD`, both in base.
"""

from learnstream.settings.env import env

# Coverage is kept as fixed buckets of 1% of the duration (the contract allows at most 1%).
PROGRESS_BUCKETS = 100
# A lesson's first beat may claim this much played time without any earlier request.
PROGRESS_FIRST_BEAT_MAX_SPAN_S = env.float("PROGRESS_FIRST_BEAT_MAX_SPAN_S", default=15.0)
# Later beats: span <= MAX_PLAYBACK_RATE x wall time since the previous accepted beat + SLACK.
PROGRESS_MAX_PLAYBACK_RATE = env.float("PROGRESS_MAX_PLAYBACK_RATE", default=2.0)
PROGRESS_SPAN_SLACK_S = env.float("PROGRESS_SPAN_SLACK_S", default=3.0)
# The watch-time budget per learner and lesson, across every tab and device: media seconds
# credited in all <= wall seconds since the budget began x the lesson's max rate + this
# (tracking.budget).
PROGRESS_BUDGET_ALLOWANCE_S = env.float("PROGRESS_BUDGET_ALLOWANCE_S", default=15.0)
# Positions may exceed the known duration by this much (players round durations).
PROGRESS_DURATION_TOLERANCE_S = env.float("PROGRESS_DURATION_TOLERANCE_S", default=1.0)
# Resume from 0 when the last position is within this share of the end.
PROGRESS_RESUME_TAIL = 0.05
# Instructor analytics are cached this long (seconds).
TRACKING_ANALYTICS_CACHE_S = env.int("TRACKING_ANALYTICS_CACHE_S", default=60)
# Live progress in Redis (tracking.progress_buffer): beats are judged and merged there and
# written to MongoDB in batches every PROGRESS_FLUSH_INTERVAL_S seconds (0: every beat is
# written before it is answered). Without REDIS_URL beats go straight to MongoDB.
PROGRESS_LIVE_STATE = env.bool("PROGRESS_LIVE_STATE", default=True)
PROGRESS_FLUSH_INTERVAL_S = env.float("PROGRESS_FLUSH_INTERVAL_S", default=2.0)
PROGRESS_FLUSH_BATCH = env.int("PROGRESS_FLUSH_BATCH", default=500)
# A claimed batch not written within this time (its writer died) is handed to another flusher.
PROGRESS_FLUSH_CLAIM_TIMEOUT_S = env.float("PROGRESS_FLUSH_CLAIM_TIMEOUT_S", default=15.0)
# An idle live state expires after this long (it is re-read from MongoDB when needed).
PROGRESS_LIVE_STATE_TTL_S = env.int("PROGRESS_LIVE_STATE_TTL_S", default=86400)
# Viewing sessions: the playback request issues a view (signed, bound to learner + lesson)
# that heartbeats carry with a sequence number; a view is valid this long after issue.
PROGRESS_VIEW_TTL_S = env.int("PROGRESS_VIEW_TTL_S", default=6 * 3600)
# On: a heartbeat without a view is refused (400 view_required). Off: old clients keep
# working, their budget counted from their first beat.
PROGRESS_REQUIRE_VIEW = env.bool("PROGRESS_REQUIRE_VIEW", default=False)
# Offline viewing (tracking.offline_grants, tracking.offline_sync): a download's grant covers
# spans watched up to this long after it was issued.
PROGRESS_OFFLINE_GRANT_TTL_S = env.int("PROGRESS_OFFLINE_GRANT_TTL_S", default=72 * 3600)
