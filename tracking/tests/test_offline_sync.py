"""Offline sync through the API (POST /api/v1/progress/sync) with real Postgres, Redis,
SecantusDB and the Mux simulator (for the online playback it shares a budget with), on both
heartbeat paths. Time is a controllable clock handed to the services' `now`.

Attacks end with 0 false completions and nothing half-written; honest offline viewing
completes at the threshold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import enrollment_create
from devtools.clients import client_for
from tracking import events
from tracking.documents import OfflineSyncBatch
from tracking.offline_grants import offline_grant_issue
from tracking.services import progress_reset
from tracking.tests.helpers import LESSON_DURATION_S, Clock, raw_progress

pytestmark = pytest.mark.django_db

DURATION = LESSON_DURATION_S
ALLOWANCE = 15.0
RATE = 2.0


@pytest.fixture
def completions():
    seen: list[events.LessonCompleted] = []
    events.lesson_completed_listener_register("offline-sync-test", seen.append)
    yield seen
    events._listeners.pop("offline-sync-test", None)


def at(clock: Clock, seconds: float) -> str:
    """An ISO time `seconds` after the clock's start."""
    return (Clock().now + timedelta(seconds=seconds)).isoformat()


def grant_for(user, lesson_id: str, clock: Clock) -> str:
    return offline_grant_issue(user_id=user.id, lesson_id=lesson_id, now=clock.now).id


def spans(*triples: tuple[float, float, float], clock: Clock) -> list[dict]:
    return [{"from_s": f, "to_s": t, "watched_at": at(clock, w)} for f, t, w in triples]


def sync(user, items: list[dict], batch_id: str = "batch-1", device_id: str = "phone-1"):
    body = {"device_id": device_id, "batch_id": batch_id, "items": items}
    return client_for(user).post("/api/v1/progress/sync", body, format="json")


def beat(user, lesson_id: str, view: dict, seq: int, frm: float, to: float):
    body = {
        "position_s": to,
        "duration_s": DURATION,
        "played_from_s": frm,
        "played_to_s": to,
        "view_id": view["id"],
        "seq": seq,
    }
    return client_for(user).post(f"/api/v1/lessons/{lesson_id}/progress", body, format="json")


def playback_view(user, lesson_id: str) -> dict:
    answer = client_for(user).get(f"/api/v1/lessons/{lesson_id}/playback")
    assert answer.status_code == 200, answer.content
    return answer.json()["view"]


def batches() -> list[dict]:
    return list(OfflineSyncBatch._get_collection().find({}, {"_id": False}))


def completed_documents() -> int:
    return sum(1 for document in raw_progress() if document.get("completed_at") is not None)


# ---------------------------------------------------------------- the honest device


def test_a_sync_applies_spans_position_and_is_recorded(path, clock, learner, course_lessons):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(60)
    item = {
        "lesson_id": lesson_id,
        "grant_id": grant,
        "spans": spans((0, 20, 22), (20, 50, 55), clock=clock),
        "position_s": 50,
        "position_at": at(clock, 55),
    }

    answer = sync(learner, [item])

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["batch_id"], body["device_id"], body["replayed"]) == ("batch-1", "phone-1", False)
    [result] = body["items"]
    assert (result["claimed_s"], result["credited_s"], result["position_applied"]) == (50, 50, True)
    assert result["progress"] == {
        "position_s": 50.0,
        "furthest_s": 50.0,
        "coverage": 0.5,
        "watch_time_s": 50.0,
        "completed": False,
        "completed_at": None,
        "duration_s": 100.0,
        "credited_s": 50.0,
    }
    [document] = raw_progress()
    assert (document["user_id"], str(document["lesson_id"])) == (learner.id, lesson_id)
    assert (document["watch_time_s"], document["position_s"], len(document["buckets"])) == (
        50.0,
        50.0,
        50,
    )
    [record] = batches()
    assert (record["user_id"], record["batch_id"], record["state"]) == (
        learner.id,
        "batch-1",
        "applied",
    )


@pytest.mark.parametrize("speed", [1.0, 2.0])
def test_honest_offline_viewing_completes_and_emits_the_completion(
    path, clock, learner, course_lessons, completions, speed
):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    step = 10 / speed  # wall seconds per 10 media seconds
    played = [(float(k * 10), float(k * 10 + 10), 5 + (k + 1) * step) for k in range(10)]
    clock.advance(5 + 10 * step + 30)

    answer = sync(
        learner, [{"lesson_id": lesson_id, "grant_id": grant, "spans": spans(*played, clock=clock)}]
    )

    assert answer.status_code == 200, answer.content
    progress = answer.json()["items"][0]["progress"]
    assert (progress["completed"], progress["watch_time_s"], progress["coverage"]) == (
        True,
        100.0,
        1.0,
    )
    assert completed_documents() == 1
    assert [(e.user_id, e.lesson_id) for e in completions] == [(learner.id, lesson_id)]


def test_the_live_state_and_the_document_agree_after_a_sync(
    clock, learner, course_lessons, settings
):
    settings.PROGRESS_LIVE_STATE = True
    lesson_id = course_lessons[1][0]
    view = playback_view(learner, lesson_id)
    clock.advance(10)
    assert beat(learner, lesson_id, view, 1, 0, 10).status_code == 200  # held in Redis
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(40)
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans((10, 40, 45), clock=clock)}
    assert sync(learner, [item]).status_code == 200
    [document] = raw_progress()
    assert document["watch_time_s"] == 40.0  # the online beat and the offline span

    clock.advance(5)
    online = beat(learner, lesson_id, view, 2, 40, 45)

    assert online.status_code == 200, online.content
    assert (online.json()["watch_time_s"], online.json()["coverage"]) == (45.0, 0.45)


# ---------------------------------------------------------------- idempotency


def test_a_resent_batch_changes_nothing_even_after_a_reset(
    path, clock, learner, course_lessons, instructor, completions
):
    course, lesson_ids = course_lessons
    grant = grant_for(learner, lesson_ids[0], clock)
    clock.advance(300)
    played = [(float(k * 10), float(k * 10 + 10), (k + 1) * 10) for k in range(10)]
    items = [{"lesson_id": lesson_ids[0], "grant_id": grant, "spans": spans(*played, clock=clock)}]
    first = sync(learner, items)
    assert first.status_code == 200, first.content
    stored = raw_progress()

    clock.advance(5)
    again = sync(learner, items)

    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert raw_progress() == stored
    assert len(completions) == 1

    progress_reset(actor_id=instructor.id, course_id=course.id, user_id=learner.id)
    assert raw_progress() == []
    after_reset = sync(learner, items)
    assert after_reset.status_code == 200
    assert after_reset.json() == {**first.json(), "replayed": True}
    assert raw_progress() == []  # no credit recreated
    assert len(completions) == 1


def test_a_batch_id_reused_for_other_content_is_409_and_changes_nothing(
    path, clock, learner, course_lessons
):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(60)
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans((0, 20, 30), clock=clock)}
    assert sync(learner, [item]).status_code == 200
    stored = raw_progress()

    other = {**item, "spans": spans((0, 40, 30), clock=clock)}
    answer = sync(learner, [other])

    assert (answer.status_code, answer.json()["code"]) == (409, "batch_conflict")
    assert raw_progress() == stored


def test_more_batches_than_the_limit_are_429_and_write_nothing(
    path, clock, learner, course_lessons, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "progress_sync": (2, 60)}
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(60)
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans((0, 20, 30), clock=clock)}
    assert sync(learner, [item], batch_id="b-1").status_code == 200
    assert sync(learner, [item], batch_id="b-1").status_code == 200  # a retry counts too
    stored, recorded = raw_progress(), batches()

    refused = sync(learner, [{**item, "spans": spans((20, 40, 50), clock=clock)}], "b-2")

    assert (refused.status_code, refused.json()["code"]) == (429, "throttled")
    assert int(refused["Retry-After"]) > 0
    assert raw_progress() == stored and batches() == recorded


def test_batch_ids_are_per_learner(clock, course_lessons, learner, settings):
    settings.PROGRESS_LIVE_STATE = False
    lesson_id = course_lessons[1][0]
    other = UserFactory(role="student")
    enrollment_create(user=other, course=course_lessons[0])
    mine, theirs = grant_for(learner, lesson_id, clock), grant_for(other, lesson_id, clock)
    clock.advance(60)
    for user, grant in ((learner, mine), (other, theirs)):
        item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans((0, 30, 40), clock=clock)}
        answer = sync(user, [item], batch_id="same-id")
        assert (answer.status_code, answer.json()["replayed"]) == (200, False)
    assert sorted(d["user_id"] for d in raw_progress()) == sorted([learner.id, other.id])


# ---------------------------------------------------------------- the budget


def test_spans_beyond_the_wall_time_since_the_grant_are_credited_only_up_to_the_budget(
    path, clock, learner, course_lessons, completions
):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(30)
    # The whole lesson "watched" 30 s after the download.
    item = {
        "lesson_id": lesson_id,
        "grant_id": grant,
        "spans": spans((0, 50, 10), (50, 100, 30), clock=clock),
    }

    answer = sync(learner, [item])

    assert answer.status_code == 200, answer.content
    result = answer.json()["items"][0]
    # At 10 s the budget allows 10 x 2 + 15 = 35; at 30 s, 75 in all.
    assert (result["claimed_s"], result["credited_s"]) == (100, 30 * RATE + ALLOWANCE)
    assert result["progress"]["coverage"] == 0.75
    assert result["progress"]["completed"] is False
    assert completed_documents() == 0
    assert completions == []


def test_the_budget_is_shared_with_online_viewing_of_the_lesson(
    path, clock, learner, course_lessons
):
    lesson_id = course_lessons[1][0]
    view = playback_view(learner, lesson_id)  # the budget begins here (T0)
    for seq in range(1, 6):  # 40 s online at 2x in 20 s
        clock.advance(4)
        assert beat(learner, lesson_id, view, seq, (seq - 1) * 8, seq * 8).status_code == 200
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(20)
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans((40, 100, 30), clock=clock)}

    answer = sync(learner, [item])

    assert answer.status_code == 200, answer.content
    # Watched 30 s after the view: 30 x 2 + 15 = 75 in all, 40 of them credited online.
    assert answer.json()["items"][0]["credited_s"] == 35.0
    assert answer.json()["items"][0]["progress"]["watch_time_s"] == 75.0
    assert completed_documents() == 0


def test_duplicated_spans_in_one_batch_count_once(path, clock, learner, course_lessons):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(3600)  # plenty of budget: only the dedupe holds the credit back
    same = (0.0, 30.0, 40.0)
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans(*[same] * 20, clock=clock)}

    answer = sync(learner, [item])

    assert answer.status_code == 200, answer.content
    result = answer.json()["items"][0]
    assert (result["claimed_s"], result["credited_s"]) == (30.0, 30.0)
    assert raw_progress()[0]["watch_time_s"] == 30.0


def test_one_span_replayed_at_many_moments_never_completes(path, clock, learner, course_lessons):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(3600)
    repeats = [(0.0, 30.0, 40.0 + k) for k in range(20)]
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans(*repeats, clock=clock)}

    answer = sync(learner, [item])

    assert answer.status_code == 200, answer.content
    progress = answer.json()["items"][0]["progress"]
    assert progress["coverage"] == 0.3  # only what was played is covered
    assert progress["completed"] is False
    assert completed_documents() == 0


# ---------------------------------------------------------------- grants


def _refused(answer, status: int, code: str, place: str) -> None:
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["code"] == code
    assert place in body["errors"], body
    assert body["detail"].startswith(place)
    assert raw_progress() == []
    assert batches() == []


def test_a_forged_grant_is_403_and_writes_nothing(path, clock, learner, course_lessons):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(60)
    forged = grant[:-2] + ("00" if not grant.endswith("00") else "11")
    item = {"lesson_id": lesson_id, "grant_id": forged, "spans": spans((0, 20, 30), clock=clock)}
    _refused(sync(learner, [item]), 403, "grant_invalid", "items.0.grant_id")


def test_another_learners_grant_or_another_lessons_is_403(path, clock, learner, course_lessons):
    course, lesson_ids = course_lessons
    other = UserFactory(role="student")
    enrollment_create(user=other, course=course)
    theirs = grant_for(other, lesson_ids[1], clock)
    other_lesson = grant_for(learner, lesson_ids[0], clock)
    clock.advance(60)
    for grant in (theirs, other_lesson):
        item = {
            "lesson_id": lesson_ids[1],
            "grant_id": grant,
            "spans": spans((0, 20, 30), clock=clock),
        }
        _refused(sync(learner, [item]), 403, "grant_invalid", "items.0.grant_id")


def test_spans_watched_after_the_grant_expired_are_403(
    path, clock, learner, course_lessons, settings
):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    ttl = settings.PROGRESS_OFFLINE_GRANT_TTL_S
    clock.advance(ttl + 120)
    item = {
        "lesson_id": lesson_id,
        "grant_id": grant,
        "spans": spans((0, 20, ttl - 60), (20, 40, ttl + 60), clock=clock),
    }
    _refused(sync(learner, [item]), 403, "grant_expired", "items.0.spans.1.watched_at")

    # Watched before the grant expired, synced after: credited.
    item["spans"] = item["spans"][:1]
    answer = sync(learner, [item], batch_id="batch-2")
    assert answer.status_code == 200, answer.content
    assert answer.json()["items"][0]["credited_s"] == 20.0


def test_a_learner_who_may_no_longer_watch_is_refused(clock, course_lessons, settings):
    settings.PROGRESS_LIVE_STATE = False
    stranger = UserFactory(role="student")  # never enrolled
    lesson_id = course_lessons[1][0]
    grant = grant_for(stranger, lesson_id, clock)
    clock.advance(60)
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans((0, 20, 30), clock=clock)}
    _refused(sync(stranger, [item]), 403, "permission_denied", "items.0.lesson_id")


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("span", "place"),
    [
        ({"from_s": 20, "to_s": 20}, "items.1.spans.0.to_s"),
        ({"from_s": 30, "to_s": 10}, "items.1.spans.0.to_s"),
        ({"from_s": 0, "to_s": DURATION + 5}, "items.1.spans.0.to_s"),
        ({"from_s": -1, "to_s": 10}, "items.1.spans.0.from_s"),
        ({"watched_at_s": 120}, "items.1.spans.0.watched_at"),  # in the future
        ({"watched_at_s": -10}, "items.1.spans.0.watched_at"),  # before the grant
        ({"watched_at": "2025-03-01T12:00:30"}, "items.1.spans.0.watched_at"),  # no time zone
        ({"from_s": "0"}, "items.1.spans.0.from_s"),
    ],
)
def test_an_invalid_span_is_400_naming_it_and_nothing_of_the_batch_is_written(
    path, clock, learner, course_lessons, span, place
):
    lesson_ids = course_lessons[1]
    grants = [grant_for(learner, lesson_id, clock) for lesson_id in lesson_ids]
    clock.advance(60)
    bad = {"from_s": 0, "to_s": 10, "watched_at": at(clock, 30)}
    span = dict(span)  # the parameter is shared by both paths
    if "watched_at_s" in span:
        bad["watched_at"] = at(clock, span.pop("watched_at_s"))
    bad.update(span)
    items = [
        {
            "lesson_id": lesson_ids[0],
            "grant_id": grants[0],
            "spans": spans((0, 20, 30), clock=clock),
        },
        {"lesson_id": lesson_ids[1], "grant_id": grants[1], "spans": [bad]},
    ]
    _refused(sync(learner, items), 400, "validation_error", place)


@pytest.mark.parametrize(
    ("body", "place"),
    [
        ({"device_id": "d", "batch_id": "b", "items": []}, "items"),
        ({"device_id": "", "batch_id": "b", "items": [{}]}, "device_id"),
        ({"device_id": "d", "batch_id": "b\n", "items": [{}]}, "batch_id"),
        ({"device_id": "d", "batch_id": "b", "items": [{"lesson_id": "x"}]}, "items.0.lesson_id"),
        ([], "body"),
    ],
)
def test_a_malformed_batch_is_400(learner, body, place):
    answer = client_for(learner).post("/api/v1/progress/sync", body, format="json")
    _refused(answer, 400, "validation_error", place)


def test_the_same_lesson_twice_in_a_batch_is_400(clock, learner, course_lessons):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    clock.advance(60)
    item = {"lesson_id": lesson_id, "grant_id": grant, "spans": spans((0, 20, 30), clock=clock)}
    _refused(sync(learner, [item, item]), 400, "validation_error", "items.1.lesson_id")


def test_sync_needs_a_sign_in():
    answer = client_for(None).post(
        "/api/v1/progress/sync", {"device_id": "d", "batch_id": "b", "items": []}, format="json"
    )
    assert answer.status_code == 401


# ---------------------------------------------------------------- position


def test_a_stale_offline_position_does_not_replace_a_newer_one(
    path, clock, learner, course_lessons
):
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)  # the download, then watching online
    view = playback_view(learner, lesson_id)
    clock.advance(40)
    assert beat(learner, lesson_id, view, 1, 0, 10).status_code == 200
    clock.advance(10)
    assert beat(learner, lesson_id, view, 2, 10, 30).status_code == 200  # at 30 s, at T0+50
    clock.advance(60)
    stale = {
        "lesson_id": lesson_id,
        "grant_id": grant,
        "spans": spans((0, 5, 20), clock=clock),
        "position_s": 0,
        "position_at": at(clock, 20),  # an old device's "0:00", before the online beats
    }

    answer = sync(learner, [stale])

    assert answer.status_code == 200, answer.content
    result = answer.json()["items"][0]
    assert result["position_applied"] is False
    assert result["progress"]["position_s"] == 30.0
    assert raw_progress()[0]["position_s"] == 30.0

    newer = {**stale, "spans": [], "position_s": 70, "position_at": at(clock, 100)}
    answer = sync(learner, [newer], batch_id="batch-2")
    assert answer.json()["items"][0]["position_applied"] is True
    assert raw_progress()[0]["position_s"] == 70.0
    older = {**newer, "position_s": 12, "position_at": at(clock, 90)}
    answer = sync(learner, [older], batch_id="batch-3")
    assert answer.json()["items"][0]["position_applied"] is False
    assert raw_progress()[0]["position_s"] == 70.0


def test_the_player_resumes_where_the_offline_viewing_stopped(
    clock, learner, course_lessons, settings
):
    settings.PROGRESS_LIVE_STATE = True
    lesson_id = course_lessons[1][0]
    grant = grant_for(learner, lesson_id, clock)
    client = client_for(learner)
    # Nothing saved yet: the resume read remembers that in Redis.
    assert client.get(f"/api/v1/lessons/{lesson_id}/playback").json()["resume_position_s"] == 0.0
    clock.advance(60)
    item = {
        "lesson_id": lesson_id,
        "grant_id": grant,
        "spans": spans((0, 40, 45), clock=clock),
        "position_s": 40,
        "position_at": at(clock, 45),
    }
    assert sync(learner, [item]).status_code == 200

    playback = client.get(f"/api/v1/lessons/{lesson_id}/playback")

    assert playback.json()["resume_position_s"] == 40.0
