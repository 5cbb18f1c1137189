"""Captions end to end with nothing faked: the real SDK asks the simulator to fetch the caption
file from the app (a live server), the simulator's signed track webhooks turn it ready, and
the signed WebVTT and the HLS subtitle rendition serve it."""

from __future__ import annotations

import io
import time

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.documents import Lesson
from catalog.services import course_archive, enrollment_create
from catalog.tests.factories import published_course
from devtools.clients import client_for
from devtools.fixtures import WEBHOOK_SECRET
from learnstream.audit import AuditEntry
from playback import mux_client
from playback.captions_documents import Caption
from playback.tests.helpers import deliver, event, ready_generation, set_video

SRT = (
    "1\n00:00:00,200 --> 00:00:00,900\nWelcome to the café lesson\n\n"
    "2\n00:00:01,000 --> 00:00:01,800\nPhotosynthesis turns light into sugar\n"
)


def upload(client: APIClient, lesson_id: str, content: bytes, **fields):
    data = {
        "file": SimpleUploadedFile("captions.srt", content),
        "language": "en",
        "label": "English",
        "closed_captions": "true",
        **fields,
    }
    return client.post(
        f"/api/v1/instructor/lessons/{lesson_id}/captions", data=data, format="multipart"
    )


def run_command(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def wait_caption(client: APIClient, lesson_id: str, state: str, timeout_s: float = 20) -> dict:
    deadline = time.monotonic() + timeout_s
    body: list = []
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/instructor/lessons/{lesson_id}/captions").json()
        if body and body[0]["state"] == state:
            return body[0]
        time.sleep(0.1)
    raise AssertionError(f"caption never became {state}: {body}")


@pytest.fixture
def world(mux_sim, ready_assets, live_server, settings):
    """A published course whose first lesson plays simulator asset A; webhooks reach the
    live server and Mux fetches caption files from it. Asset A is shared by the whole
    session: text tracks other tests left on it are deleted first (webhooks still off)."""
    for track in mux_sim.asset(ready_assets[0]["id"])["tracks"]:
        if track["type"] == "text":
            mux_client.text_track_delete(asset_id=ready_assets[0]["id"], track_id=track["id"])
    settings.SITE_URL = live_server.url
    mux_sim.configure(webhook_url=f"{live_server.url}/webhooks/mux")
    instructor = UserFactory(role="instructor")
    course = published_course(owner=instructor, lessons=2, preview_first=True)
    lessons = list(Lesson.objects(course_id=course.id).order_by("position"))
    set_video(lessons[1], current=ready_generation(ready_assets[0]))
    return {"instructor": instructor, "course": course, "lesson": lessons[1], "sim": mux_sim}


@pytest.mark.django_db(transaction=True)
def test_srt_upload_becomes_ready_and_plays_as_webvtt_and_hls(world, ready_assets):
    teacher = client_for(world["instructor"])
    lesson_id = str(world["lesson"].id)

    created = upload(teacher, lesson_id, SRT.encode())
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("language", "label", "source", "state", "reviewed")} == {
        "language": "en",
        "label": "English",
        "source": "uploaded",
        "state": "processing",
        "reviewed": False,
    }
    ready = wait_caption(teacher, lesson_id, "ready")
    assert ready["error"] is None and ready["serving"] is True
    delivered = {e["type"] for e in world["sim"].webhooks() if e["state"] == "delivered"}
    assert {"video.asset.track.created", "video.asset.track.ready"} <= delivered

    student = UserFactory(role="student")
    enrollment_create(user=student, course=world["course"])
    playback = client_for(student).get(f"/api/v1/lessons/{lesson_id}/playback").json()
    assert [
        {k: c[k] for k in ("id", "language", "label", "closed_captions")}
        for c in playback["captions"]
    ] == [{"id": body["id"], "language": "en", "label": "English", "closed_captions": True}]
    vtt = requests.get(playback["captions"][0]["url"], timeout=10)
    assert vtt.status_code == 200
    assert vtt.headers["Content-Type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT")
    assert "00:00:01.000 --> 00:00:01.800\nPhotosynthesis turns light into sugar" in vtt.text
    # Without the token the track is refused, like the stream.
    unsigned = playback["captions"][0]["url"].split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code == 403

    master = requests.get(playback["stream_url"], timeout=10).text
    media = next(line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:"))
    assert "TYPE=SUBTITLES" in media and 'LANGUAGE="en"' in media and 'NAME="English"' in media
    assert 'SUBTITLES="subs"' in master
    uri = media.split('URI="')[1].rstrip('"')
    subtitle_playlist = requests.get(
        requests.compat.urljoin(playback["stream_url"], uri), timeout=10
    )
    assert subtitle_playlist.status_code == 200
    vtt_uri = next(
        line for line in subtitle_playlist.text.splitlines() if line and not line.startswith("#")
    )
    segment = requests.get(requests.compat.urljoin(subtitle_playlist.url, vtt_uri), timeout=10)
    assert "Photosynthesis" in segment.text

    transcript = client_for(student).get(f"/api/v1/lessons/{lesson_id}/transcript?language=en")
    assert transcript.json() == {
        "language": "en",
        "cues": [
            {"start_s": 0.2, "end_s": 0.9, "text": "Welcome to the café lesson"},
            {"start_s": 1.0, "end_s": 1.8, "text": "Photosynthesis turns light into sugar"},
        ],
    }
    found = client_for(student).get(
        f"/api/v1/courses/{world['course'].slug}/search?q=PHOTOSYNTHESIS light"
    )
    assert found.json() == {
        "results": [
            {
                "lesson_id": lesson_id,
                "lesson_title": world["lesson"].title,
                "start_s": 1.0,
                "text": "Photosynthesis turns light into sugar",
            }
        ]
    }
    accents = client_for(student).get(f"/api/v1/courses/{world['course'].slug}/search?q=CAFE")
    assert [r["start_s"] for r in accents.json()["results"]] == [0.2]

    # Deleting removes the track at Mux and the caption here.
    deleted = teacher.delete(f"/api/v1/instructor/lessons/{lesson_id}/captions/{body['id']}")
    assert deleted.status_code == 204
    asset = world["sim"].asset(ready_assets[0]["id"])
    assert [t for t in asset["tracks"] if t["type"] == "text"] == []
    assert Caption.objects.count() == 0
    actions = [e.action for e in AuditEntry.objects(target_id=lesson_id).order_by("at")]
    assert actions == ["caption.upload", "caption.delete"]


@pytest.mark.django_db(transaction=True)
def test_edit_replaces_the_track_once_ready_and_old_serves_meanwhile(world, ready_assets):
    teacher = client_for(world["instructor"])
    lesson_id = str(world["lesson"].id)
    caption_id = upload(teacher, lesson_id, SRT.encode()).json()["id"]
    wait_caption(teacher, lesson_id, "ready")
    old_track = Caption.objects.get(id=caption_id).current.track_id

    world["sim"].configure(deliver_webhooks=False)  # hold the new track's events back
    edited = teacher.put(
        f"/api/v1/instructor/lessons/{lesson_id}/captions/{caption_id}",
        {"vtt": "WEBVTT\n\n00:00.100 --> 00:00.500\nEdited line\n", "reviewed": True},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["state"] == "processing" and edited.json()["reviewed"] is True
    assert edited.json()["vtt"] == "WEBVTT\n\n00:00:00.100 --> 00:00:00.500\nEdited line\n"
    # Students still get the old version.
    assert Caption.objects.get(id=caption_id).current.track_id == old_track

    # The new track's webhooks were lost: maintenance asks Mux and repairs it.
    world["sim"].configure(deliver_webhooks=True)
    from django.core.management import call_command

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        call_command("reconcile_videos", minutes=0)
        if Caption.objects.get(id=caption_id).pending is None:
            break
        time.sleep(0.2)
    caption = Caption.objects.get(id=caption_id)
    assert caption.current.track_id != old_track
    assert "Edited line" in caption.current.vtt
    asset = world["sim"].asset(ready_assets[0]["id"])
    assert [t["id"] for t in asset["tracks"] if t["type"] == "text"] == [caption.current.track_id]
    teacher.delete(f"/api/v1/instructor/lessons/{lesson_id}/captions/{caption_id}")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"1\n00:00:01,000 --> 00:00:xx,000\nBad\n", "Line 2: cannot read the cue times"),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nBackwards\n", "Line 3: the cue ends before"),
        (
            b"WEBVTT\n\n00:00:01.000 --> 00:00:01.500\nA\n\n00:00:00.500 --> 00:00:00.900\nB\n",
            "Line 6: the cue starts before the previous cue",
        ),
        (b"WEBVTT\n\n00:00:01.000 --> 00:01:00.000\nToo long\n", "Line 3: the cue ends after"),
        (b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nCaf\xe9\n", "Line 4: the file is not UTF-8"),
        (b"WEBVTT\n" + b"x" * (1024 * 1024), "larger than 1024 KiB"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_malformed_captions_are_refused_and_nothing_reaches_mux(
    world, ready_assets, content, problem
):
    teacher = client_for(world["instructor"])
    before = len(world["sim"].webhooks())
    response = upload(teacher, str(world["lesson"].id), content)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"
    assert problem in response.json()["detail"]
    assert Caption.objects.count() == 0
    asset = world["sim"].asset(ready_assets[0]["id"])
    assert [t for t in asset["tracks"] if t["type"] == "text"] == []
    assert len(world["sim"].webhooks()) == before


@pytest.mark.django_db
def test_only_staff_manage_captions(world):
    lesson_id = str(world["lesson"].id)
    student = UserFactory(role="student")
    enrollment_create(user=student, course=world["course"])
    other = UserFactory(role="instructor")
    assert upload(client_for(student), lesson_id, SRT.encode()).status_code == 403
    assert upload(client_for(other), lesson_id, SRT.encode()).status_code == 403
    assert upload(APIClient(), lesson_id, SRT.encode()).status_code == 401
    assert Caption.objects.count() == 0


def _ready_caption(world, text: str, lesson=None, language="en") -> Caption:
    """A caption as its track webhooks would have left it (no Mux needed for reads)."""
    from django.utils import timezone

    from playback.captions_services import _searchable

    lesson = lesson or world["lesson"]
    vtt = f"WEBVTT\n\n00:00:00.500 --> 00:00:01.500\n{text}\n"
    now = timezone.now()
    caption = Caption(
        lesson_id=lesson.id,
        course_id=world["course"].id,
        language=language,
        label=language,
        current={
            "rev": "r1",
            "asset_id": lesson.video.current.asset_id
            if lesson.video and lesson.video.current
            else None,
            "track_id": "t1",
            "state": "ready",
            "vtt": vtt,
            "created_at": now,
            "updated_at": now,
        },
        cues=_searchable(vtt),
    )
    caption.save()
    from playback.captions_search import search_index_invalidate

    search_index_invalidate(course_id=str(world["course"].id))
    return caption


@pytest.mark.django_db
def test_search_hides_non_preview_lessons_from_learners_not_enrolled(world):
    preview = Lesson.objects(course_id=world["course"].id, position=0).first()
    _ready_caption(world, "Mitochondria are the powerhouse", lesson=preview)
    _ready_caption(world, "Mitochondria secret enrolled-only text")
    slug = world["course"].slug
    outsider = client_for(UserFactory(role="student"))
    results = outsider.get(f"/api/v1/courses/{slug}/search?q=mitochondria").json()["results"]
    assert [r["lesson_id"] for r in results] == [str(preview.id)]
    locked = outsider.get(f"/api/v1/lessons/{world['lesson'].id}/transcript")
    assert locked.status_code == 403

    member = UserFactory(role="student")
    enrollment_create(user=member, course=world["course"])
    results = client_for(member).get(f"/api/v1/courses/{slug}/search?q=mitochondria").json()
    assert [r["text"] for r in results["results"]] == [
        "Mitochondria are the powerhouse",
        "Mitochondria secret enrolled-only text",
    ]
    # The exact phrase ranks first.
    ranked = client_for(member).get(f"/api/v1/courses/{slug}/search?q=secret mitochondria")
    assert [r["lesson_id"] for r in ranked.json()["results"]] == [str(world["lesson"].id)]
    assert client_for(member).get(f"/api/v1/courses/{slug}/search?q=").status_code == 400
    assert APIClient().get(f"/api/v1/courses/{slug}/search?q=x").status_code == 401


def _processing_caption(
    world,
    *,
    language: str,
    label: str,
    rev: str,
    asset_id: str,
    text: str,
    track_id: str | None = None,
) -> Caption:
    """A saved caption whose revision `rev` (one cue, `text`) is at Mux, being processed."""
    now = timezone.now()
    pending = {
        "rev": rev,
        "asset_id": asset_id,
        **({"track_id": track_id} if track_id else {}),
        "state": "processing",
        "vtt": f"WEBVTT\n\n00:00.000 --> 00:01.000\n{text}\n",
        "created_at": now,
        "updated_at": now,
    }
    caption = Caption(
        lesson_id=world["lesson"].id,
        course_id=world["course"].id,
        language=language,
        label=label,
        pending=pending,
    )
    caption.save()
    return caption


def _track(caption: Caption, rev: str, track_id: str = "trk-1") -> dict:
    return {
        "id": track_id,
        "type": "text",
        "text_type": "subtitles",
        "text_source": "uploaded",
        "language_code": "en",
        "status": "ready",
        "passthrough": f"{caption.id}:{rev}",
        "asset_id": "asset-x",
    }


@pytest.mark.django_db
def test_track_events_replayed_or_out_of_order_move_state_forward_only(world, client):
    caption = _processing_caption(
        world, language="en", label="English", rev="r2", asset_id="asset-x", text="Hi"
    )
    ready = event("video.asset.track.ready", _track(caption, "r2"))
    errored = event("video.asset.track.errored", {**_track(caption, "r2"), "status": "errored"})
    created = event("video.asset.track.created", {**_track(caption, "r2"), "status": "preparing"})

    # ready overtakes created; a late errored and created change nothing; a replay is ignored.
    assert deliver(client, ready, secret=WEBHOOK_SECRET).json()["applied"] is True
    assert deliver(client, errored, secret=WEBHOOK_SECRET).json()["applied"] is False
    assert deliver(client, created, secret=WEBHOOK_SECRET).json()["applied"] is False
    assert deliver(client, ready, secret=WEBHOOK_SECRET).json()["applied"] is False
    caption.reload()
    assert caption.pending is None
    assert (caption.current.state, caption.current.track_id) == ("ready", "trk-1")
    assert caption.cues == [[0.0, 1.0, "Hi", "hi"]]

    # A track of an older generation, or of another caption, changes nothing.
    stale = event("video.asset.track.deleted", {**_track(caption, "r1"), "status": "deleted"})
    assert deliver(client, stale, secret=WEBHOOK_SECRET).json()["applied"] is False
    gone = event("video.asset.track.deleted", {**_track(caption, "r2"), "status": "deleted"})
    assert deliver(client, gone, secret=WEBHOOK_SECRET).json()["applied"] is True
    late_ready = event("video.asset.track.ready", _track(caption, "r2"))
    assert deliver(client, late_ready, secret=WEBHOOK_SECRET).json()["applied"] is False
    caption.reload()
    assert caption.current.state == "deleted"


@pytest.mark.django_db
def test_transcript_downloads_as_text_and_webvtt_for_viewers_only(world, client):
    _ready_caption(world, "Cells divide <i>often</i>")
    lesson_id, slug = world["lesson"].id, world["course"].slug
    member = UserFactory(role="student")
    enrollment_create(user=member, course=world["course"])
    client.force_login(member)
    text = client.get(f"/courses/{slug}/lessons/{lesson_id}/transcript.txt?language=en")
    assert text.status_code == 200
    assert text["Content-Disposition"] == f'attachment; filename="transcript-{lesson_id}-en.txt"'
    assert text.content.decode() == "Cells divide often\n"
    vtt = client.get(f"/courses/{slug}/lessons/{lesson_id}/transcript.vtt")
    assert vtt.content.decode().startswith("WEBVTT\n\n00:00:00.500 --> 00:00:01.500\n")
    assert client.get(f"/courses/{slug}/lessons/{lesson_id}/transcript.pdf").status_code == 404
    client.force_login(UserFactory(role="student"))
    assert client.get(f"/courses/{slug}/lessons/{lesson_id}/transcript.txt").status_code == 403


@pytest.mark.django_db
def test_captions_of_an_archived_course_cannot_change(world):
    lesson_id = str(world["lesson"].id)
    caption = _ready_caption(world, "Kept as it was")
    course_archive(course=world["course"], user=world["instructor"])
    teacher = client_for(world["instructor"])
    before = len(world["sim"].webhooks())
    url = f"/api/v1/instructor/lessons/{lesson_id}/captions"
    refused = [
        upload(teacher, lesson_id, SRT.encode(), language="fr"),
        teacher.post(f"{url}/generate", {"language": "en"}, format="json"),
        teacher.put(f"{url}/{caption.id}", {"reviewed": True}, format="json"),
        teacher.delete(f"{url}/{caption.id}"),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(409, "conflict")] * 4
    assert [(c.id, c.reviewed, c.current.rev) for c in Caption.objects] == [
        (caption.id, False, "r1")
    ]
    assert len(world["sim"].webhooks()) == before
    # Reading them still works.
    assert teacher.get(url).status_code == 200


def _wait_track_at_mux(world, asset_id: str, status: str, timeout_s: float = 20) -> dict:
    deadline = time.monotonic() + timeout_s
    texts: list = []
    while time.monotonic() < deadline:
        texts = [t for t in world["sim"].asset(asset_id)["tracks"] if t["type"] == "text"]
        if texts and texts[0]["status"] == status:
            return texts[0]
        time.sleep(0.1)
    raise AssertionError(f"no text track became {status} at Mux: {texts}")


@pytest.mark.django_db(transaction=True)
def test_reconcile_applies_the_track_state_mux_has_when_its_webhook_was_lost(world, ready_assets):
    """`reconcile_videos` asks Mux (the simulator, through mux-python) for the asset's tracks:
    a caption still processing whose track is ready there becomes ready, one whose track Mux
    does not have becomes errored, and a recent one is left for its webhook."""
    world["sim"].configure(deliver_webhooks=False)
    teacher = client_for(world["instructor"])
    lesson_id = str(world["lesson"].id)
    created = upload(teacher, lesson_id, SRT.encode())
    assert created.status_code == 201, created.content
    track = _wait_track_at_mux(world, ready_assets[0]["id"], "ready")
    caption = Caption.objects.get(id=created.json()["id"])
    assert caption.pending.state == "processing" and caption.current is None  # nothing arrived

    lost = _processing_caption(
        world,
        language="fr",
        label="Français",
        rev="r1",
        asset_id=ready_assets[0]["id"],
        text="Salut",
        track_id="no-such-track",
    )

    # Within the threshold nothing is touched: the webhook may still come.
    assert "Repaired 0 caption track(s)." in run_command("reconcile_videos", "--minutes", "10")
    caption.reload()
    assert caption.pending.state == "processing"

    assert "Repaired 2 caption track(s)." in run_command("reconcile_videos", "--minutes", "0")
    caption = Caption.objects.get(id=caption.id)
    lost.reload()
    assert caption.pending is None
    assert caption.current is not None
    assert (caption.current.state, caption.current.track_id) == ("ready", track["id"])
    assert [cue[2] for cue in caption.cues] == [
        "Welcome to the café lesson",
        "Photosynthesis turns light into sugar",
    ]
    assert lost.current is None
    assert lost.pending.state == "errored"
    assert lost.pending.error == "Mux has no such text track: upload the caption again."
    # Once final, a second run has nothing left to repair.
    assert "Repaired 0 caption track(s)." in run_command("reconcile_videos", "--minutes", "0")
