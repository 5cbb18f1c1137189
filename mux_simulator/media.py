"""Token-checked streams and images, at paths mirroring stream.mux.com and image.mux.com.

hls.js does not carry `?token=` from the master playlist to what it references, so every
playlist served here is rewritten to put the caller's token on each URI it lists.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import quote

from .server import Request, Response, Simulator, text_response
from .tokens import AUD_STORYBOARD, AUD_THUMBNAIL, AUD_VIDEO, TokenError
from .tracks import text_path

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length",
}
PLAYLIST = "application/vnd.apple.mpegurl"
_URI_ATTR = re.compile(r'URI="([^"]+)"')


def _media_error(status: int, message: str) -> Response:
    return text_response(status, message, {**CORS, "Cache-Control": "no-store"})


class _Denied(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _authorize(sim: Simulator, request: Request, aud: str) -> tuple[dict, str]:
    """Check the token, then find the ready asset. Returns (asset, token or "")."""
    playback_id = request.params["pid"]
    record = sim.store.get("playback_ids", playback_id)
    token = request.query.get("token", "")
    # Unknown ids are treated as signed, so probing ids without a token learns nothing.
    if record is None or record["policy"] == "signed":
        try:
            sim.verifier.verify(token, playback_id, aud)
        except TokenError as exc:
            raise _Denied(_media_error(403, f"Forbidden: {exc}")) from exc
    if record is None:
        raise _Denied(_media_error(404, "Unknown playback id"))
    asset = sim.store.get("assets", record["asset_id"])
    if asset is None:
        raise _Denied(_media_error(404, "Unknown playback id"))
    if asset["status"] != "ready":
        # Mux answers 412 while the asset is still preparing.
        raise _Denied(_media_error(412, f"Asset is {asset['status']}"))
    return asset, token if record["policy"] == "signed" else ""


def _with_token(uri: str, token: str) -> str:
    if not token:
        return uri
    return f"{uri}{'&' if '?' in uri else '?'}token={quote(token, safe='')}"


def _rewrite_playlist(text: str, token: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            line = _URI_ATTR.sub(lambda m: f'URI="{_with_token(m[1], token)}"', line)
        elif line.strip():
            line = _with_token(line.strip(), token)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _file(path: Path, content_type: str) -> Response:
    if not path.is_file():
        return _media_error(404, "Not found")
    return Response(
        200,
        path.read_bytes(),
        content_type,
        {**CORS, "Cache-Control": "private, max-age=60"},
    )


def _guard(handler):
    def wrapped(sim: Simulator, request: Request) -> Response:
        try:
            return handler(sim, request)
        except _Denied as denied:
            return denied.response

    return wrapped


@_guard
def master_playlist(sim: Simulator, request: Request) -> Response:
    asset, token = _authorize(sim, request, AUD_VIDEO)
    media = asset["_media"]
    folder = sim.store.asset_dir(asset["id"])
    size = sum(p.stat().st_size for p in folder.glob("segment_*.ts"))
    bandwidth = max(1, int(size * 8 / max(asset["duration"], 0.001)))
    attrs = f"BANDWIDTH={bandwidth},RESOLUTION={media['width']}x{media['height']}"
    if media.get("fps"):
        attrs += f",FRAME-RATE={media['fps']:.3f}"
    pid = request.params["pid"]
    subtitles = _subtitle_media_lines(asset, pid)
    if subtitles:
        attrs += ',SUBTITLES="subs"'
    # Relative URI: resolves to /stream/{pid}/rendition.m3u8 whatever host the client used.
    text = (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        + "".join(subtitles)
        + f"#EXT-X-STREAM-INF:{attrs}\n{pid}/rendition.m3u8\n"
    )
    body = _rewrite_playlist(text, token).encode()
    return Response(200, body, PLAYLIST, {**CORS, "Cache-Control": "no-store"})


def _ready_text_tracks(asset: dict) -> list[dict]:
    return [
        t for t in asset.get("tracks", []) if t.get("type") == "text" and t.get("status") == "ready"
    ]


def _quoted(value: str) -> str:
    # Quoted-string attributes may not contain a double quote or a line break.
    return value.replace('"', "'").replace("\n", " ").replace("\r", " ")


def _subtitle_media_lines(asset: dict, pid: str) -> list[str]:
    """One EXT-X-MEDIA subtitle rendition per ready text track, as Mux lists them."""
    lines = []
    for track in _ready_text_tracks(asset):
        attrs = [
            "TYPE=SUBTITLES",
            'GROUP-ID="subs"',
            f'NAME="{_quoted(track.get("name") or track["language_code"])}"',
            f'LANGUAGE="{_quoted(track["language_code"])}"',
            "AUTOSELECT=YES",
            "DEFAULT=NO",
        ]
        if track.get("closed_captions"):
            attrs.append(
                'CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,'
                'public.accessibility.describes-music-and-sound"'
            )
        attrs.append(f'URI="{pid}/subtitles/{track["id"]}.m3u8"')
        lines.append(f"#EXT-X-MEDIA:{','.join(attrs)}\n")
    return lines


def _ready_text_track(asset: dict, track_id: str) -> dict:
    track = next((t for t in _ready_text_tracks(asset) if t["id"] == track_id), None)
    if track is None:
        raise _Denied(_media_error(404, "Not found"))
    return track


@_guard
def subtitle_playlist(sim: Simulator, request: Request) -> Response:
    """A WebVTT media playlist: the whole track as one segment spanning the video."""
    asset, token = _authorize(sim, request, AUD_VIDEO)
    track = _ready_text_track(asset, request.params["tid"])
    duration = max(float(asset.get("duration") or 0), 0.001)
    text = (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        f"#EXT-X-TARGETDURATION:{math.ceil(duration)}\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:{duration:.3f},\n../text/{track['id']}.vtt?segment=1\n#EXT-X-ENDLIST\n"
    )
    body = _rewrite_playlist(text, token).encode()
    return Response(200, body, PLAYLIST, {**CORS, "Cache-Control": "no-store"})


def _first_pts(folder: Path) -> int | None:
    """The first presentation timestamp (90 kHz) of the video's first MPEG-TS segment: the
    WebVTT served for HLS maps cue time 0 to it (X-TIMESTAMP-MAP), as Mux's segments do."""
    segments = sorted(folder.glob("segment_*.ts"))
    if not segments:
        return None
    data = segments[0].read_bytes()[: 188 * 400]
    for start in range(0, len(data) - 188 + 1, 188):
        packet = data[start : start + 188]
        if packet[0] != 0x47 or not packet[1] & 0x40:  # sync byte, payload unit start
            continue
        offset = 4
        if packet[3] & 0x20:  # adaptation field
            offset += 1 + packet[4]
        pes = packet[offset:]
        if pes[:3] != b"\x00\x00\x01" or len(pes) < 14 or not pes[7] & 0x80:
            continue
        p = pes[9:14]
        return ((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
    return None


def _with_timestamp_map(vtt: bytes, pts: int | None) -> bytes:
    if pts is None:
        return vtt
    header, _, rest = vtt.partition(b"\n")
    return header + f"\nX-TIMESTAMP-MAP=MPEGTS:{pts},LOCAL:00:00:00.000".encode() + b"\n" + rest


@_guard
def text_track_vtt(sim: Simulator, request: Request) -> Response:
    """GET /stream/{pid}/text/{track_id}.vtt: the track as a standalone WebVTT file, with
    the same video token as the stream (signed playback ids)."""
    asset, _ = _authorize(sim, request, AUD_VIDEO)
    track = _ready_text_track(asset, request.params["tid"])
    path = text_path(sim, asset["id"], track["id"])
    if not path.is_file():
        return _media_error(404, "Not found")
    body = path.read_bytes()
    if request.query.get("segment") == "1":  # the HLS segment, synchronised with the video
        body = _with_timestamp_map(body, _first_pts(sim.store.asset_dir(asset["id"])))
    return Response(200, body, "text/vtt; charset=utf-8", {**CORS, "Cache-Control": "no-store"})


@_guard
def stream_file(sim: Simulator, request: Request) -> Response:
    asset, token = _authorize(sim, request, AUD_VIDEO)
    name = request.params["name"]
    path = sim.store.asset_dir(asset["id"]) / name
    if name.endswith(".m3u8"):
        if not path.is_file():
            return _media_error(404, "Not found")
        body = _rewrite_playlist(path.read_text(), token).encode()
        return Response(200, body, PLAYLIST, {**CORS, "Cache-Control": "no-store"})
    content_type = "video/mp2t" if name.endswith(".ts") else "video/iso.segment"
    return _file(path, content_type)


@_guard
def thumbnail(sim: Simulator, request: Request) -> Response:
    asset, _ = _authorize(sim, request, AUD_THUMBNAIL)
    return _file(sim.store.asset_dir(asset["id"]) / "thumbnail.jpg", "image/jpeg")


@_guard
def storyboard_image(sim: Simulator, request: Request) -> Response:
    asset, _ = _authorize(sim, request, AUD_STORYBOARD)
    return _file(sim.store.asset_dir(asset["id"]) / "storyboard.jpg", "image/jpeg")


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02}:{ms // 60000 % 60:02}:{ms // 1000 % 60:02}.{ms % 1000:03}"


@_guard
def storyboard_vtt(sim: Simulator, request: Request) -> Response:
    asset, token = _authorize(sim, request, AUD_STORYBOARD)
    board = asset["_media"]["storyboard"]
    # Absolute, like Mux's (players load the sprite from the cue text as-is).
    sprite = _with_token(f"{sim.public_url}/image/{request.params['pid']}/storyboard.jpg", token)
    cues = ["WEBVTT", ""]
    width, height = board["tile_width"], board["tile_height"]
    for i in range(board["count"]):
        start = i * board["interval"]
        end = min(asset["duration"], start + board["interval"])
        x, y = (i % board["columns"]) * width, (i // board["columns"]) * height
        cues += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{sprite}#xywh={x},{y},{width},{height}",
            "",
        ]
    body = "\n".join(cues).encode()
    return Response(200, body, "text/vtt; charset=utf-8", {**CORS, "Cache-Control": "no-store"})


def preflight(sim: Simulator, request: Request) -> Response:
    return Response(
        204,
        headers={
            **CORS,
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": "Range, Content-Type",
            "Access-Control-Max-Age": "600",
        },
    )


PID = r"(?P<pid>[A-Za-z0-9_-]+)"
# Only plain file names: no "/" or "..", so nothing outside the asset folder is reachable.
NAME = r"(?P<name>[A-Za-z0-9_-]+\.(?:m3u8|ts|m4s))"
TID = r"(?P<tid>[A-Za-z0-9_-]+)"
ROUTES = [
    ("GET", f"/stream/{PID}\\.m3u8", master_playlist, "public"),
    ("GET", f"/stream/{PID}/subtitles/{TID}\\.m3u8", subtitle_playlist, "public"),
    ("GET", f"/stream/{PID}/text/{TID}\\.vtt", text_track_vtt, "public"),
    ("GET", f"/stream/{PID}/{NAME}", stream_file, "public"),
    ("GET", f"/image/{PID}/thumbnail\\.jpg", thumbnail, "public"),
    ("GET", f"/image/{PID}/storyboard\\.jpg", storyboard_image, "public"),
    ("GET", f"/image/{PID}/storyboard\\.vtt", storyboard_vtt, "public"),
    ("OPTIONS", "/(?:stream|image)/.*", preflight, "public"),
]
