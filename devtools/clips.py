"""Test-pattern video clips made with the bundled ffmpeg (no Django needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg


def make_clip(folder: Path, seconds: float) -> Path:
    """A tiny H.264 test-pattern clip of `seconds` (160x120, 15 fps)."""
    path = folder / f"clip-{seconds:g}s.mp4"
    if not path.exists():
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"testsrc=duration={seconds:g}:size=160x120:rate=15",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-preset",
                "ultrafast",
                str(path),
            ],
            check=True,
            timeout=60,
        )
    return path
