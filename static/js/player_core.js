/*
 * LearnStream player core: the rules of the lesson player that need no browser, so they can be
 * unit-tested with Node's own test runner (`node --test static/js/tests/`).
 *
 * - SpanQueue: the played spans waiting for the server, merged when they touch, never across
 *   a jump, bounded in size, serialisable to localStorage.
 * - spanAllowance / splitToAllowance: the server's span rule seen from the client (a span may
 *   not exceed max_rate x the wall time since the previous accepted beat + slack, the first
 *   beat of a lesson at most first_beat_max_s), so a long backlog goes out in pieces the
 *   server accepts instead of being refused. Pieces only ever cut a span: nothing is added.
 * - failureKind: what a refused beat means for its span (retry, hold for sign-in, or drop).
 * - keyAction, speeds, caption choice, clock text, storyboard cues: the player's controls
 *   (player_controls.js), including which keys a focused control keeps for itself.
 * - applyBeat and the progress texts: the lesson page's outline, course percent and
 *   "Continue" link kept up to date from each accepted beat (progress_region.js).
 *
 * Loaded by the page as a plain script (window.LearnStreamPlayerCore) and by Node as a
 * CommonJS module.
 */
(function (root, factory) {
  const core = factory();
  if (typeof module === "object" && module.exports) module.exports = core;
  else root.LearnStreamPlayerCore = core;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const CONTIGUOUS_S = 0.5; // spans closer than this are merged into one
  const MAX_PENDING = 100; // bound memory (and storage) if the server stays unreachable
  // Our clock starts when the answer arrives, the server's when it recorded the beat, so ours
  // is never ahead; this margin absorbs rounding and the server's millisecond storage.
  const ALLOWANCE_MARGIN_S = 0.5;
  const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const SEEK_SMALL_S = 5;
  const SEEK_LARGE_S = 10;

  const round3 = (x) => Math.round(x * 1000) / 1000;

  function clampTime(t, duration) {
    const x = Math.max(0, Number.isFinite(t) ? t : 0);
    return duration === null || duration === undefined ? x : Math.min(x, duration);
  }

  // ---- spans waiting for the server ------------------------------------------------

  function copyEntry(entry) {
    const out = { from: entry.from, to: entry.to, position: entry.position, duration: entry.duration };
    if (entry.started) out.started = true;
    if (entry.viewId && entry.seq) {
      out.viewId = entry.viewId;
      out.seq = entry.seq;
    }
    return out;
  }

  function validEntry(entry) {
    return (
      entry &&
      Number.isFinite(entry.from) &&
      Number.isFinite(entry.to) &&
      entry.from >= 0 &&
      entry.to >= entry.from &&
      Number.isFinite(entry.position) &&
      (entry.duration === null || (Number.isFinite(entry.duration) && entry.duration > 0))
    );
  }

  class SpanQueue {
    constructor(entries, maxPending) {
      this.maxPending = maxPending || MAX_PENDING;
      this.entries = [];
      for (const entry of entries || []) if (validEntry(entry)) this.entries.push(copyEntry(entry));
      while (this.entries.length > this.maxPending) this.entries.shift();
    }

    get length() {
      return this.entries.length;
    }

    // Merge with the neighbour when the two spans touch or overlap; otherwise keep them apart
    // so a jump between them is never reported as played.
    add(entry, atFront) {
      entry = copyEntry(entry);
      const entries = this.entries;
      const neighbour = atFront ? entries[0] : entries[entries.length - 1];
      if (neighbour) {
        const [first, second] = atFront ? [entry, neighbour] : [neighbour, entry];
        // A "started" beat goes out on its own, unless it already failed once.
        if (
          !first.started &&
          second.from <= first.to + CONTIGUOUS_S &&
          second.from >= first.from - CONTIGUOUS_S
        ) {
          first.from = Math.min(first.from, second.from);
          first.to = Math.max(first.to, second.to);
          first.position = second.position; // the later report knows where playback is
          first.duration = second.duration || first.duration;
          // A merged span is a different beat: it is numbered anew when sent.
          delete first.viewId;
          delete first.seq;
          if (atFront) entries[0] = first;
          return;
        }
      }
      if (atFront) entries.unshift(entry);
      else entries.push(entry);
      if (entries.length > this.maxPending) entries.shift();
    }

    /** A played span [from, to]; nothing when nothing was played (a stall, a loop back). */
    addSpan(from, to, position, duration) {
      from = clampTime(from, duration);
      to = clampTime(to, duration);
      if (to <= from) return false;
      this.add({ from, to, position: clampTime(position, duration), duration }, false);
      return true;
    }

    /** The zero-length "started" beat, sent once when playback first starts. */
    addStarted(at, duration) {
      at = clampTime(at, duration);
      this.add({ from: at, to: at, position: at, duration, started: true }, false);
    }

    shift() {
      return this.entries.shift();
    }

    /** Put back a span that was not accepted (it is now just a span to merge). */
    putBack(entry) {
      const again = copyEntry(entry);
      delete again.started;
      this.add(again, true);
    }

    snapshot() {
      return this.entries.map(copyEntry);
    }

    /** What localStorage keeps: the spans only, never one being sent (its fate is unknown). */
    toJSON() {
      return this.snapshot();
    }
  }

  // ---- the server's span rule ---------------------------------------------------------

  /**
   * The longest span (s) the server accepts now. `rules` = {interval_s, max_rate, slack_s,
   * first_beat_max_s}; `lastAcceptedAt` = ms of our last accepted beat for this lesson (null
   * when unknown: only the first-beat allowance is sure).
   */
  function spanAllowance(rules, lastAcceptedAt, now) {
    if (lastAcceptedAt === null || lastAcceptedAt === undefined) return rules.first_beat_max_s;
    const elapsed = Math.max(0, (now - lastAcceptedAt) / 1000);
    const allowed = rules.max_rate * Math.max(elapsed, rules.interval_s) + rules.slack_s;
    return Math.max(0, allowed - ALLOWANCE_MARGIN_S);
  }

  /** [the piece to send now, the rest to keep] (rest null when the span fits). */
  function splitToAllowance(entry, allowance) {
    if (entry.to - entry.from <= allowance) return [copyEntry(entry), null];
    const cut = round3(entry.from + Math.max(0, allowance));
    const head = copyEntry(entry);
    const rest = copyEntry(entry);
    head.to = cut;
    delete head.started;
    delete rest.started;
    delete rest.viewId; // the rest is a beat of its own: it gets its own seq when sent
    delete rest.seq;
    rest.from = cut;
    return [head, rest];
  }

  function beatBody(entry) {
    const body = {
      position_s: round3(entry.position),
      duration_s: round3(entry.duration),
      played_from_s: round3(entry.from),
      played_to_s: round3(entry.to),
    };
    if (entry.viewId && entry.seq) {
      body.view_id = entry.viewId;
      body.seq = entry.seq;
    }
    return body;
  }

  /**
   * Number a beat for the current viewing session (the playback response's `view`): a beat
   * keeps its (view, seq) across retries, so a retry the server already recorded changes
   * nothing; a beat of an earlier view (kept across a reload) is numbered anew. Returns the
   * last seq used.
   */
  function stampView(entry, view, lastSeq) {
    if (!view || !view.id) return lastSeq;
    if (entry.viewId === view.id && entry.seq) return lastSeq;
    entry.viewId = view.id;
    entry.seq = lastSeq + 1;
    return entry.seq;
  }

  /**
   * What a failed beat means: "retry" (no answer, 429, 5xx: the span is kept and sent again),
   * "auth" (401/403: the learner is signed out; spans are held until they sign in again),
   * "drop" (any other 4xx: the same span would be refused again).
   */
  function failureKind(status) {
    if (status === 0 || status === 429 || status >= 500) return "retry";
    if (status === 401 || status === 403) return "auth";
    return "drop";
  }

  // ---- controls -----------------------------------------------------------------------

  /** The player's action for a key press, or null (modifier keys are left to the browser). */
  function keyAction(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return null;
    switch (event.key) {
      case " ":
      case "k":
      case "K":
        return { type: "toggle-play" };
      case "ArrowLeft":
        return { type: "seek", by: -SEEK_SMALL_S };
      case "ArrowRight":
        return { type: "seek", by: SEEK_SMALL_S };
      case "j":
      case "J":
        return { type: "seek", by: -SEEK_LARGE_S };
      case "l":
      case "L":
        return { type: "seek", by: SEEK_LARGE_S };
      case "f":
      case "F":
        return { type: "fullscreen" };
      case "c":
      case "C":
        return { type: "captions" };
      case "m":
      case "M":
        return { type: "mute" };
      default:
        return null;
    }
  }

  /** A stored or chosen speed, as one of SPEEDS (1 when missing or not a number). */
  function normaliseSpeed(value) {
    const x = Number(value);
    if (!Number.isFinite(x) || x <= 0) return 1;
    let best = SPEEDS[0];
    for (const speed of SPEEDS) if (Math.abs(speed - x) < Math.abs(best - x)) best = speed;
    return best;
  }

  /**
   * What the "c" key turns captions to: off → the language last shown (or the first track),
   * on → off. `tracks` = [{language}], `current`/`lastOn` = a language or "off".
   */
  function nextCaptionChoice(tracks, current, lastOn) {
    if (!tracks.length) return "off";
    if (current !== "off") return "off";
    const languages = tracks.map((track) => track.language);
    return languages.includes(lastOn) ? lastOn : languages[0];
  }

  /** The stored caption preference applied to this lesson's tracks. */
  function initialCaptionChoice(tracks, stored) {
    if (!stored || stored === "off") return "off";
    return tracks.some((track) => track.language === stored) ? stored : "off";
  }

  /** 0:05, 1:02:03 — the same text as the pages' `clock` filter. */
  function formatClock(seconds) {
    const total = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const ss = String(s).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
  }

  /** Words for a screen reader: "1 minute 5 seconds". */
  function spokenTime(seconds) {
    const total = Math.max(0, Math.round(Number.isFinite(seconds) ? seconds : 0));
    const m = Math.floor(total / 60);
    const s = total % 60;
    const parts = [];
    if (m) parts.push(`${m} minute${m === 1 ? "" : "s"}`);
    if (s || !m) parts.push(`${s} second${s === 1 ? "" : "s"}`);
    return parts.join(" ");
  }


  /** The speeds offered: those the server credits in full (a span may not exceed max_rate x
   * the wall time), so watching faster never loses progress. */
  function speedsAllowed(maxRate) {
    const limit = Number.isFinite(maxRate) && maxRate > 0 ? maxRate : 2;
    const allowed = SPEEDS.filter((speed) => speed <= limit + 1e-9);
    return allowed.length ? allowed : [1];
  }

  /** "1.5×" — what the speed button and menu show. */
  function speedLabel(rate) {
    return `${Number(normaliseSpeed(rate).toFixed(2))}\u00d7`;
  }

  /**
   * What kind of element has the focus, for `ownsKey`: "text" (typing: every key is its
   * own), "button" (space and Enter activate it), "slider" (a range: arrows, Home/End,
   * PageUp/PageDown move it), "seek" (our seek bar: its arrows mean the player's seek),
   * or "other".
   */
  function keyTargetKind(target) {
    if (!target) return "other";
    const tag = String(target.tagName || "").toUpperCase();
    const type = String(target.type || "").toLowerCase();
    if (target.isContentEditable || tag === "TEXTAREA" || tag === "SELECT") return "text";
    if (tag === "INPUT") {
      if (type === "range") return target.seek ? "seek" : "slider";
      if (["button", "submit", "reset", "checkbox", "radio"].includes(type)) return "button";
      return "text";
    }
    if (tag === "BUTTON" || tag === "A" || tag === "SUMMARY") return "button";
    return "other";
  }

  const SLIDER_KEYS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"];

  /** Does the focused element handle this key itself (so the player's shortcut must not)? */
  function ownsKey(kind, key) {
    if (kind === "text") return true;
    if (kind === "button") return key === " " || key === "Enter";
    if (kind === "slider") return SLIDER_KEYS.includes(key);
    if (kind === "seek") return ["Home", "End", "PageUp", "PageDown"].includes(key);
    return false;
  }

  /** Where a relative seek lands, kept inside the video. */
  function seekTarget(current, by, duration) {
    const to = (Number.isFinite(current) ? current : 0) + by;
    return round3(clampTime(to, Number.isFinite(duration) && duration > 0 ? duration : null));
  }

  /** What a seek shortcut tells a screen reader: "Back 5 seconds, at 1 minute 2 seconds". */
  function seekMessage(by, at) {
    const amount = spokenTime(Math.abs(by));
    return `${by < 0 ? "Back" : "Forward"} ${amount}, at ${spokenTime(at)}`;
  }

  /** The seek bar's spoken value: "1 minute 5 seconds of 3 minutes". */
  function seekValueText(position, duration) {
    const at = spokenTime(position);
    return Number.isFinite(duration) && duration > 0 ? `${at} of ${spokenTime(duration)}` : at;
  }

  /**
   * The caption menu: "Off" then one entry per language (the first track of a language
   * wins). `tracks` = [{language, label}].
   */
  function captionOptions(tracks) {
    const options = [{ value: "off", label: "Off" }];
    const seen = new Set();
    for (const track of tracks) {
      const language = track.language || "";
      if (!language || seen.has(language)) continue;
      seen.add(language);
      options.push({ value: language, label: track.label || language });
    }
    return options;
  }

  /** The video time under the pointer at `clientX` over a seek bar spanning [left, left+width]. */
  function scrubTime(clientX, left, width, duration) {
    if (!(width > 0) || !(duration > 0)) return 0;
    const fraction = Math.min(1, Math.max(0, (clientX - left) / width));
    return fraction * duration;
  }

  /** CSS for one storyboard tile: the sprite sheet shifted to the cue's rectangle. */
  function tileStyle(cue) {
    const url = String(cue.url).replace(/["\\\n\r]/g, (c) => encodeURIComponent(c));
    return {
      width: `${cue.w}px`,
      height: `${cue.h}px`,
      backgroundImage: `url("${url}")`,
      backgroundPosition: `-${cue.x}px -${cue.y}px`,
    };
  }

  // ---- storyboard -----------------------------------------------------------------------

  function parseVttTime(text) {
    const parts = text.trim().split(":").map(Number);
    if (parts.some((x) => !Number.isFinite(x))) return NaN;
    return parts.reduce((acc, x) => acc * 60 + x, 0);
  }

  /** Mux's storyboard WebVTT → [{start, end, url, x, y, w, h}] (sprite tiles per time range). */
  function parseStoryboardVtt(text) {
    const cues = [];
    const lines = String(text || "").split(/\r?\n/);
    for (let i = 0; i < lines.length; i += 1) {
      const match = lines[i].match(/^\s*([\d:.]+)\s*-->\s*([\d:.]+)/);
      if (!match) continue;
      const target = (lines[i + 1] || "").trim();
      const hash = target.match(/^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/);
      const start = parseVttTime(match[1]);
      const end = parseVttTime(match[2]);
      if (!hash || !Number.isFinite(start) || !Number.isFinite(end)) continue;
      cues.push({ start, end, url: hash[1], x: +hash[2], y: +hash[3], w: +hash[4], h: +hash[5] });
    }
    return cues;
  }

  function cueAt(cues, t) {
    for (const cue of cues) if (t >= cue.start && t < cue.end) return cue;
    return cues.length && t >= cues[cues.length - 1].end ? cues[cues.length - 1] : null;
  }


  // ---- the page's progress (outline, percent, "Continue") ------------------------------------

  /** Where a learner resumes a lesson: the last position, or 0 when completed or near the end
   * (the server's `_resume_from`, with its tail share). */
  function resumeFrom(position, duration, tail, completed) {
    if (completed) return 0;
    const p = Number(position) || 0;
    const d = Number(duration) || 0;
    if (d > 0 && p >= d * (1 - (Number.isFinite(tail) ? tail : 0.05))) return 0;
    return p;
  }

  function percentOf(completed, total) {
    return total ? Math.round((1000 * completed) / total) / 10 : 0;
  }

  /**
   * The course progress (the GET /courses/{slug}/progress shape) after an accepted beat or
   * completion of `lessonId` answered `beat` ({completed, position_s, duration_s, coverage}).
   * Returns {course, refetch}: `refetch` is true when what changed needs the server's view
   * (a lesson just completed: the next lesson to continue is chosen by the server from the
   * learner's history; or the lesson is not in the course data at all).
   */
  function applyBeat(course, lessonId, beat, tail) {
    const lessons = (course && course.lessons) || [];
    const index = lessons.findIndex((item) => item.id === lessonId);
    if (!course || index < 0 || !beat) return { course, refetch: true };
    const before = lessons[index];
    const completed = before.completed || !!beat.completed; // a beat never undoes completion
    const item = Object.assign({}, before, {
      completed,
      position_s: Number(beat.position_s) || 0,
      coverage: Number.isFinite(beat.coverage) ? beat.coverage : before.coverage,
    });
    const updated = lessons.slice();
    updated[index] = item;
    const done = updated.filter((entry) => entry.completed).length;
    const next = Object.assign({}, course, {
      lessons: updated,
      completed_lessons: done,
      percent: percentOf(done, updated.length),
      total_lessons: updated.length,
    });
    if (completed && !before.completed) {
      if (next.continue_lesson_id === lessonId) {
        // Until the server says which lesson comes next: the first unfinished one.
        const first = updated.find((entry) => !entry.completed);
        next.continue_lesson_id = first ? first.id : null;
        next.continue_title = first ? first.title : "";
        next.continue_position_s = first ? resumeFrom(first.position_s, 0, tail, false) : 0;
      }
      return { course: next, refetch: true };
    }
    if (!completed) {
      // The lesson just watched is the most recently watched unfinished one: continue here.
      next.continue_lesson_id = lessonId;
      next.continue_title = item.title;
      next.continue_position_s = resumeFrom(beat.position_s, beat.duration_s, tail, false);
    }
    return { course: next, refetch: false };
  }

  /** "1 of 2 lessons completed · 50%" — the same text as the progress template. */
  function progressSummary(course) {
    const total = course.total_lessons;
    return `${course.completed_lessons} of ${total} lesson${total === 1 ? "" : "s"} completed \u00b7 ${Math.round(course.percent)}%`;
  }

  /** The "Continue" link's text, or null when there is nothing to continue. */
  function continueText(course) {
    if (!course.continue_lesson_id) return null;
    const verb = course.completed_lessons || course.continue_position_s ? "Continue" : "Start";
    const at = course.continue_position_s ? ` at ${formatClock(course.continue_position_s)}` : "";
    return `${verb}: ${course.continue_title}${at}`;
  }

  return {
    CONTIGUOUS_S,
    MAX_PENDING,
    SPEEDS,
    round3,
    clampTime,
    SpanQueue,
    spanAllowance,
    splitToAllowance,
    beatBody,
    stampView,
    failureKind,
    keyAction,
    normaliseSpeed,
    nextCaptionChoice,
    initialCaptionChoice,
    formatClock,
    spokenTime,
    parseStoryboardVtt,
    cueAt,
    speedsAllowed,
    speedLabel,
    keyTargetKind,
    ownsKey,
    seekTarget,
    seekMessage,
    seekValueText,
    captionOptions,
    scrubTime,
    tileStyle,
    resumeFrom,
    percentOf,
    applyBeat,
    progressSummary,
    continueText,
  };
});
