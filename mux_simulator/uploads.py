"""The direct-upload URL the browser PUTs the file to, chunk by chunk (UpChunk / Mux Uploader).

Each chunk carries `Content-Range: bytes start-end/total` with an inclusive end. Between
chunks we answer 308 with a `Range` header and no `Location`: an XHR follows a 308 that has
one, which would turn the next chunk into a request to the wrong place.

Every answer, empty ones too, says it is `text/plain`, as the storage behind Mux's upload URLs
does. A browser parses a body with no Content-Type as XML when a script reads `responseXML`
(UpChunk does): an empty body becomes Chromium's parse-error document, whose styled
`<parsererror>` element the page's CSP reports as a blocked inline style.
"""

from __future__ import annotations

import re

from . import lifecycle
from .server import Request, Response, Simulator, text_response

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_COPY_BLOCK = 1024 * 1024


def _cors(upload: dict | None) -> dict[str, str]:
    origin = (upload or {}).get("cors_origin") or "*"
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "PUT, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Content-Range, Content-Length",
        "Access-Control-Expose-Headers": "Range",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def preflight(sim: Simulator, request: Request) -> Response:
    upload = sim.store.get("uploads", request.params["id"])
    return Response(204 if upload else 404, headers=_cors(upload))


def receive(sim: Simulator, request: Request) -> Response:
    upload_id = request.params["id"]
    upload = lifecycle.refresh_upload(sim, upload_id)
    cors = _cors(upload)

    def refuse(status: int, message: str, extra: dict | None = None) -> Response:
        return text_response(status, message, {**cors, **(extra or {})})

    if upload is None:
        return refuse(404, "unknown upload")
    length = request.content_length
    if length is None:
        return refuse(411, "Content-Length required")

    with sim.upload_lock(upload_id):
        upload = lifecycle.refresh_upload(sim, upload_id)
        if upload is None:  # deleted while this request waited for the lock
            return refuse(404, "unknown upload")
        if upload["status"] != "waiting":
            return refuse(409, f"upload is {upload['status']}, not accepting data")
        received, known_total = upload["_received"], upload["_total"]
        have = {"Range": f"bytes=0-{received - 1}"} if received else {}

        header = request.headers.get("Content-Range")
        if header is None:
            # A single PUT with the whole file.
            if received:
                return refuse(409, "upload already started; send the rest with Content-Range")
            start, end, total = 0, length - 1, length
        elif m := _RANGE.match(header.strip()):
            start, end, total = int(m[1]), int(m[2]), int(m[3])
        else:
            return refuse(400, "Content-Range must look like 'bytes start-end/total'")

        if total <= 0 or length <= 0:
            return refuse(400, "empty upload")
        if not (start <= end < total) or end - start + 1 != length:
            return refuse(400, "Content-Range does not match the body length")
        if known_total is not None and total != known_total:
            return refuse(400, f"total size changed from {known_total} to {total}")
        if start != received:
            # Out of order, a gap or an overlap: say what we have so a client could resume.
            return refuse(416, f"expected a chunk starting at byte {received}", have)
        if total > sim.config()["max_upload_bytes"]:
            lifecycle.fail_upload(sim, upload_id, "invalid_file", "The file is too large")
            return refuse(413, "file too large")

        path = sim.store.upload_path(upload_id)
        with open(path, "r+b" if path.exists() else "wb") as out:
            out.seek(start)
            out.truncate()
            left = length
            while left:
                block = request.read(min(_COPY_BLOCK, left))
                if not block:
                    break
                out.write(block)
                left -= len(block)
            if left:
                out.seek(start)
                out.truncate()
                return refuse(400, "connection closed before the chunk was complete")

        with sim.store.tx() as data:
            current = data["uploads"][upload_id]
            if current["status"] != "waiting":
                return refuse(409, f"upload is {current['status']}, not accepting data")
            current["_received"], current["_total"] = end + 1, total

        if end + 1 < total:
            return text_response(308, "", {**cors, "Range": f"bytes=0-{end}"})
        lifecycle.complete_upload(sim, upload_id)
        return text_response(200, "", cors)


ID = r"(?P<id>[A-Za-z0-9_-]+)"
ROUTES = [
    ("PUT", f"/upload/{ID}", receive, "public"),
    ("OPTIONS", f"/upload/{ID}", preflight, "public"),
]
