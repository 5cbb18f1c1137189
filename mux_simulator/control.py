"""Test and fault-injection endpoints under /_sim/ (no auth; loopback clients only)."""

from __future__ import annotations

from .lifecycle import ApiError
from .server import Request, Response, Simulator, json_response, text_response
from .state import new_id, public, unix_now
from .tokens import public_pem_from


def healthz(sim: Simulator, request: Request) -> Response:
    return text_response(200, "ok")


def get_config(sim: Simulator, request: Request) -> Response:
    return json_response(200, sim.config())


def set_config(sim: Simulator, request: Request) -> Response:
    return json_response(200, sim.update_config(request.json()))


def webhook_log(sim: Simulator, request: Request) -> Response:
    return json_response(200, {"data": sim.webhooks.log()})


def register_signing_key(sim: Simulator, request: Request) -> Response:
    """Teach the simulator a key the app already holds (e.g. MUX_SIGNING_PRIVATE_KEY).

    Body: {"id": optional, "key": PEM or base64 PEM, public or private, PKCS#1 or PKCS#8}.
    """
    body = request.json()
    key_id = body.get("id") or new_id()
    if not isinstance(key_id, str) or not isinstance(body.get("key"), str):
        raise ApiError(400, "id and key must be strings")
    try:
        pem = public_pem_from(body["key"])
    except ValueError as exc:
        raise ApiError(400, f"cannot read key: {exc}") from exc
    record = {"id": key_id, "created_at": unix_now(), "_public_key": pem}
    with sim.store.tx() as data:
        data["signing_keys"][key_id] = record
    sim.verifier.forget(key_id)
    return json_response(201, {"data": public(record)})


def dump_state(sim: Simulator, request: Request) -> Response:
    return json_response(
        200,
        {
            "uploads": [public(u) for u in sim.store.all("uploads")],
            "assets": [public(a) for a in sim.store.all("assets")],
            "signing_keys": [public(k) for k in sim.store.all("signing_keys")],
        },
    )


ROUTES = [
    ("GET", "/_sim/healthz", healthz, "control"),
    ("GET", "/_sim/config", get_config, "control"),
    ("POST", "/_sim/config", set_config, "control"),
    ("GET", "/_sim/webhooks", webhook_log, "control"),
    ("POST", "/_sim/signing-keys", register_signing_key, "control"),
    ("GET", "/_sim/state", dump_state, "control"),
]
