"""ffmpeg: probe a source file, then make HLS, a thumbnail and a storyboard sprite.

There is no ffprobe next to imageio-ffmpeg's binary, so facts about the source come from
the banner ffmpeg prints to stderr when asked to read a file.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

SEGMENT_SECONDS = 2
STORYBOARD_TILE_WIDTH = 160
STORYBOARD_MAX_TILES = 50
STORYBOARD_COLUMNS = 5

_DURATION = re.compile(r"Duration:\s*(\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: .*?(\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_CHANNELS = re.compile(r"Audio: .*?, \d+ Hz, ([^,]+)")
_LAYOUT_CHANNELS = {
    "mono": 1,
    "stereo": 2,
    "2.1": 3,
    "quad": 4,
    "5.0": 5,
    "5.1": 6,
    "7.1": 8,
}


class TranscodeError(Exception):
    pass


@dataclass
class Probe:
    duration: float | None
    width: int | None
    height: int | None
    fps: float | None
    has_audio: bool
    audio_channels: int | None
    audio_layout: str | None


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def parse_probe(stderr: str) -> Probe:
    duration = None
    if m := _DURATION.search(stderr):
        duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    width = height = fps = None
    for line in stderr.splitlines():
        # Cover art in audio files shows up as a video stream; it is not a video.
        is_video = ": Video: " in line and "(attached pic)" not in line
        if is_video and (m := _VIDEO.search(line)):
            width, height = int(m[1]), int(m[2])
            if f := _FPS.search(line):
                fps = float(f[1])
            break
    layout, channels = None, None
    audio_lines = [line for line in stderr.splitlines() if ": Audio: " in line]
    if audio_lines and (m := _CHANNELS.search(audio_lines[0])):
        layout = m[1].strip().split("(")[0]
        channels = _LAYOUT_CHANNELS.get(layout)
    return Probe(duration, width, height, fps, bool(audio_lines), channels, layout)


class Transcoder:
    """Runs ffmpeg processes and remembers them so stop() can kill a long transcode."""

    def __init__(self, exe: str | None = None, timeout_s: float = 1800) -> None:
        self.exe = exe or ffmpeg_exe()
        self.timeout_s = timeout_s
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            procs = list(self._procs)
        for proc in procs:
            proc.kill()

    def _run(self, args: list[str]) -> subprocess.CompletedProcess:
        with self._lock:
            if self._stopped:
                raise TranscodeError("simulator is stopping")
            proc = subprocess.Popen(
                [self.exe, "-hide_banner", "-nostdin", *args],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            self._procs.add(proc)
        try:
            _, err = proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.communicate()
            raise TranscodeError("transcode timed out") from exc
        finally:
            with self._lock:
                self._procs.discard(proc)
        return subprocess.CompletedProcess(args, proc.returncode, b"", err)

    def probe(self, source: Path) -> Probe:
        # ffmpeg exits non-zero here ("no output file"), but the banner is what we want.
        result = self._run(["-i", str(source)])
        return parse_probe(result.stderr.decode("utf-8", "replace"))

    def transcode(self, source: Path, out_dir: Path) -> dict:
        """Write rendition.m3u8 + segments, thumbnail.jpg and storyboard.jpg into out_dir.

        Returns the facts the asset needs. Raises TranscodeError for anything that is not
        a playable video.
        """
        info = self.probe(source)
        if info.width is None or info.height is None:
            raise TranscodeError("The input file does not contain a video track")
        if info.duration is not None and info.duration <= 0:
            raise TranscodeError("The input file has no duration")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)

        args = ["-y", "-i", str(source), "-map", "0:v:0"]
        if info.has_audio:
            args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"]
        args += [
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            # libx264 with yuv420p needs even dimensions; odd-sized sources are common.
            "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2",
            # A keyframe every segment length, so segments really are ~2 s.
            "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
            "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_filename", str(out_dir / "segment_%04d.ts"),
            str(out_dir / "rendition.m3u8"),
        ]  # fmt: skip
        result = self._run(args)
        playlist = out_dir / "rendition.m3u8"
        if result.returncode != 0 or not playlist.exists():
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise TranscodeError("Transcode failed: " + " / ".join(tail))

        served_duration = sum(
            float(m[1]) for m in re.finditer(r"#EXTINF:([\d.]+)", playlist.read_text())
        )
        duration = info.duration or served_duration
        self._thumbnail(source, out_dir / "thumbnail.jpg", duration)
        storyboard = self._storyboard(source, out_dir / "storyboard.jpg", duration, info)
        width, height = info.width - info.width % 2, info.height - info.height % 2
        return {
            "duration": round(duration, 6),
            "width": width,
            "height": height,
            "fps": info.fps,
            "has_audio": info.has_audio,
            "audio_channels": info.audio_channels,
            "storyboard": storyboard,
        }

    def remux_mp4(self, playlist: Path, target: Path) -> None:
        """An MP4 of the HLS rendition (stream copy, no re-encoding), faststart for download."""
        partial = target.with_suffix(".part.mp4")
        result = self._run(
            ["-y", "-i", str(playlist), "-c", "copy", "-bsf:a", "aac_adtstoasc",
             "-movflags", "+faststart", str(partial)]
        )  # fmt: skip
        if result.returncode != 0 or not partial.exists():
            partial.unlink(missing_ok=True)
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise TranscodeError("MP4 remux failed: " + " / ".join(tail))
        partial.replace(target)

    def _thumbnail(self, source: Path, target: Path, duration: float) -> None:
        # Mux's default thumbnail is the middle frame.
        at = max(0.0, duration / 2)
        result = self._run(
            [
                "-y",
                "-ss",
                f"{at:.3f}",
                "-i",
                str(source),
                "-frames:v",
                "1",
                "-q:v",
                "3",
                str(target),
            ]
        )
        if result.returncode != 0 or not target.exists():
            raise TranscodeError("Could not extract a thumbnail")

    def _storyboard(self, source: Path, target: Path, duration: float, info: Probe) -> dict:
        if info.width is None or info.height is None:
            raise TranscodeError("The input has no video dimensions")
        interval = max(1.0, duration / STORYBOARD_MAX_TILES)
        count = max(1, min(STORYBOARD_MAX_TILES, math.ceil(duration / interval)))
        columns = min(STORYBOARD_COLUMNS, count)
        rows = math.ceil(count / columns)
        tile_w = STORYBOARD_TILE_WIDTH
        tile_h = max(2, round(tile_w * info.height / info.width / 2) * 2)
        vf = f"fps=1/{interval:.6f},scale={tile_w}:{tile_h},tile={columns}x{rows}"
        result = self._run(
            [
                "-y",
                "-i",
                str(source),
                "-vf",
                vf,
                "-frames:v",
                "1",
                "-q:v",
                "4",
                str(target),
            ]
        )
        if result.returncode != 0 or not target.exists():
            raise TranscodeError("Could not build the storyboard")
        return {
            "interval": interval,
            "count": count,
            "columns": columns,
            "tile_width": tile_w,
            "tile_height": tile_h,
        }
