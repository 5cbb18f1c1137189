"""The Mux REST API subset that mux-python calls: direct uploads, assets, signing keys.

Status codes matter: the SDK only deserializes a body when the status is the one its
response_types_map expects (201 for creates, 200 otherwise), and returns None otherwise.
"""

from __future__ import annotations

from . import lifecycle
from .lifecycle import ApiError
from .server import Request, Response, Simulator, json_response
from .state import public
from .tokens import generate_signing_key

ID = r"(?P<id>[A-Za-z0-9_-]+)"
PID = r"(?P<pid>[A-Za-z0-9_-]+)"


def _page(request: Request, items: list[dict]) -> list[dict]:
    try:
        limit = int(request.query.get("limit", 25))
        page = int(request.query.get("page", 1))
    except ValueError as exc:
        raise ApiError(400, "limit and page must be integers") from exc
    if not 1 <= limit <= 100 or page < 1:
        raise ApiError(400, "limit must be 1..100 and page >= 1")
    # Mux lists newest first.
    items.sort(key=lambda o: float(o.get("_created") or o.get("created_at") or 0), reverse=True)
    return items[(page - 1) * limit : page * limit]


def _not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", "not_found")


# --- direct uploads ----------------------------------------------------------------------


def create_upload(sim: Simulator, request: Request) -> Response:
    return json_response(201, {"data": lifecycle.create_upload(sim, request.json())})


def list_uploads(sim: Simulator, request: Request) -> Response:
    for upload in sim.store.all("uploads"):
        lifecycle.refresh_upload(sim, upload["id"])
    items = _page(request, sim.store.all("uploads"))
    return json_response(200, {"data": [public(u) for u in items]})


def get_upload(sim: Simulator, request: Request) -> Response:
    upload = lifecycle.refresh_upload(sim, request.params["id"])
    if upload is None:
        raise _not_found("Upload")
    return json_response(200, {"data": public(upload)})


def cancel_upload(sim: Simulator, request: Request) -> Response:
    return json_response(200, {"data": lifecycle.cancel_upload(sim, request.params["id"])})


# --- assets ------------------------------------------------------------------------------


def create_asset(sim: Simulator, request: Request) -> Response:
    raise ApiError(
        400,
        "The simulator only creates assets from direct uploads (POST /video/v1/uploads)",
    )


def list_assets(sim: Simulator, request: Request) -> Response:
    assets = sim.store.all("assets")
    if upload_id := request.query.get("upload_id"):
        assets = [a for a in assets if a.get("upload_id") == upload_id]
    items = _page(request, assets)
    return json_response(200, {"data": [public(a) for a in items], "next_cursor": None})


def _asset(sim: Simulator, asset_id: str) -> dict:
    asset = sim.store.get("assets", asset_id)
    if asset is None:
        raise _not_found("Asset")
    return asset


def get_asset(sim: Simulator, request: Request) -> Response:
    return json_response(200, {"data": public(_asset(sim, request.params["id"]))})


def delete_asset(sim: Simulator, request: Request) -> Response:
    lifecycle.delete_asset(sim, request.params["id"])
    return Response(204)


def create_playback_id(sim: Simulator, request: Request) -> Response:
    body = request.json()
    playback = lifecycle.add_playback_id(sim, request.params["id"], body.get("policy", "public"))
    return json_response(201, {"data": playback})


def get_asset_playback_id(sim: Simulator, request: Request) -> Response:
    asset = _asset(sim, request.params["id"])
    for playback in asset["playback_ids"]:
        if playback["id"] == request.params["pid"]:
            return json_response(200, {"data": playback})
    raise _not_found("Playback ID")


def delete_playback_id(sim: Simulator, request: Request) -> Response:
    lifecycle.delete_playback_id(sim, request.params["id"], request.params["pid"])
    return Response(204)


def get_playback_id(sim: Simulator, request: Request) -> Response:
    record = sim.store.get("playback_ids", request.params["pid"])
    if record is None:
        raise _not_found("Playback ID")
    data = {
        "id": request.params["pid"],
        "policy": record["policy"],
        "object": {"id": record["asset_id"], "type": "asset"},
    }
    return json_response(200, {"data": data})


# --- signing keys ------------------------------------------------------------------------


def create_signing_key(sim: Simulator, request: Request) -> Response:
    record, private_key = generate_signing_key()
    with sim.store.tx() as data:
        data["signing_keys"][record["id"]] = record
    # The private key is returned once and never stored, as with Mux.
    return json_response(201, {"data": {**public(record), "private_key": private_key}})


def list_signing_keys(sim: Simulator, request: Request) -> Response:
    items = _page(request, sim.store.all("signing_keys"))
    return json_response(200, {"data": [public(k) for k in items]})


def get_signing_key(sim: Simulator, request: Request) -> Response:
    record = sim.store.get("signing_keys", request.params["id"])
    if record is None:
        raise _not_found("Signing key")
    return json_response(200, {"data": public(record)})


def delete_signing_key(sim: Simulator, request: Request) -> Response:
    with sim.store.tx() as data:
        if data["signing_keys"].pop(request.params["id"], None) is None:
            raise _not_found("Signing key")
    sim.verifier.forget(request.params["id"])
    return Response(204)


_KEYS = [
    ("POST", "", create_signing_key),
    ("GET", "", list_signing_keys),
    ("GET", f"/{ID}", get_signing_key),
    ("DELETE", f"/{ID}", delete_signing_key),
]

ROUTES = [
    ("POST", "/video/v1/uploads", create_upload, "api"),
    ("GET", "/video/v1/uploads", list_uploads, "api"),
    ("GET", f"/video/v1/uploads/{ID}", get_upload, "api"),
    ("PUT", f"/video/v1/uploads/{ID}/cancel", cancel_upload, "api"),
    ("POST", "/video/v1/assets", create_asset, "api"),
    ("GET", "/video/v1/assets", list_assets, "api"),
    ("GET", f"/video/v1/assets/{ID}", get_asset, "api"),
    ("DELETE", f"/video/v1/assets/{ID}", delete_asset, "api"),
    ("POST", f"/video/v1/assets/{ID}/playback-ids", create_playback_id, "api"),
    ("GET", f"/video/v1/assets/{ID}/playback-ids/{PID}", get_asset_playback_id, "api"),
    ("DELETE", f"/video/v1/assets/{ID}/playback-ids/{PID}", delete_playback_id, "api"),
    ("GET", f"/video/v1/playback-ids/{PID}", get_playback_id, "api"),
    # SigningKeysApi (current) and URLSigningKeysApi (deprecated) share one key set.
    *[(m, f"/system/v1/signing-keys{p}", h, "api") for m, p, h in _KEYS],
    *[(m, f"/video/v1/signing-keys{p}", h, "api") for m, p, h in _KEYS],
]
