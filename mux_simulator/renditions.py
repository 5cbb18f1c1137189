"""Static renditions: MP4 files of an asset for download, the part of Mux LearnStream uses.

- `static_renditions: [{"resolution": "highest"}]` in a direct upload's new asset settings:
  the asset lists the rendition (`preparing`) from its creation and the MP4 is made once the
  asset is ready.
- `POST /video/v1/assets/{id}/static-renditions` `{"resolution": "highest"}` on an existing
  asset: the same, at once if the asset is ready (400 if it already has that rendition).
- The asset's `static_renditions` is `{"status", "files": [...]}` as the SDK's
  `AssetStaticRenditions` reads it; each file has Mux's `id`, `type`, `status`, `resolution`,
  `name` (`highest.mp4`), `ext`, and once ready `width`, `height`, `bitrate`, `filesize`.
- `video.asset.static_rendition.created|ready|errored` webhooks carry the file with its
  `asset_id`, through the same dispatcher as every other event.
- `GET /stream/{playback_id}/{name}.mp4?token=…` serves a ready file, with the same token
  check as the HLS routes (a signed playback id needs a valid `aud: "v"` token).

Where it differs from Mux: only the `highest` resolution is made (a remux of the HLS
rendition, so the same quality as the stream; any other resolution is refused with 400);
the deprecated `mp4_support` setting is kept and reported but makes no files; deleting a
static rendition is not implemented; the MP4 is sent whole (no `Range` requests).
"""

from __future__ import annotations

import logging

from .lifecycle import ApiError
from .media import AUD_VIDEO, CORS, _authorize, _Denied, _media_error
from .server import Request, Response, Simulator, json_response
from .state import new_id, public

log = logging.getLogger("mux_simulator")

SUPPORTED = {"highest"}
# What the SDK's CreateStaticRenditionRequest accepts; the simulator makes only SUPPORTED.
RESOLUTIONS = {
    "highest",
    "audio-only",
    "2160p",
    "1440p",
    "1080p",
    "720p",
    "540p",
    "480p",
    "360p",
    "270p",
}


def requested(settings: dict) -> list[dict]:
    """The `static_renditions` of new asset settings, validated (400 otherwise)."""
    raw = settings.get("static_renditions")
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ApiError(400, "static_renditions must be a list of objects")
    wanted = []
    for item in raw:
        wanted.append(_request(item))
    if len({item["resolution"] for item in wanted}) != len(wanted):
        raise ApiError(400, "static_renditions may name each resolution once")
    return wanted


def _request(item: dict) -> dict:
    resolution = item.get("resolution")
    if resolution not in RESOLUTIONS:
        raise ApiError(400, f"resolution must be one of {sorted(RESOLUTIONS)}")
    if resolution not in SUPPORTED:
        raise ApiError(400, "The local simulator makes only the 'highest' static rendition")
    kept = {"resolution": resolution}
    passthrough = item.get("passthrough")
    if passthrough is not None:
        if not isinstance(passthrough, str) or len(passthrough) > 255:
            raise ApiError(400, "passthrough must be a string of at most 255 characters")
        kept["passthrough"] = passthrough
    return kept


def _file_entry(wanted: dict) -> dict:
    entry = {
        "id": new_id(),
        "type": "standard",
        "status": "preparing",
        "resolution": wanted["resolution"],
        "name": f"{wanted['resolution']}.mp4",
        "ext": "mp4",
    }
    if "passthrough" in wanted:
        entry["passthrough"] = wanted["passthrough"]
    return entry


def _overall(files: list[dict]) -> str:
    statuses = {f["status"] for f in files}
    if not files:
        return "disabled"
    if "preparing" in statuses:
        return "preparing"
    if statuses == {"errored"}:
        return "errored"
    return "ready"


def attach(asset: dict, wanted: list[dict]) -> list[dict]:
    """List the wanted renditions on a new asset (inside the caller's store transaction);
    returns the new file entries."""
    files = [_file_entry(item) for item in wanted]
    if files:
        asset["static_renditions"] = {"status": "preparing", "files": files}
    return files


def _path(sim: Simulator, asset_id: str, name: str):
    return sim.store.asset_dir(asset_id) / f"static_{name}"


def build_pending(sim: Simulator, asset_id: str) -> None:
    """Make every `preparing` rendition of a ready asset (worker thread)."""
    asset = sim.store.get("assets", asset_id)
    if asset is None or asset["status"] != "ready":
        return
    files = (asset.get("static_renditions") or {}).get("files") or []
    for entry in [f for f in files if f["status"] == "preparing"]:
        _build(sim, asset_id, entry)


def _build(sim: Simulator, asset_id: str, entry: dict) -> None:
    folder = sim.store.asset_dir(asset_id)
    target = _path(sim, asset_id, entry["name"])
    try:
        sim.transcoder.remux_mp4(folder / "rendition.m3u8", target)
        error = None
    except Exception as exc:  # the rendition errors; the asset stays ready
        if sim.transcoder.stopped:
            return
        log.warning("static rendition of %s failed: %s", asset_id, exc)
        error = str(exc)
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        if asset is None:
            target.unlink(missing_ok=True)
            return
        renditions = asset.get("static_renditions") or {"files": []}
        current = next((f for f in renditions["files"] if f["id"] == entry["id"]), None)
        if current is None:
            return
        if error is None:
            media = asset.get("_media") or {}
            size = target.stat().st_size
            current.update(
                status="ready",
                width=media.get("width"),
                height=media.get("height"),
                filesize=str(size),
                bitrate=int(size * 8 / max(float(asset.get("duration") or 0), 0.001)),
            )
        else:
            current["status"] = "errored"
        renditions["status"] = _overall(renditions["files"])
        view = {**public(current), "asset_id": asset_id}
    event = "ready" if error is None else "errored"
    sim.webhooks.emit(f"video.asset.static_rendition.{event}", "static_rendition", view)


def create_static_rendition(sim: Simulator, request: Request) -> Response:
    body = request.json()
    wanted = _request(body if isinstance(body, dict) else {})
    asset_id = request.params["id"]
    with sim.store.tx() as data:
        asset = data["assets"].get(asset_id)
        if asset is None:
            raise ApiError(404, "Asset not found", "not_found")
        if asset["status"] == "errored":
            raise ApiError(400, "The asset errored: it has no renditions")
        renditions = asset.setdefault("static_renditions", {"status": "disabled", "files": []})
        if any(f["resolution"] == wanted["resolution"] for f in renditions["files"]):
            raise ApiError(400, f"The asset already has the {wanted['resolution']} rendition")
        entry = _file_entry(wanted)
        renditions["files"].append(entry)
        renditions["status"] = _overall(renditions["files"])
        ready = asset["status"] == "ready"
        view = {**public(entry), "asset_id": asset_id}
    sim.webhooks.emit("video.asset.static_rendition.created", "static_rendition", view)
    if ready:
        sim.submit(build_pending, sim, asset_id)
    return json_response(201, {"data": public(entry)})


def mp4_file(sim: Simulator, request: Request) -> Response:
    """GET /stream/{pid}/{name}.mp4: a ready static rendition, token-checked as the HLS."""
    try:
        asset, _ = _authorize(sim, request, AUD_VIDEO)
    except _Denied as denied:
        return denied.response
    name = f"{request.params['rendition']}.mp4"
    files = (asset.get("static_renditions") or {}).get("files") or []
    entry = next((f for f in files if f["name"] == name), None)
    if entry is None:
        return _media_error(404, "This asset has no such static rendition")
    if entry["status"] != "ready":
        return _media_error(412, f"The static rendition is {entry['status']}")
    path = _path(sim, asset["id"], name)
    if not path.is_file():
        return _media_error(404, "Not found")
    headers = {
        **CORS,
        "Cache-Control": "private, max-age=60",
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    return Response(200, path.read_bytes(), "video/mp4", headers)


PID = r"(?P<pid>[A-Za-z0-9_-]+)"
ID = r"(?P<id>[A-Za-z0-9_-]+)"
ROUTES = [
    ("POST", f"/video/v1/assets/{ID}/static-renditions", create_static_rendition, "api"),
    ("GET", f"/stream/{PID}/(?P<rendition>[a-z0-9-]+)\\.mp4", mp4_file, "public"),
]
