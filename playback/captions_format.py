"""Caption files: read WebVTT or SRT, check every cue, write WebVTT and plain text.

Everything an instructor uploads or edits passes through `captions_parse` before anything
is stored or sent to Mux, so a bad file is refused with the first bad line named and
nothing half-written. Cue times are kept in seconds (floats rounded to milliseconds).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from learnstream.errors import ValidationError

MAX_CAPTION_BYTES = 1024 * 1024
MAX_CUE_CHARS = 2000

# hh:mm:ss.mmm or mm:ss.mmm (WebVTT); SRT uses a comma before the milliseconds.
_TIME = r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
_ARROW = "-->"
# BCP 47: a primary language subtag, then optional script/region/variant subtags.
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return round(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000, 3)


def _refuse(line_no: int, problem: str) -> ValidationError:
    message = f"Line {line_no}: {problem}"
    return ValidationError(message, errors={"file": [message]})


def caption_text_decode(data: bytes) -> str:
    """The file as text: at most 1 MiB of UTF-8 (a leading byte-order mark is dropped)."""
    if len(data) > MAX_CAPTION_BYTES:
        message = f"The caption file is larger than {MAX_CAPTION_BYTES // 1024} KiB."
        raise ValidationError(message, errors={"file": [message]})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = data[: exc.start].count(b"\n") + 1
        raise _refuse(line_no, "the file is not UTF-8 text.") from exc
    return text.removeprefix("\ufeff")


def captions_parse(text: str, *, duration_s: float | None = None) -> list[Cue]:
    """The cues of a WebVTT or SRT document, checked: every timing line parses, each cue
    starts before it ends, cues start in non-decreasing order, and (when the video's
    duration is known) none ends after the video. Raises ValidationError naming the first
    bad line."""
    if "\x00" in text:
        raise _refuse(text[: text.index("\x00")].count("\n") + 1, "the file contains a NUL byte.")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    is_vtt = lines[0].startswith("WEBVTT")
    if is_vtt and not re.fullmatch(r"WEBVTT(?:[ \t].*)?", lines[0]):
        raise _refuse(1, "a WebVTT file starts with a line 'WEBVTT'.")
    cues: list[Cue] = []
    index = 1 if is_vtt else 0
    previous_start = 0.0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        block: list[tuple[int, str]] = []
        while index < len(lines) and lines[index].strip():
            block.append((index + 1, lines[index]))
            index += 1
        if is_vtt and block[0][1].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = next((i for i, (_, text_line) in enumerate(block) if _ARROW in text_line), None)
        if timing_at is None or timing_at > 1:
            raise _refuse(block[0][0], "expected a cue timing line 'start --> end'.")
        line_no, timing = block[timing_at]
        match = _TIMING.match(timing)
        if match is None:
            raise _refuse(line_no, f"cannot read the cue times in {timing.strip()[:80]!r}.")
        groups = match.groups()
        start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
        if start >= end:
            raise _refuse(line_no, "the cue ends before (or when) it starts.")
        if start < previous_start:
            raise _refuse(line_no, "the cue starts before the previous cue.")
        if duration_s and end > duration_s + 0.5:
            raise _refuse(line_no, f"the cue ends after the video ({duration_s:.1f} s).")
        body = "\n".join(text_line for _, text_line in block[timing_at + 1 :]).strip()
        if len(body) > MAX_CUE_CHARS:
            raise _refuse(line_no, f"the cue text is longer than {MAX_CUE_CHARS} characters.")
        if _ARROW in body:
            raise _refuse(line_no, "the cue text contains '-->'.")
        cues.append(Cue(start_s=start, end_s=end, text=body))
        previous_start = start
    if not cues:
        raise _refuse(1, "the file has no cues.")
    return cues


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02}:{ms // 60000 % 60:02}:{ms // 1000 % 60:02}.{ms % 1000:03}"


def cues_to_vtt(cues: list[Cue]) -> str:
    """A clean WebVTT document (SRT uploads are stored and sent to Mux in this form)."""
    parts = ["WEBVTT", ""]
    for cue in cues:
        parts += [f"{_timestamp(cue.start_s)} --> {_timestamp(cue.end_s)}", cue.text, ""]
    return "\n".join(parts)


_TAG = re.compile(r"<[^>]*>")


def cue_plain_text(text: str) -> str:
    """Cue text without WebVTT markup (<v Speaker>, <i>, timestamps) or entities, one line."""
    plain = _TAG.sub("", text)
    plain = plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    plain = plain.replace("&nbsp;", " ")
    return " ".join(plain.split())


def cues_to_text(cues: list[Cue]) -> str:
    return "\n".join(cue_plain_text(cue.text) for cue in cues) + "\n"


def search_fold(text: str) -> str:
    """Lower case without accents (é → e, ß → ss), so "cafe" finds "Café"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def language_clean(value: str) -> str:
    """A BCP 47 tag in its usual case (`pt-BR`, `zh-Hant`), or ValidationError."""
    if not isinstance(value, str) or len(value) > 35 or not _LANGUAGE.fullmatch(value):
        message = "Use a BCP 47 language tag such as 'en' or 'pt-BR'."
        raise ValidationError(message, errors={"language": [message]})
    primary, *rest = value.split("-")
    subtags = [primary.lower()]
    for sub in rest:
        if len(sub) == 2 and sub.isalpha():
            subtags.append(sub.upper())
        elif len(sub) == 4 and sub.isalpha():
            subtags.append(sub.title())
        else:
            subtags.append(sub.lower())
    return "-".join(subtags)
