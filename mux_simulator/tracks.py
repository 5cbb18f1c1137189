"""Text tracks (captions and subtitles) on assets, the part of the Mux API LearnStream uses.

- `POST /video/v1/assets/{id}/tracks` with a `url`: the track starts `preparing`; a worker
  fetches the file (as Mux does), checks it is UTF-8 WebVTT or SRT with readable cue times,
  stores it as WebVTT and turns the track `ready`, or `errored` with the reason.
- `DELETE /video/v1/assets/{id}/tracks/{track_id}`.
- `POST /video/v1/assets/{id}/tracks/{audio_track_id}/generate-subtitles`, and
  `generated_subtitles` in a direct upload's new asset settings (`inputs`): accepted as Mux
  accepts them (the tracks are listed, `preparing`), but the simulator has no speech
  recogniser, so each generated track turns `errored` saying so once the asset is ready.
  It never invents text.
- `video.asset.track.created|ready|errored|deleted` webhooks carry the track with its
  `asset_id`, through the same dispatcher (and retries) as every other event.

The tracks are listed in the asset's `tracks`, and `media.py` serves the ready ones.
"""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .lifecycle import ApiError
from .server import Request, Response, Simulator, json_response
from .state import new_id, public

log = logging.getLogger("mux_simulator")

MAX_TEXT_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT_S = 15
GENERATED_UNAVAILABLE = (
    "Generated subtitles need real Mux: the local simulator has no speech recogniser, "
    "so it does not produce automatic captions."
)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_TIME = r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}")

# Fetching is network-bound and must not queue behind a transcode.
_fetchers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mux-sim-text-fetch")


def text_path(sim: Simulator, asset_id: str, track_id: str) -> Path:
    return sim.store.asset_dir(asset_id) / f"text_{track_id}.vtt"


def _track_view(track: dict, asset_id: str) -> dict:
    """A track as webhooks carry it: Mux adds the asset it belongs to."""
    return {**(public(track) or {}), "asset_id": asset_id}


def _emit(sim: Simulator, event: str, track: dict, asset_id: str) -> None:
    sim.webhooks.emit(event, "track", _track_view(track, asset_id))


def _string(body: dict, name: str, *, required: bool = False, limit: int = 255) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"{name} is required")
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ApiError(400, f"{name} must be a non-empty string of at most {limit} characters")
    return value


def _update_track(sim: Simulator, asset_id: str, track_id: str, **changes: object) -> dict | None:
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        for track in (asset or {}).get("tracks", []):
            if track["id"] == track_id:
                if track.get("status") == "deleted":
                    return None
                track.update(changes)
                return dict(track)
    return None


def create_track(sim: Simulator, request: Request) -> Response:
    asset_id, body = request.params["id"], request.json()
    url = _string(body, "url", required=True, limit=4096)
    assert url is not None
    if not url.startswith(("http://", "https://")):
        raise ApiError(400, "url must be an http(s) URL Mux can fetch")
    if body.get("type") != "text":
        raise ApiError(400, "the simulator adds text tracks only (type must be 'text')")
    if body.get("text_type", "subtitles") != "subtitles":
        raise ApiError(400, "text_type must be 'subtitles'")
    language = _string(body, "language_code", required=True, limit=35)
    if not _LANGUAGE.fullmatch(language or ""):
        raise ApiError(400, "language_code must be a BCP 47 tag")
    closed_captions = body.get("closed_captions", False)
    if not isinstance(closed_captions, bool):
        raise ApiError(400, "closed_captions must be a boolean")
    track: dict[str, object] = {
        "id": new_id(),
        "type": "text",
        "text_type": "subtitles",
        "text_source": "uploaded",
        "language_code": language,
        "name": _string(body, "name") or language,
        "closed_captions": closed_captions,
        "status": "preparing",
    }
    if (passthrough := _string(body, "passthrough")) is not None:
        track["passthrough"] = passthrough
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        if asset is None:
            raise ApiError(404, "Asset not found", "not_found")
        if asset["status"] != "ready":
            raise ApiError(
                400, f"Tracks can be added to ready assets only (asset is {asset['status']})"
            )
        asset.setdefault("tracks", []).append(track)
    _emit(sim, "video.asset.track.created", track, asset_id)
    _fetchers.submit(_fetch_and_store, sim, asset_id, str(track["id"]), url)
    return json_response(201, {"data": public(track)})


def _fetch_and_store(sim: Simulator, asset_id: str, track_id: str, url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:
            raw = response.read(MAX_TEXT_BYTES + 1)
        text = text_file_check(raw)
    except urllib.error.HTTPError as exc:
        _fail(sim, asset_id, track_id, f"Fetching the text track failed: HTTP {exc.code}")
        return
    except (OSError, ValueError) as exc:
        _fail(sim, asset_id, track_id, f"Invalid text track: {exc}")
        return
    path = text_path(sim, asset_id, track_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    track = _update_track(sim, asset_id, track_id, status="ready")
    if track is None:  # deleted while we were fetching
        path.unlink(missing_ok=True)
        return
    _emit(sim, "video.asset.track.ready", track, asset_id)


def _fail(sim: Simulator, asset_id: str, track_id: str, message: str) -> None:
    log.info("text track %s errored: %s", track_id, message)
    track = _update_track(
        sim,
        asset_id,
        track_id,
        status="errored",
        error={"type": "invalid_input", "messages": [message]},
    )
    if track is not None:
        _emit(sim, "video.asset.track.errored", track, asset_id)


def text_file_check(raw: bytes) -> str:
    """The file as WebVTT (SRT is converted), or ValueError saying what is wrong."""
    if len(raw) > MAX_TEXT_BYTES:
        raise ValueError("the file is too large")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ValueError("the file is not UTF-8") from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    is_vtt = lines[0].startswith("WEBVTT")
    timings = 0
    out = ["WEBVTT", ""] if not is_vtt else []
    for number, line in enumerate(lines, start=1):
        if "-->" in line:
            if not _TIMING.match(line):
                raise ValueError(f"line {number}: unreadable cue timing")
            timings += 1
            if not is_vtt:
                line = line.replace(",", ".")
        elif (
            not is_vtt and line.strip().isdigit() and (number == 1 or not lines[number - 2].strip())
        ):
            continue  # an SRT cue number
        out.append(line)
    if timings == 0:
        raise ValueError("the file has no cues")
    return "\n".join(out).rstrip("\n") + "\n"


def delete_track(sim: Simulator, request: Request) -> Response:
    asset_id, track_id = request.params["id"], request.params["tid"]
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        if asset is None:
            raise ApiError(404, "Asset not found", "not_found")
        track = next((t for t in asset.get("tracks", []) if t["id"] == track_id), None)
        if track is None or track.get("type") != "text":
            raise ApiError(404, "Track not found", "not_found")
        asset["tracks"] = [t for t in asset["tracks"] if t["id"] != track_id]
        track = {**track, "status": "deleted"}
    text_path(sim, asset_id, track_id).unlink(missing_ok=True)
    _emit(sim, "video.asset.track.deleted", track, asset_id)
    return Response(204)


def generate_subtitles(sim: Simulator, request: Request) -> Response:
    asset_id, audio_id, body = request.params["id"], request.params["tid"], request.json()
    wanted = body.get("generated_subtitles")
    if not isinstance(wanted, list) or not wanted or not all(isinstance(w, dict) for w in wanted):
        raise ApiError(400, "generated_subtitles must be a non-empty list of objects")
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        if asset is None:
            raise ApiError(404, "Asset not found", "not_found")
        audio = next((t for t in asset.get("tracks", []) if t["id"] == audio_id), None)
        if audio is None or audio.get("type") != "audio":
            raise ApiError(404, "Audio track not found", "not_found")
    return json_response(201, {"data": generated_tracks_add(sim, asset_id, wanted)})


def generated_tracks_add(sim: Simulator, asset_id: str, wanted: list[dict]) -> list[dict]:
    """Add one generated text track per request to a ready asset, as Mux does, and report
    each errored: the simulator cannot recognise speech."""
    created = generated_tracks_request(sim, asset_id, wanted)
    _fetchers.submit(generated_tracks_settle, sim, asset_id)
    return created


def generated_tracks_request(sim: Simulator, asset_id: str, wanted: list[dict]) -> list[dict]:
    """List one generated text track per request on the asset (`preparing`), each with its
    `video.asset.track.created` webhook. Used for `generate-subtitles` on a ready asset and
    for `generated_subtitles` in a direct upload's new asset settings."""
    created: list[dict] = []
    for request_item in wanted:
        language = request_item.get("language_code") or "en"
        if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
            raise ApiError(400, "language_code must be a BCP 47 tag")
        track: dict[str, object] = {
            "id": new_id(),
            "type": "text",
            "text_type": "subtitles",
            "text_source": "generated_vod",
            "language_code": language,
            "name": str(request_item.get("name") or f"{language} (generated)")[:255],
            "closed_captions": False,
            "status": "preparing",
        }
        if isinstance(request_item.get("passthrough"), str):
            track["passthrough"] = request_item["passthrough"][:255]
        with sim.store.tx() as data:
            asset = data["assets"].get(asset_id)
            if asset is None:
                return created  # deleted meanwhile
            asset.setdefault("tracks", []).append(track)
        _emit(sim, "video.asset.track.created", track, asset_id)
        created.append(public(track) or {})
    return created


def generated_tracks_settle(sim: Simulator, asset_id: str) -> None:
    """Where Mux would transcribe, the simulator reports every generated track still
    preparing as `errored`, saying generated captions need real Mux. It never invents text."""
    asset = sim.store.get("assets", asset_id) or {}
    if asset.get("status") not in ("ready", "errored"):
        return  # still preparing: settled when the transcode ends
    for track in asset.get("tracks", []):
        if track.get("text_source") == "generated_vod" and track.get("status") == "preparing":
            _fail(sim, asset_id, str(track["id"]), GENERATED_UNAVAILABLE)


ID = r"(?P<id>[A-Za-z0-9_-]+)"
TID = r"(?P<tid>[A-Za-z0-9_-]+)"
ROUTES = [
    ("POST", f"/video/v1/assets/{ID}/tracks", create_track, "api"),
    ("DELETE", f"/video/v1/assets/{ID}/tracks/{TID}", delete_track, "api"),
    ("POST", f"/video/v1/assets/{ID}/tracks/{TID}/generate-subtitles", generate_subtitles, "api"),
]
