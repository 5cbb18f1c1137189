"""The upload and asset state machines, and the webhook each transition sends.

The API, the upload receiver and the transcode worker all change state through here, so the
rules (what may follow what, which event goes out) live in one place.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .state import new_id, public, unix_now
from .transcode import TranscodeError

if TYPE_CHECKING:
    from .server import Simulator

log = logging.getLogger("mux_simulator")

# Allowed values as the SDK's models validate them; anything else would break the client.
POLICIES = {"public", "signed"}
VIDEO_QUALITY = {"basic", "plus", "premium"}
ENCODING_TIER = {"baseline": "basic", "smart": "plus", "premium": "premium"}
MAX_RESOLUTION_TIER = {"1080p", "1440p", "2160p"}
MP4_SUPPORT = {
    "none",
    "standard",
    "capped-1080p",
    "audio-only",
    "audio-only,capped-1080p",
}
MASTER_ACCESS = {"none", "temporary"}
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


class ApiError(Exception):
    def __init__(self, status: int, message: str, error_type: str = "invalid_parameters"):
        super().__init__(message)
        self.status, self.message, self.error_type = status, message, error_type


def _policies(settings: dict) -> list[str]:
    raw = settings.get("playback_policies", settings.get("playback_policy", []))
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or any(p not in POLICIES for p in raw):
        raise ApiError(400, "playback_policies must be a list of 'public' or 'signed'")
    return list(dict.fromkeys(raw))


def normalize_asset_settings(settings: object) -> dict:
    """Validate new_asset_settings and keep only the fields the simulator understands.

    Unknown fields are dropped rather than echoed, because the SDK would try to build
    models (e.g. InputSettings) out of whatever comes back.
    """
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise ApiError(400, "new_asset_settings must be an object")
    out: dict = {}
    policies = _policies(settings)
    if policies:
        out["playback_policies"] = policies
    checks = {
        "video_quality": VIDEO_QUALITY,
        "encoding_tier": set(ENCODING_TIER),
        "max_resolution_tier": MAX_RESOLUTION_TIER,
        "mp4_support": MP4_SUPPORT,
        "master_access": MASTER_ACCESS,
    }
    for field, allowed in checks.items():
        if field in settings and settings[field] is not None:
            if settings[field] not in allowed:
                raise ApiError(400, f"{field} must be one of {sorted(allowed)}")
            out[field] = settings[field]
    passthrough = settings.get("passthrough")
    if passthrough is not None:
        if not isinstance(passthrough, str) or len(passthrough) > 255:
            raise ApiError(400, "passthrough must be a string of at most 255 characters")
        out["passthrough"] = passthrough
    for flag in ("test", "normalize_audio", "per_title_encode"):
        if isinstance(settings.get(flag), bool):
            out[flag] = settings[flag]
    # Imported here: the renditions module imports ApiError from this one.
    from .renditions import requested

    static = requested(settings)
    if static:
        out["static_renditions"] = static
    subtitles = _generated_subtitles(settings)
    if subtitles:
        out["inputs"] = [{"generated_subtitles": subtitles}]
    meta = settings.get("meta")
    if isinstance(meta, dict):
        out["meta"] = {k: str(meta[k]) for k in ("title", "creator_id", "external_id") if k in meta}
    return out


def _generated_subtitles(settings: dict) -> list[dict]:
    """The `generated_subtitles` of a new asset's `inputs` (or the older `input`): Mux
    transcribes the asset's audio into one text track per entry. Only these survive
    normalisation; a direct upload's input has no `url` (the file is the upload)."""
    inputs = settings.get("inputs", settings.get("input"))
    if inputs is None:
        return []
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise ApiError(400, "inputs must be a list of objects")
    wanted: list[dict] = []
    for item in inputs:
        if item.get("url") is not None:
            raise ApiError(400, "a direct upload's inputs cannot name a url")
        entries = item.get("generated_subtitles")
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ApiError(400, "generated_subtitles must be a list of objects")
        for entry in entries:
            language = entry.get("language_code", "en")
            if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
                raise ApiError(400, "generated_subtitles language_code must be a BCP 47 tag")
            kept = {"language_code": language}
            for name in ("name", "passthrough"):
                value = entry.get(name)
                if value is not None:
                    if not isinstance(value, str) or len(value) > 255:
                        raise ApiError(400, f"generated_subtitles {name} must be a short string")
                    kept[name] = value
            wanted.append(kept)
    return wanted


# --- uploads ---------------------------------------------------------------------------


def create_upload(sim: Simulator, body: dict) -> dict:
    timeout = body.get("timeout", 3600)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 60 <= timeout <= 604800:
        raise ApiError(400, "timeout must be an integer between 60 and 604800")
    cors_origin = body.get("cors_origin")
    if cors_origin is not None and not isinstance(cors_origin, str):
        raise ApiError(400, "cors_origin must be a string")
    upload_id = new_id()
    upload = {
        "id": upload_id,
        "timeout": timeout,
        "status": "waiting",
        "new_asset_settings": normalize_asset_settings(body.get("new_asset_settings")),
        "url": f"{sim.public_url}/upload/{upload_id}",
        "_created": time.time(),
        "_received": 0,
        "_total": None,
    }
    if cors_origin:
        upload["cors_origin"] = cors_origin
    if body.get("test") is True:
        upload["test"] = True
    with sim.store.tx() as data:
        data["uploads"][upload_id] = upload
    return public(upload)


def refresh_upload(sim: Simulator, upload_id: str) -> dict | None:
    """Return the upload, first marking it timed_out if its window has passed.

    Checked lazily on access: nothing observes a timeout between accesses anyway.
    """
    upload = sim.store.get("uploads", upload_id)
    if upload is None or upload["status"] != "waiting":
        return upload
    if time.time() <= upload["_created"] + upload["timeout"]:
        return upload
    with sim.store.tx() as data:
        current = data["uploads"][upload_id]
        if current["status"] == "waiting":
            current["status"] = "timed_out"
        return dict(current)


def cancel_upload(sim: Simulator, upload_id: str) -> dict:
    refresh_upload(sim, upload_id)
    with sim.store.tx() as data:
        upload = data["uploads"].get(upload_id)
        if upload is None:
            raise ApiError(404, "Upload not found", "not_found")
        if upload["status"] != "waiting":
            raise ApiError(400, f"Upload can't be cancelled in status {upload['status']}")
        upload["status"] = "cancelled"
        result = public(upload)
    sim.webhooks.emit("video.upload.cancelled", "upload", result)
    return result


def fail_upload(sim: Simulator, upload_id: str, error_type: str, message: str) -> None:
    with sim.store.tx() as data:
        upload = data["uploads"][upload_id]
        upload["status"] = "errored"
        upload["error"] = {"type": error_type, "message": message}
        result = public(upload)
    sim.webhooks.emit("video.upload.errored", "upload", result)


def complete_upload(sim: Simulator, upload_id: str) -> dict | None:
    """The last byte arrived: create the asset and queue the transcode."""
    with sim.store.tx() as data:
        upload = data["uploads"].get(upload_id)
        if upload is None or upload["status"] != "waiting":
            # Cancelled (or timed out) while the last chunk was in flight: no asset, as in Mux.
            return None
        settings = upload["new_asset_settings"]
        quality = settings.get("video_quality") or ENCODING_TIER.get(
            settings.get("encoding_tier", ""), "plus"
        )
        tier = {v: k for k, v in ENCODING_TIER.items()}[quality]
        asset_id = new_id()
        asset = {
            "id": asset_id,
            "created_at": unix_now(),
            "status": "preparing",
            "upload_id": upload_id,
            "playback_ids": [{"id": new_id(), "policy": p} for p in _policies(settings)],
            "mp4_support": settings.get("mp4_support", "none"),
            "master_access": settings.get("master_access", "none"),
            "video_quality": quality,
            "encoding_tier": tier,
            "max_resolution_tier": settings.get("max_resolution_tier", "1080p"),
            "ingest_type": "on_demand_direct_upload",
            "progress": {"state": "ingesting", "progress": 0.0},
            "tracks": [],
            "_source": str(sim.store.upload_path(upload_id)),
        }
        for field in ("passthrough", "meta", "normalize_audio", "per_title_encode"):
            if field in settings:
                asset[field] = settings[field]
        if upload.get("test") or settings.get("test"):
            asset["test"] = True
        from .renditions import attach  # imported here, as above

        attach(asset, settings.get("static_renditions", []))
        for playback in asset["playback_ids"]:
            data["playback_ids"][playback["id"]] = {
                "asset_id": asset_id,
                "policy": playback["policy"],
            }
        data["assets"][asset_id] = asset
        upload["status"] = "asset_created"
        upload["asset_id"] = asset_id
        upload_view, asset_view = public(upload), public(asset)
    sim.webhooks.emit("video.upload.asset_created", "upload", upload_view)
    sim.webhooks.emit("video.asset.created", "asset", asset_view)
    subtitles = [s for i in settings.get("inputs", []) for s in i.get("generated_subtitles", [])]
    if subtitles:
        # Imported here: the tracks module imports ApiError from this one.
        from .tracks import generated_tracks_request

        # Listed on the asset (preparing) at once, as Mux does; settled once it is ready.
        generated_tracks_request(sim, asset_id, subtitles)
    sim.schedule_transcode(asset_id)
    return asset_view


# --- assets ----------------------------------------------------------------------------


def _resolution_facts(width: int, height: int, max_tier: str) -> dict:
    short = min(width, height)
    divisor = math.gcd(width, height) or 1
    stored = "SD" if short < 720 else "HD" if short < 1080 else "FHD" if short < 2160 else "UHD"
    tiers = ["720p", "1080p", "1440p", "2160p"]
    tier = next((t for t in tiers if short <= int(t[:-1])), "2160p")
    # Mux never bills above the tier the asset was capped at.
    tier = tiers[min(tiers.index(tier), tiers.index(max_tier))]
    return {
        "aspect_ratio": f"{width // divisor}:{height // divisor}",
        "max_stored_resolution": stored,
        "resolution_tier": tier,
    }


def process_asset(sim: Simulator, asset_id: str) -> None:
    """Background job: transcode the asset's source and move it to ready or errored."""
    asset = sim.store.get("assets", asset_id)
    if asset is None or asset["status"] != "preparing":
        return
    out_dir = sim.store.asset_dir(asset_id)
    with sim.store.tx() as data:
        if asset_id in data["assets"]:
            data["assets"][asset_id]["progress"] = {
                "state": "transcoding",
                "progress": 0.0,
            }
    try:
        facts = sim.transcoder.transcode(Path(asset["_source"]), out_dir)
        error = None
    except TranscodeError as exc:
        if sim.transcoder.stopped:
            return  # Shutting down: stay "preparing", the next start picks it up again.
        facts, error = None, str(exc)
    except Exception as exc:  # A bug must not leave the asset "preparing" forever.
        log.exception("transcode of %s crashed", asset_id)
        facts, error = None, f"Internal simulator error: {exc}"

    with sim.store.tx() as data:
        current = data["assets"].get(asset_id)
        if current is None:
            # Deleted while transcoding: throw the output away.
            shutil.rmtree(out_dir, ignore_errors=True)
            return
        if facts is not None:
            duration = facts["duration"]
            current.update(
                status="ready",
                duration=duration,
                max_stored_frame_rate=facts["fps"],
                progress={"state": "completed", "progress": 100.0},
                _media=facts,
                **_resolution_facts(
                    facts["width"], facts["height"], current["max_resolution_tier"]
                ),
            )
            tracks = [
                {
                    "id": new_id(),
                    "type": "video",
                    "duration": duration,
                    "max_width": facts["width"],
                    "max_height": facts["height"],
                    "max_frame_rate": facts["fps"],
                }
            ]
            if facts["has_audio"]:
                audio = {
                    "id": new_id(),
                    "type": "audio",
                    "duration": duration,
                    "primary": True,
                }
                if facts["audio_channels"]:
                    audio["max_channels"] = facts["audio_channels"]
                tracks.append(audio)
            # Text tracks added while preparing (generated subtitles) stay.
            current["tracks"] = tracks + [
                t for t in current.get("tracks", []) if t.get("type") == "text"
            ]
            event = "video.asset.ready"
        else:
            current.update(
                status="errored",
                errors={"type": "invalid_input", "messages": [error]},
                progress={"state": "errored", "progress": 0.0},
            )
            shutil.rmtree(out_dir, ignore_errors=True)
            event = "video.asset.errored"
        current.pop("_source", None)
        view = public(current)
    # The source is not needed once transcoded; Mux keeps no master unless asked.
    Path(asset["_source"]).unlink(missing_ok=True)
    sim.webhooks.emit(event, "asset", view)
    # Imported here, as above.
    from .tracks import generated_tracks_settle

    # Automatic captions requested with the upload: Mux would transcribe now.
    generated_tracks_settle(sim, asset_id)
    if facts is not None:
        from .renditions import build_pending  # imported here, as above

        build_pending(sim, asset_id)  # MP4 renditions asked for with the upload


def delete_asset(sim: Simulator, asset_id: str) -> None:
    with sim.store.tx() as data:
        asset = data["assets"].pop(asset_id, None)
        if asset is None:
            raise ApiError(404, "Asset not found", "not_found")
        for playback in asset["playback_ids"]:
            data["playback_ids"].pop(playback["id"], None)
        view = public(asset)
    shutil.rmtree(sim.store.asset_dir(asset_id), ignore_errors=True)
    sim.webhooks.emit("video.asset.deleted", "asset", view)


def add_playback_id(sim: Simulator, asset_id: str, policy: object) -> dict:
    if policy not in POLICIES:
        raise ApiError(400, "policy must be 'public' or 'signed'")
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        if asset is None:
            raise ApiError(404, "Asset not found", "not_found")
        playback = {"id": new_id(), "policy": policy}
        asset["playback_ids"].append(playback)
        data["playback_ids"][playback["id"]] = {"asset_id": asset_id, "policy": policy}
    return playback


def delete_playback_id(sim: Simulator, asset_id: str, playback_id: str) -> None:
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        if asset is None or not any(p["id"] == playback_id for p in asset["playback_ids"]):
            raise ApiError(404, "Playback ID not found", "not_found")
        asset["playback_ids"] = [p for p in asset["playback_ids"] if p["id"] != playback_id]
        data["playback_ids"].pop(playback_id, None)


def resume_pending(sim: Simulator) -> None:
    """After a restart, transcode again whatever was still preparing when we stopped.

    Also point upload URLs at the address we listen on now (the port may have changed).
    """
    with sim.store.tx() as data:
        for upload in data["uploads"].values():
            upload["url"] = f"{sim.public_url}/upload/{upload['id']}"
    for asset in sim.store.all("assets"):
        if asset["status"] == "preparing":
            sim.schedule_transcode(asset["id"])
