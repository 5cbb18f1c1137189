"""Caption writes: upload, edit, review, delete, automatic captions, and the Mux text-track
lifecycle (`video.asset.track.*` webhooks, re-attachment to a replaced video, repair).

Each caption version is a generation (see `captions_documents`). A new version goes into
`pending` first, then Mux is asked to fetch it from a signed link to this app; the track's
passthrough names the caption and the generation (`"{caption id}:{rev}"`), so webhooks find
it whatever their order. Every state change is one conditional `update_one` whose filter
names the generation and the states it may move from, so replays and late events change
nothing (the same rule as the video lifecycle):

    processing → ready | errored → deleted

A pending generation that turns ready replaces `current` in the same update, and only then
is the old track deleted at Mux: students keep the old captions until the new ones serve.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from bson import ObjectId
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from pymongo.errors import DuplicateKeyError

from accounts.roles import Viewer
from catalog.access import LessonFacts, lesson_audit, lesson_facts_for_staff
from catalog.documents import Lesson
from catalog.lesson_video import VideoState
from catalog.services import course_require_editable
from learnstream.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    ValidationError,
    VideoNotReady,
)
from learnstream.ids import is_object_id, object_id_or_404
from playback import captions_format, mux_client
from playback import signing as playback_signing
from playback.captions_documents import Caption, CaptionSource, CaptionState
from playback.captions_search import search_index_invalidate
from playback.playback_source import playback_source_changed

logger = logging.getLogger(__name__)

C = CaptionState
PREDECESSORS: dict[str, tuple[str, ...]] = {
    C.READY: (C.PROCESSING,),
    C.ERRORED: (C.PROCESSING,),
    C.DELETED: (C.PROCESSING, C.READY, C.ERRORED),
}
SOURCE_SALT = "playback.caption-source"
LABEL_MAX = 100
# Languages Mux can transcribe (its generated_subtitles accepts these primary tags).
GENERATED_LANGUAGES = frozenset(
    "en es it pt de fr pl ru nl ca tr sv uk no fi sk el cs hr da ro bg".split()  # noqa: SIM905
)
WAITING_FOR_VIDEO = "Waiting for the lesson's video to be ready."
UPLOAD_ABANDONED = (
    "The upload these automatic captions were requested with was cancelled: request them "
    "again with the next upload, or generate them once the video is ready."
)
REUPLOAD_NEEDED = (
    "The lesson's video was replaced and this caption has no text LearnStream can carry "
    "over: generate or upload it again."
)


def _captions() -> Any:
    return Caption._get_collection()


def _lessons() -> Any:
    return Lesson._get_collection()


# --- access and input ----------------------------------------------------------------------


def caption_lesson_for_staff(*, user: Viewer, lesson_id: Any) -> LessonFacts:
    return lesson_facts_for_staff(user=user, lesson_id=lesson_id, managing="captions")


def _caption_lesson_for_editing(*, user: Viewer, lesson_id: Any) -> LessonFacts:
    """As `caption_lesson_for_staff`, and 409 when the course is archived."""
    facts = caption_lesson_for_staff(user=user, lesson_id=lesson_id)
    course_require_editable(course_id=facts.course_id)
    return facts


def caption_get_for_staff(*, user: Viewer, lesson_id: Any, caption_id: Any) -> Caption:
    facts = caption_lesson_for_staff(user=user, lesson_id=lesson_id)
    caption_oid = object_id_or_404(caption_id, "Caption")
    caption = Caption.objects(id=caption_oid, lesson_id=ObjectId(facts.lesson_id)).first()
    if caption is None:
        raise NotFound("Caption not found.")
    return caption


def _label_clean(label: Any, language: str) -> str:
    text = " ".join(str(label or "").split())
    if len(text) > LABEL_MAX:
        message = f"The label has at most {LABEL_MAX} characters."
        raise ValidationError(message, errors={"label": [message]})
    return text or language


def _video(lesson_oid: ObjectId) -> dict[str, Any]:
    """The lesson's playing generation ({} when it has no ready video)."""
    doc = _lessons().find_one({"_id": lesson_oid}, {"video.current": 1})
    current = ((doc or {}).get("video") or {}).get("current") or {}
    return current if current.get("state") == VideoState.READY else {}


def caption_file_read(*, file_bytes: bytes, duration_s: float | None) -> str:
    """An uploaded WebVTT or SRT file as checked WebVTT (ValidationError names the line)."""
    text = captions_format.caption_text_decode(file_bytes)
    return captions_format.cues_to_vtt(captions_format.captions_parse(text, duration_s=duration_s))


# --- the source link Mux fetches -----------------------------------------------------------


def caption_source_url(*, caption_id: str, rev: str) -> str:
    """A signed, expiring link to one caption version (Mux fetches the file from here)."""
    token = signing.dumps({"c": caption_id, "r": rev}, salt=SOURCE_SALT)
    base = settings.MUX_CAPTION_SOURCE_BASE_URL or settings.SITE_URL
    return f"{base}{reverse('caption-source')}?token={token}"


def caption_source_text(*, token: str) -> str:
    """The WebVTT a source link names, or NotFound (bad, expired or superseded link)."""
    try:
        claims = signing.loads(
            token, salt=SOURCE_SALT, max_age=settings.MUX_CAPTION_SOURCE_MAX_AGE_S
        )
    except signing.BadSignature as exc:
        raise NotFound("Caption not found.") from exc
    if not (isinstance(claims, dict) and is_object_id(claims.get("c"))):
        raise NotFound("Caption not found.")
    doc = _captions().find_one({"_id": ObjectId(claims["c"])}, {"pending": 1, "current": 1})
    for slot in ("pending", "current"):
        generation = (doc or {}).get(slot) or {}
        if generation.get("rev") == claims.get("r") and generation.get("vtt"):
            return str(generation["vtt"])
    raise NotFound("Caption not found.")


# --- versions ------------------------------------------------------------------------------


def _new_generation(*, vtt: str, asset_id: str | None, now: datetime) -> dict[str, Any]:
    return {
        "rev": secrets.token_hex(8),
        "asset_id": asset_id,
        "track_id": None,
        "state": C.PROCESSING,
        "error": None if asset_id else WAITING_FOR_VIDEO,
        "vtt": vtt,
        "created_at": now,
        "updated_at": now,
    }


def _passthrough(caption_id: Any, rev: str) -> str:
    return f"{caption_id}:{rev}"


def _send_to_mux(*, caption: dict[str, Any], generation: dict[str, Any]) -> None:
    """Ask Mux to add the pending generation as a text track, then remember its id. Errors
    (502/503) propagate; the caller decides what they undo."""
    track = mux_client.text_track_create(
        asset_id=generation["asset_id"],
        url=caption_source_url(caption_id=str(caption["_id"]), rev=generation["rev"]),
        language=caption["language"],
        name=caption["label"],
        closed_captions=bool(caption.get("closed_captions")),
        passthrough=_passthrough(caption["_id"], generation["rev"]),
    )
    _captions().update_one(
        {"_id": caption["_id"], "pending.rev": generation["rev"], "pending.track_id": None},
        {"$set": {"pending.track_id": track.id}},
    )


def _retire_track(generation: dict[str, Any] | None) -> None:
    """Delete a generation's track at Mux; one Mux no longer knows is already gone. A
    failure is logged, not raised: an orphan text track costs nothing and serves nobody."""
    if not generation or not generation.get("track_id") or not generation.get("asset_id"):
        return
    try:
        mux_client.text_track_delete(
            asset_id=generation["asset_id"], track_id=generation["track_id"]
        )
    except NotFound:
        pass
    except ApplicationError as error:
        logger.warning("could not delete text track %s: %s", generation["track_id"], error.detail)


def add_caption(
    *,
    lesson: Any,
    file_bytes: bytes,
    language: str,
    label: str,
    closed_captions: bool,
    actor: Viewer,
) -> Caption:
    """Upload captions for a lesson (WebVTT or SRT bytes) in one language.

    The file is checked first (a bad one is refused naming its first bad line, and nothing
    is stored or sent to Mux); then the caption is stored as `processing` and Mux is asked to
    fetch it. If Mux refuses or cannot be reached, the caption is removed again (502/503).
    Without a ready video the caption waits and is attached when the video becomes ready.
    """
    lesson_id = getattr(lesson, "id", lesson)
    facts = _caption_lesson_for_editing(user=actor, lesson_id=lesson_id)
    lesson_oid = ObjectId(facts.lesson_id)
    language = captions_format.language_clean(language)
    label = _label_clean(label, language)
    video = _video(lesson_oid)
    vtt = caption_file_read(file_bytes=file_bytes, duration_s=video.get("duration_s") or None)
    now = timezone.now()
    generation = _new_generation(vtt=vtt, asset_id=video.get("asset_id"), now=now)
    doc = {
        "lesson_id": lesson_oid,
        "course_id": ObjectId(facts.course_id),
        "language": language,
        "label": label,
        "closed_captions": bool(closed_captions),
        "source": CaptionSource.UPLOADED,
        "reviewed": False,
        "pending": generation,
        "cues": [],
        "created_at": now,
        "updated_at": now,
    }
    try:
        caption_oid = _captions().insert_one(doc).inserted_id
    except DuplicateKeyError as exc:
        raise _language_taken(language) from exc
    if generation["asset_id"]:
        try:
            _send_to_mux(caption=doc, generation=generation)
        except ApplicationError:
            _captions().delete_one({"_id": caption_oid})
            raise
    lesson_audit(
        actor=actor,
        action="caption.upload",
        facts=facts,
        caption_id=str(caption_oid),
        language=language,
    )
    return Caption.objects.get(id=caption_oid)


def _language_taken(language: str) -> Conflict:
    return Conflict(
        f"The lesson already has captions in {language!r}: edit them (PUT) or delete them first."
    )


def caption_update(
    *, user: Viewer, lesson_id: Any, caption_id: Any, vtt: str | None, reviewed: bool | None
) -> Caption:
    """Save an edited version and/or the reviewed mark. An edit becomes the pending version
    (a new Mux track); the current one keeps serving until the new one is ready. A Mux
    failure leaves the caption as it was."""
    caption = caption_get_for_staff(user=user, lesson_id=lesson_id, caption_id=caption_id)
    facts = _caption_lesson_for_editing(user=user, lesson_id=lesson_id)
    now = timezone.now()
    changes: dict[str, Any] = {"updated_at": now}
    if reviewed is not None:
        changes["reviewed"] = bool(reviewed)
    generation = None
    if vtt is not None:
        video = _video(caption.lesson_id)
        checked = caption_file_read(
            file_bytes=vtt.encode("utf-8"), duration_s=video.get("duration_s") or None
        )
        generation = _new_generation(vtt=checked, asset_id=video.get("asset_id"), now=now)
        changes["pending"] = generation
    superseded = caption.pending.to_mongo().to_dict() if caption.pending else None
    pinned: dict[str, Any] = {"_id": caption.id}
    if generation is not None:  # replace exactly the pending version we read
        pinned["pending.rev"] = superseded["rev"] if superseded else None
    if _captions().update_one(pinned, {"$set": changes}).matched_count != 1:
        raise Conflict("The caption changed meanwhile; please reload and retry.")
    if generation is not None:
        if generation["asset_id"]:
            doc = _captions().find_one({"_id": caption.id})
            try:
                _send_to_mux(caption=doc, generation=generation)
            except ApplicationError:
                # Put the previous pending version back: nothing changed for anyone.
                restore: dict[str, Any] = (
                    {"$set": {"pending": superseded}} if superseded else {"$unset": {"pending": ""}}
                )
                _captions().update_one(
                    {"_id": caption.id, "pending.rev": generation["rev"]}, restore
                )
                raise
        if superseded and superseded.get("state") != C.DELETED:
            _retire_track(superseded)
    lesson_audit(
        actor=user,
        action="caption.edit" if vtt is not None else "caption.review",
        facts=facts,
        caption_id=str(caption.id),
        reviewed=changes.get("reviewed"),
    )
    return Caption.objects.get(id=caption.id)


def caption_delete(*, user: Viewer, lesson_id: Any, caption_id: Any) -> None:
    """Delete the caption's tracks at Mux, then the caption (a Mux failure changes nothing)."""
    caption = caption_get_for_staff(user=user, lesson_id=lesson_id, caption_id=caption_id)
    facts = _caption_lesson_for_editing(user=user, lesson_id=lesson_id)
    for generation in (caption.pending, caption.current):
        if generation and generation.track_id and generation.asset_id:
            with contextlib.suppress(NotFound):
                mux_client.text_track_delete(
                    asset_id=generation.asset_id, track_id=generation.track_id
                )
    _captions().delete_one({"_id": caption.id})
    captions_changed(course_id=facts.course_id, lesson_oid=caption.lesson_id)
    lesson_audit(
        actor=user,
        action="caption.delete",
        facts=facts,
        caption_id=str(caption.id),
        language=caption.language,
    )


def _generated_label(language: str) -> str:
    return f"{language} (automatic)"


def _generated_caption_doc(
    *, facts: LessonFacts, language: str, generation: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """A new generated caption: no cues yet, not reviewed, waiting on `generation`."""
    return {
        "lesson_id": ObjectId(facts.lesson_id),
        "course_id": ObjectId(facts.course_id),
        "language": language,
        "label": _generated_label(language),
        "closed_captions": False,
        "source": CaptionSource.GENERATED,
        "reviewed": False,
        "pending": generation,
        "cues": [],
        "created_at": now,
        "updated_at": now,
    }


def caption_generate(*, user: Viewer, lesson_id: Any, language: str) -> Caption:
    """Ask Mux for automatic captions of the lesson's ready video. They arrive as
    `source: "generated"`, not reviewed."""
    facts = _caption_lesson_for_editing(user=user, lesson_id=lesson_id)
    lesson_oid = ObjectId(facts.lesson_id)
    language = generated_language_clean(language)
    video = _video(lesson_oid)
    if not video.get("asset_id"):
        raise VideoNotReady("Automatic captions need the lesson's video to be ready.")
    asset = mux_client.asset_get(asset_id=video["asset_id"])
    audio = next((t for t in asset.tracks if t.type == "audio"), None)
    if audio is None:
        raise Conflict("The lesson's video has no audio track to transcribe.")
    now = timezone.now()
    generation = {**_new_generation(vtt="", asset_id=video["asset_id"], now=now), "error": None}
    label = _generated_label(language)
    doc = _generated_caption_doc(facts=facts, language=language, generation=generation, now=now)
    try:
        caption_oid = _captions().insert_one(doc).inserted_id
    except DuplicateKeyError as exc:
        raise _language_taken(language) from exc
    try:
        track = mux_client.generated_subtitles_create(
            asset_id=video["asset_id"],
            audio_track_id=audio.id,
            language=language.split("-")[0],
            name=label,
            passthrough=_passthrough(caption_oid, generation["rev"]),
        )
    except ApplicationError:
        _captions().delete_one({"_id": caption_oid})
        raise
    _captions().update_one(
        {"_id": caption_oid, "pending.rev": generation["rev"], "pending.track_id": None},
        {"$set": {"pending.track_id": track.id}},
    )
    lesson_audit(
        actor=user,
        action="caption.generate",
        facts=facts,
        caption_id=str(caption_oid),
        language=language,
    )
    return Caption.objects.get(id=caption_oid)


@dataclass(frozen=True)
class UploadCaptionsRequest:
    """Automatic captions to request with a new direct upload (Mux's `generated_subtitles`
    in the new asset settings), already stored as a waiting generated caption."""

    caption_oid: ObjectId
    rev: str
    language: str  # the primary tag Mux transcribes
    name: str
    passthrough: str


def generated_language_clean(language: Any) -> str:
    """A language Mux can transcribe, or ValidationError on `language`."""
    language = captions_format.language_clean(language)
    if language.split("-")[0] not in GENERATED_LANGUAGES:
        message = f"Automatic captions are available in: {', '.join(sorted(GENERATED_LANGUAGES))}."
        raise ValidationError(message, errors={"language": [message]})
    return language


def upload_captions_request(*, facts: LessonFacts, language: Any) -> UploadCaptionsRequest:
    """Store a generated caption waiting for the video a new upload brings (before Mux is
    asked for the upload). A language the lesson already has captions in is refused (409),
    except a caption that was itself still waiting for an earlier upload: it waits for the
    new one instead."""
    try:
        language = generated_language_clean(language)
    except ValidationError as error:
        # The option is called `generate_captions` where it is sent.
        raise ValidationError(
            str(error.detail),
            errors={"generate_captions": (error.errors or {}).get("language", [str(error.detail)])},
        ) from error
    lesson_oid = ObjectId(facts.lesson_id)
    now = timezone.now()
    generation = {**_new_generation(vtt="", asset_id=None, now=now), "upload_id": None}
    label = _generated_label(language)
    doc = _generated_caption_doc(facts=facts, language=language, generation=generation, now=now)
    try:
        caption_oid = _captions().insert_one(doc).inserted_id
    except DuplicateKeyError as exc:
        waiting = _captions().find_one_and_update(
            {
                "lesson_id": lesson_oid,
                "language": language,
                "source": CaptionSource.GENERATED,
                "current": None,
                "pending.asset_id": None,
                "pending.upload_id": {"$ne": None},
            },
            {"$set": {"pending": generation, "updated_at": now}},
            projection={"_id": 1},
        )
        if waiting is None:
            raise _language_taken(language) from exc
        caption_oid = waiting["_id"]
    return UploadCaptionsRequest(
        caption_oid=caption_oid,
        rev=generation["rev"],
        language=language.split("-")[0],
        name=label,
        passthrough=_passthrough(caption_oid, generation["rev"]),
    )


def upload_captions_attach(*, request: UploadCaptionsRequest, upload_id: str) -> None:
    """Mux accepted the upload: the waiting caption now names it."""
    _captions().update_one(
        {"_id": request.caption_oid, "pending.rev": request.rev},
        {"$set": {"pending.upload_id": upload_id}},
    )


def upload_captions_withdraw(*, request: UploadCaptionsRequest) -> None:
    """The upload was not created: forget the caption stored for it."""
    _captions().delete_one(
        {"_id": request.caption_oid, "pending.rev": request.rev, "current": None}
    )


def upload_captions_abandoned(*, lesson_oid: ObjectId, upload_id: str) -> int:
    """The upload a generated caption waited for was given up: say so on the caption."""
    now = timezone.now()
    result = _captions().update_many(
        {
            "lesson_id": lesson_oid,
            "pending.upload_id": upload_id,
            "pending.asset_id": None,
            "pending.state": C.PROCESSING,
        },
        {
            "$set": {
                "pending.state": C.ERRORED,
                "pending.error": UPLOAD_ABANDONED,
                "pending.updated_at": now,
                "updated_at": now,
            }
        },
    )
    return result.modified_count


# --- the track lifecycle -------------------------------------------------------------------


def _searchable(vtt: str) -> list[list[Any]]:
    try:
        cues = captions_format.captions_parse(vtt)
    except ValidationError:
        return []
    rows = []
    for cue in cues:
        plain = captions_format.cue_plain_text(cue.text)
        rows.append([cue.start_s, cue.end_s, plain, captions_format.search_fold(plain)])
    return rows


def _generated_text(*, asset_id: str, track_id: str) -> str:
    """The WebVTT Mux generated (read once from its signed .vtt URL), or "" if unreadable."""
    asset = mux_client.asset_get(asset_id=asset_id)
    signed = [pid for pid, policy in asset.playback_ids if policy == "signed"]
    if not signed:
        return ""
    tokens = playback_signing.playback_tokens_issue(playback_id=signed[0], duration_s=0)
    url = caption_track_url(playback_id=signed[0], track_id=track_id, token=tokens.video)
    try:
        response = requests.get(url, timeout=settings.MUX_REQUEST_TIMEOUT_S)
        response.raise_for_status()
        return caption_file_read(file_bytes=response.content, duration_s=None)
    except (requests.RequestException, ValidationError) as exc:
        logger.warning("could not read generated track %s: %s", track_id, exc)
        return ""


def caption_track_url(*, playback_id: str, track_id: str, token: str) -> str:
    """Mux's standalone WebVTT of a text track (the same token as the video)."""
    return f"{settings.MUX_STREAM_BASE_URL}/{playback_id}/text/{track_id}.vtt?token={token}"


def _move(*, caption_oid: ObjectId, slot: str, rev: str, to: str, changes: dict[str, Any]) -> bool:
    now = timezone.now()
    update = {f"{slot}.{key}": value for key, value in changes.items()}
    update.update({f"{slot}.state": to, f"{slot}.updated_at": now, "updated_at": now})
    query = {
        "_id": caption_oid,
        f"{slot}.rev": rev,
        f"{slot}.state": {"$in": list(PREDECESSORS[to])},
    }
    return _captions().update_one(query, {"$set": update}).modified_count == 1


def _promote(*, caption_oid: ObjectId, rev: str, track_id: str) -> bool:
    """The pending generation is ready: it becomes `current` in one conditional update,
    then the replaced track is deleted at Mux."""
    query = {"_id": caption_oid, "pending.rev": rev, "pending.state": C.PROCESSING}
    doc = _captions().find_one(query)
    if doc is None:
        return False
    pending, replaced = doc["pending"], doc.get("current")
    now = timezone.now()
    if doc.get("source") == CaptionSource.GENERATED and not pending.get("vtt"):
        pending["vtt"] = _generated_text(asset_id=pending["asset_id"], track_id=track_id)
    current = {**pending, "track_id": track_id, "state": C.READY, "error": None, "updated_at": now}
    query["current.rev"] = (replaced or {}).get("rev")
    update = {
        "$set": {
            "current": current,
            "cues": _searchable(current.get("vtt") or ""),
            "updated_at": now,
        },
        "$unset": {"pending": ""},
    }
    if _captions().update_one(query, update).modified_count != 1:
        return False
    captions_changed(course_id=doc["course_id"], lesson_oid=doc["lesson_id"])
    if replaced and replaced.get("track_id") != track_id and replaced.get("state") != C.DELETED:
        _retire_track(replaced)
    return True


def captions_changed(*, course_id: Any, lesson_oid: ObjectId) -> None:
    """Call after a write that changes the captions students get (a version became ready,
    a served one was deleted): playback requests stop serving the lesson's cached tracks,
    and course search rebuilds its index on next use."""
    playback_source_changed(lesson_oid=lesson_oid)
    search_index_invalidate(course_id=str(course_id))


def track_event_process(*, event_type: str, data: dict[str, Any]) -> bool:
    """Apply one `video.asset.track.*` event to the caption generation its passthrough
    names. True if it changed something; other tracks and unknown captions change nothing."""
    if data.get("type") != "text" or not isinstance(data.get("id"), str):
        return False
    caption_key, _, rev = str(data.get("passthrough") or "").partition(":")
    if not is_object_id(caption_key) or not rev:
        return False
    caption_oid, track_id = ObjectId(caption_key), data["id"]
    if event_type == "video.asset.track.created":
        # Learn the track id even if this overtook the API answer; no state change.
        changed = False
        for slot in ("pending", "current"):
            result = _captions().update_one(
                {"_id": caption_oid, f"{slot}.rev": rev, f"{slot}.track_id": None},
                {"$set": {f"{slot}.track_id": track_id}},
            )
            changed |= result.modified_count == 1
            if slot == "current" and result.modified_count == 1:
                # A served version without a track id serves nothing until it has one.
                doc = _captions().find_one({"_id": caption_oid}, {"course_id": 1, "lesson_id": 1})
                if doc:
                    captions_changed(course_id=doc["course_id"], lesson_oid=doc["lesson_id"])
        changed |= _learn_asset(caption_oid=caption_oid, rev=rev, data=data)
        return changed
    if event_type in ("video.asset.track.ready", "video.asset.track.errored"):
        _learn_asset(caption_oid=caption_oid, rev=rev, data=data)
    if event_type == "video.asset.track.ready":
        return _promote(caption_oid=caption_oid, rev=rev, track_id=track_id)
    if event_type == "video.asset.track.errored":
        messages = ((data.get("error") or {}).get("messages")) or ["Mux could not read the track."]
        error = "; ".join(str(m) for m in messages)[:2000]
        return _move(
            caption_oid=caption_oid,
            slot="pending",
            rev=rev,
            to=C.ERRORED,
            changes={"track_id": track_id, "error": error},
        )
    if event_type == "video.asset.track.deleted":
        changed = False
        for slot in ("pending", "current"):
            changed |= _move(caption_oid=caption_oid, slot=slot, rev=rev, to=C.DELETED, changes={})
        if changed:
            doc = _captions().find_one({"_id": caption_oid}, {"course_id": 1, "lesson_id": 1})
            if doc:
                captions_changed(course_id=doc["course_id"], lesson_oid=doc["lesson_id"])
        return changed
    return False


def _learn_asset(*, caption_oid: ObjectId, rev: str, data: dict[str, Any]) -> bool:
    """Automatic captions requested with an upload learn their asset from its track events."""
    asset_id = data.get("asset_id")
    if not isinstance(asset_id, str) or not asset_id:
        return False
    result = _captions().update_one(
        {"_id": caption_oid, "pending.rev": rev, "pending.asset_id": None},
        {"$set": {"pending.asset_id": asset_id, "pending.error": None}},
    )
    return result.modified_count == 1


def captions_reattach(*, lesson_oid: ObjectId, asset_id: str, upload_id: str | None = None) -> int:
    """The lesson's video was replaced (or became ready for the first time): add every
    caption to the new asset as a pending version; the old tracks serve nothing once the
    old asset stops playing. Captions without text to carry (generated ones not read back)
    are marked errored, saying they need re-uploading. Returns how many were sent."""
    sent = 0
    for doc in _captions().find({"lesson_id": lesson_oid}):
        pending, current = doc.get("pending") or {}, doc.get("current") or {}
        if pending.get("asset_id") == asset_id or (
            not pending and current.get("asset_id") == asset_id
        ):
            continue  # already on the new asset
        if upload_id and pending.get("upload_id") == upload_id:
            continue  # automatic captions requested with this upload: Mux makes them
        usable = pending if pending.get("vtt") and pending.get("state") != C.ERRORED else current
        vtt = usable.get("vtt") or ""
        now = timezone.now()
        generation = _new_generation(vtt=vtt, asset_id=asset_id, now=now)
        if not vtt:
            generation.update(state=C.ERRORED, error=REUPLOAD_NEEDED)
        query = {"_id": doc["_id"], "pending.rev": pending.get("rev")}
        if (
            _captions()
            .update_one(query, {"$set": {"pending": generation, "updated_at": now}})
            .modified_count
            != 1
        ):
            continue
        if pending.get("track_id") and pending.get("asset_id") != asset_id:
            _retire_track(pending)
        if not vtt:
            continue
        try:
            _send_to_mux(caption={**doc, "pending": generation}, generation=generation)
            sent += 1
        except ApplicationError as error:
            _move(
                caption_oid=doc["_id"],
                slot="pending",
                rev=generation["rev"],
                to=C.ERRORED,
                changes={"error": f"Could not attach to the new video: {error.detail}"},
            )
    return sent


def captions_reconcile(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Repair captions whose track webhook was lost: for each version still processing after
    `older_than`, ask Mux for the asset's tracks and apply what it says. Returns repairs."""
    cutoff = timezone.now() - older_than
    repaired = 0
    stuck = _captions().find(
        {
            "pending.state": C.PROCESSING,
            "pending.asset_id": {"$ne": None},
            "pending.updated_at": {"$lt": cutoff},
        },
        {"pending": 1},
    )
    for doc in stuck:
        pending = doc["pending"]
        try:
            asset = mux_client.asset_get(asset_id=pending["asset_id"])
        except NotFound:
            repaired += _move(
                caption_oid=doc["_id"],
                slot="pending",
                rev=pending["rev"],
                to=C.ERRORED,
                changes={"error": "The video's asset no longer exists."},
            )
            continue
        except ApplicationError as error:
            logger.warning("caption reconcile: Mux asset %s: %s", pending["asset_id"], error.detail)
            continue
        passthrough = _passthrough(doc["_id"], pending["rev"])
        track = next(
            (
                t
                for t in asset.tracks
                if t.passthrough == passthrough or t.id == pending.get("track_id")
            ),
            None,
        )
        data = {"type": "text", "passthrough": passthrough, "id": track.id if track else ""}
        if track is None:
            changed = _move(
                caption_oid=doc["_id"],
                slot="pending",
                rev=pending["rev"],
                to=C.ERRORED,
                changes={"error": "Mux has no such text track: upload the caption again."},
            )
        elif track.status == "ready":
            changed = track_event_process(event_type="video.asset.track.ready", data=data)
        elif track.status == "errored":
            changed = track_event_process(event_type="video.asset.track.errored", data=data)
        else:
            changed = False
        repaired += int(changed)
    return repaired
