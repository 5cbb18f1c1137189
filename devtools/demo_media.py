"""Demo lesson videos made offline: slides drawn with Pillow, encoded with imageio-ffmpeg's
ffmpeg, and a WebVTT caption file written from the same script.

A lesson's script is a title card (course and lesson title) followed by one slide per key
point; each caption cue says what its slide shows, at the same times. Files are cached
under `var/demo-media/` by a hash of the script, so a second run makes nothing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 854, 480
FPS = 12
TITLE_SECONDS = 6.0
POINT_SECONDS = 8.0
# Bump when the drawing or encoding changes, so cached files are made again.
GENERATOR_VERSION = "1"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
# One background per course (by position), light text on dark for contrast.
BACKGROUNDS = ((22, 52, 96), (74, 28, 84), (20, 78, 60), (96, 48, 20))


@dataclass(frozen=True)
class Slide:
    start: float
    end: float
    heading: str
    text: str

    @property
    def caption(self) -> str:
        return self.text


@dataclass(frozen=True)
class DemoMedia:
    video: Path
    captions: Path
    duration_s: float


def lesson_script(*, course_title: str, lesson_title: str, points: list[str]) -> list[Slide]:
    slides = [Slide(0.0, TITLE_SECONDS, course_title, lesson_title)]
    at = TITLE_SECONDS
    for number, point in enumerate(points, start=1):
        slides.append(Slide(at, at + POINT_SECONDS, f"{lesson_title} · {number}", point))
        at += POINT_SECONDS
    return slides


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    # Pillow's wheel carries a scalable font of its own, so no system font is needed.
    return ImageFont.load_default(size=size)


def _draw_slide(slide: Slide, background: tuple[int, int, int], path: Path) -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(image)
    heading_font, text_font = _font(26), _font(40)
    draw.text((48, 40), slide.heading, font=heading_font, fill=(200, 215, 235))
    draw.line((48, 84, WIDTH - 48, 84), fill=(200, 215, 235), width=2)
    y = 150
    for line in textwrap.wrap(slide.text, width=34):
        draw.text((48, y), line, font=text_font, fill=(255, 255, 255))
        y += 56
    draw.text((48, HEIGHT - 56), "LearnStream demo", font=heading_font, fill=(170, 185, 205))
    image.save(path)


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def webvtt(slides: list[Slide]) -> str:
    cues = [
        f"{_timestamp(slide.start)} --> {_timestamp(slide.end)}\n{slide.caption}\n"
        for slide in slides
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def _encode(slides: list[Slide], background: tuple[int, int, int], target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        listing = []
        for index, slide in enumerate(slides):
            image = folder / f"slide-{index:02d}.png"
            _draw_slide(slide, background, image)
            listing.append(f"file '{image.name}'\nduration {slide.end - slide.start:g}\n")
        # The concat demuxer needs the last file repeated for its duration to count.
        listing.append(f"file 'slide-{len(slides) - 1:02d}.png'\n")
        (folder / "slides.txt").write_text("".join(listing))
        partial = target.with_suffix(".part.mp4")
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-loglevel",
                "error",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(folder / "slides.txt"),
                "-f",
                "lavfi",
                "-i",
                "anullsrc=channel_layout=stereo:sample_rate=44100",
                "-t",
                f"{slides[-1].end:g}",
                "-vf",
                f"fps={FPS},format=yuv420p",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-tune",
                "stillimage",
                "-c:a",
                "aac",
                "-b:a",
                "32k",
                "-movflags",
                "+faststart",
                str(partial),
            ],
            check=True,
            timeout=120,
        )
        partial.replace(target)


def lesson_media(
    *, cache_dir: Path, course_index: int, course_title: str, lesson_title: str, points: list[str]
) -> DemoMedia:
    """The lesson's video and captions, made now or taken from the cache."""
    slides = lesson_script(course_title=course_title, lesson_title=lesson_title, points=points)
    background = BACKGROUNDS[course_index % len(BACKGROUNDS)]
    key = hashlib.sha256(
        json.dumps([GENERATOR_VERSION, background, [vars(s) for s in slides]]).encode()
    ).hexdigest()[:20]
    cache_dir.mkdir(parents=True, exist_ok=True)
    video, captions = cache_dir / f"{key}.mp4", cache_dir / f"{key}.vtt"
    if not video.exists():
        _encode(slides, background, video)
    if not captions.exists():
        captions.write_text(webvtt(slides), encoding="utf-8")
    return DemoMedia(video=video, captions=captions, duration_s=slides[-1].end)
